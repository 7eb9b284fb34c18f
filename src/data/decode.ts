/**
 * Image decoding for workers: sniff the header first (format vs name, dimensions, EXIF), refuse
 * oversize images before they reach the decoder, then decode to RGBA: a complete JPEG in memory from its
 * bytes (data/jpegDecode.ts: WebCodecs' ImageDecoder and libjpeg's own conversion, no Blob), a complete
 * opaque PNG at full size the same way, anything else (a reduced or translucent PNG, a truncated JPEG,
 * WebP, a browser without ImageDecoder) by createImageBitmap, read through an OffscreenCanvas. Both
 * paths give the same pixels. Browser-only at runtime; the browser
 * calls are injectable (DecodeDeps) so the checks around them are unit-tested in Node.
 *
 * Matching the reference loader (PIL + torchvision): EXIF orientation is ignored (patched to 1,
 * see sniff.ts), embedded colour profiles are ignored (colorSpaceConversion 'none'), alpha is
 * dropped without premultiplying (premultiplyAlpha 'none'). CMYK/YCCK and greyscale JPEGs come out
 * as RGB from the browser; 16-bit PNGs come out reduced to 8 bits.
 *
 * One path for either input (data/imageInput.ts): a file's bytes already in memory (the studio copy, a
 * tar member) are checked and decoded from as they are; a Blob (a folder's File) is read whole first.
 * A Blob for createImageBitmap is made only where it is called, never for the ImageDecoder path.
 */
import { decodeSize, type DecodeFit } from './decodeFit';
import {
  imageInputBytes,
  imageInputSize,
  imageInputSlice,
  isImageBytes,
  type ImageInput,
} from './imageInput';
import { decodeJpegBytes, decodePngBytes } from './jpegDecode';
import { neutralizeExifOrientation, formatOfExtension, sniffImage, type ImageFormat } from './sniff';

export const DEFAULT_MAX_PIXELS = 40_000_000;
/** Header bytes read for sniffing; JPEG APPn segments (EXIF thumbnails) can push SOF past this. */
const HEAD_BYTES = 64 * 1024;
const HEAD_BYTES_MAX = 1024 * 1024;
/** Files up to this size are read into memory once (see inspect). */
const READ_WHOLE_BYTES = 16 * 1024 * 1024;

export interface DecodeOptions {
  maxPixels?: number;
  /** File name, for the "PNG data named .JPEG" warning. */
  name?: string;
  /** Decode no larger than these crops need (decodeFit.ts); full size when absent. */
  fit?: DecodeFit;
}

export interface BitmapLike {
  readonly width: number;
  readonly height: number;
  close(): void;
}

export interface DecodeDeps<B extends BitmapLike = BitmapLike> {
  createBitmap(blob: Blob, options: ImageBitmapOptions): Promise<B>;
  readPixels(bitmap: B): Uint8ClampedArray;
  /**
   * A complete JPEG decoded from its bytes with no Blob (WebCodecs' ImageDecoder, then libjpeg's own
   * chroma upsampling and colour conversion: core/jpegColor.ts), RGBA: at full size when `request` is
   * null, else at about `request` (the decoder picks a DCT scale); `sourceWidth` is the width the
   * header declares. Null where the browser cannot (then createImageBitmap decodes it). Optional:
   * without it every decode takes that path.
   */
  decodeJpeg?(
    bytes: Uint8Array,
    request: { width: number; height: number } | null,
    sourceWidth: number,
  ): Promise<{ pixels: Uint8ClampedArray; width: number; height: number } | null>;
  /**
   * A complete PNG decoded at full size from its bytes with no Blob (WebCodecs' ImageDecoder), RGBA; null
   * where the browser cannot. Optional, as decodeJpeg.
   */
  decodePng?(bytes: Uint8Array): Promise<{ pixels: Uint8ClampedArray; width: number; height: number } | null>;
}

export type DecodeFailure = { error: string };
export interface DecodedBitmap<B extends BitmapLike = ImageBitmap> {
  bitmap: B;
  /** The decoded size (smaller than the source when a fit allowed it). */
  width: number;
  height: number;
  /** The image's own size: what crop boxes are sampled on. */
  sourceWidth: number;
  sourceHeight: number;
  format: ImageFormat;
  warnings: string[];
}
export interface DecodedPixels {
  /** RGBA, row-major, width*height*4. */
  pixels: Uint8ClampedArray;
  /** The decoded size (smaller than the source when a fit allowed it). */
  width: number;
  height: number;
  /** The image's own size: what crop boxes are sampled on. */
  sourceWidth: number;
  sourceHeight: number;
  format: ImageFormat;
  warnings: string[];
}

const BITMAP_OPTIONS: ImageBitmapOptions = {
  imageOrientation: 'from-image', // a no-op once the EXIF tag is patched to 1
  colorSpaceConversion: 'none',
  premultiplyAlpha: 'none',
};

let sharedCanvas: OffscreenCanvas | null = null;

export const browserDecodeDeps: DecodeDeps<ImageBitmap> = {
  createBitmap: (blob, options) => createImageBitmap(blob, options),
  readPixels(bitmap) {
    // One canvas per worker, resized as needed: allocating one per image costs more than decoding.
    sharedCanvas ??= new OffscreenCanvas(1, 1);
    if (sharedCanvas.width !== bitmap.width || sharedCanvas.height !== bitmap.height) {
      sharedCanvas.width = bitmap.width;
      sharedCanvas.height = bitmap.height;
    }
    const ctx = sharedCanvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('OffscreenCanvas 2d context unavailable');
    ctx.clearRect(0, 0, bitmap.width, bitmap.height);
    ctx.drawImage(bitmap, 0, 0);
    return ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  },
  decodeJpeg: decodeJpegBytes,
  decodePng: decodePngBytes,
};

/** What the checks before decoding found: the bytes to decode and how large to decode them. */
interface Inspected {
  /**
   * The (EXIF-patched) file in memory: the input's own bytes, or a file up to READ_WHOLE_BYTES read
   * whole; null for a larger file (then `file`).
   */
  bytes: Uint8Array<ArrayBuffer> | null;
  /** A file too large to hold, and the patched head to put in front of its rest (null: none). */
  file: { blob: Blob; patchedHead: Uint8Array<ArrayBuffer> | null } | null;
  /** The input's MIME type ('' for bytes), kept on the Blob createImageBitmap gets. */
  type: string;
  format: Exclude<ImageFormat, 'unknown'>;
  label: string;
  sniffed: { width: number; height: number } | null;
  /** A JPEG with its end-of-image marker (a truncated one keeps the full-size decoder's verdict). */
  jpegComplete: boolean;
  /** The reduced size the fit allows, or null for a full-size decode. */
  size: { width: number; height: number } | null;
  warnings: string[];
}

/**
 * The Blob createImageBitmap decodes, made only on the path that calls it: the ImageDecoder path
 * reads the bytes themselves, and a Blob made per image would cost an entry in the browser process's
 * blob registry for nothing (data/imageInput.ts).
 */
function bitmapInput(r: Inspected): Blob {
  if (r.bytes) return new Blob([r.bytes], { type: r.type });
  const { blob, patchedHead } = r.file!;
  return patchedHead ? new Blob([patchedHead, blob.slice(patchedHead.length)], { type: r.type }) : blob;
}

async function inspect(input: ImageInput, opts: DecodeOptions): Promise<Inspected | DecodeFailure> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const fileSize = imageInputSize(input);
  if (fileSize === 0) return { error: 'empty file (0 bytes)' };
  // Bytes already in memory are used as they are. A file up to a few MB (every photo dataset) is read
  // once: sniffing, the end-marker check and the decoder then work from memory instead of three reads
  // of a file-backed Blob (each a trip to the browser process for OPFS / picked folders).
  const whole = isImageBytes(input)
    ? input
    : fileSize <= READ_WHOLE_BYTES
      ? await imageInputBytes(input)
      : null;
  const read = (start: number, end: number): Promise<Uint8Array<ArrayBuffer>> =>
    imageInputSlice(whole ?? input, start, end);
  let head = await read(0, HEAD_BYTES);
  let sniff = sniffImage(head);
  if (sniff.format === 'jpeg' && sniff.width === undefined && fileSize > head.length) {
    head = await read(0, HEAD_BYTES_MAX);
    sniff = sniffImage(head);
  }
  const warnings: string[] = [];
  if (sniff.format === 'unknown') {
    const hex = Array.from(head.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
    return { error: `not a decodable image (starts with ${hex})` };
  }
  const label = sniff.format.toUpperCase();
  const ext = opts.name?.slice(opts.name.lastIndexOf('.') + 1) ?? '';
  const named = formatOfExtension(ext);
  if (named !== undefined && named !== sniff.format)
    warnings.push(`${label} data named .${ext} (decoded as ${label})`);
  const sniffed =
    sniff.width !== undefined && sniff.height !== undefined
      ? { width: sniff.width, height: sniff.height }
      : null;
  if (sniffed) {
    if (sniffed.width === 0 || sniffed.height === 0)
      return { error: `${label} header declares a ${sniffed.width}x${sniffed.height} image` };
    if (sniffed.width * sniffed.height > maxPixels)
      return { error: tooBig(sniffed.width, sniffed.height, maxPixels) };
  }
  if (sniff.colorType === 'cmyk' || sniff.colorType === 'ycck')
    warnings.push(`${sniff.colorType.toUpperCase()} JPEG converted to RGB`);
  if (sniff.format === 'png' && sniff.bitDepth === 16) warnings.push('16-bit PNG reduced to 8 bits');
  let bytes = whole;
  let patchedHead: Uint8Array<ArrayBuffer> | null = null;
  const patched = neutralizeExifOrientation(head, sniff);
  if (patched) {
    warnings.push(`EXIF orientation ${sniff.exifOrientation} ignored (as PIL does)`);
    // A patched copy: the input's bytes are the caller's and stay as they were.
    if (whole) {
      bytes = whole.slice();
      bytes.set(patched);
    } else patchedHead = patched as Uint8Array<ArrayBuffer>;
  }
  const jpegComplete =
    sniff.format === 'jpeg' && hasJpegEnd(await read(Math.max(0, fileSize - 4096), fileSize));
  if (sniff.format === 'jpeg' && !jpegComplete) warnings.push('JPEG has no end-of-image marker (truncated?)');
  const size = sniffed ? decodeSize(sniffed.width, sniffed.height, opts.fit) : null;
  return {
    bytes,
    file: bytes ? null : { blob: input as Blob, patchedHead },
    type: isImageBytes(input) ? '' : input.type,
    format: sniff.format,
    label,
    sniffed,
    jpegComplete,
    size,
    warnings,
  };
}

/** Checks and decodes to an ImageBitmap (for a direct GPU upload); the caller closes it. */
export async function decodeBitmap<B extends BitmapLike = ImageBitmap>(
  input: ImageInput,
  opts: DecodeOptions = {},
  deps: DecodeDeps<B> = browserDecodeDeps as unknown as DecodeDeps<B>,
): Promise<DecodedBitmap<B> | DecodeFailure> {
  const r = await inspect(input, opts);
  if ('error' in r) return r;
  return bitmapOf(r, opts, deps);
}

async function bitmapOf<B extends BitmapLike>(
  r: Inspected,
  opts: DecodeOptions,
  deps: DecodeDeps<B>,
): Promise<DecodedBitmap<B> | DecodeFailure> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const { size } = r;
  const options: ImageBitmapOptions = size
    ? { ...BITMAP_OPTIONS, resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'medium' }
    : BITMAP_OPTIONS;
  let bitmap: B;
  try {
    bitmap = await deps.createBitmap(bitmapInput(r), options);
  } catch (e) {
    const msg = (e as Error)?.message ?? String(e);
    return {
      error: r.format === 'jpeg' ? `truncated or corrupt JPEG: ${msg}` : `corrupt ${r.label}: ${msg}`,
    };
  }
  const sourceWidth = size && r.sniffed ? r.sniffed.width : bitmap.width;
  const sourceHeight = size && r.sniffed ? r.sniffed.height : bitmap.height;
  if (sourceWidth * sourceHeight > maxPixels) {
    bitmap.close();
    return { error: tooBig(sourceWidth, sourceHeight, maxPixels) };
  }
  return {
    bitmap,
    width: bitmap.width,
    height: bitmap.height,
    sourceWidth,
    sourceHeight,
    format: r.format,
    warnings: r.warnings,
  };
}

/**
 * The size to ask a JPEG decoder for so that it scales in the DCT (libjpeg's n/8 scales, which
 * Chromium's ImageDecoder picks as the largest not above the request) to at least `size`: the next
 * eighth up. Null when that is 7/8 or more (not worth it).
 */
export function jpegScaledRequest(
  sourceWidth: number,
  sourceHeight: number,
  size: { width: number; height: number },
): { width: number; height: number } | null {
  const f = Math.max(size.width / sourceWidth, size.height / sourceHeight);
  const eighths = Math.max(1, Math.ceil(8 * f - 1e-9));
  if (eighths >= 7) return null;
  return {
    width: Math.ceil((sourceWidth * eighths) / 8),
    height: Math.ceil((sourceHeight * eighths) / 8),
  };
}

export async function decodeImage<B extends BitmapLike = ImageBitmap>(
  input: ImageInput,
  opts: DecodeOptions = {},
  deps: DecodeDeps<B> = browserDecodeDeps as unknown as DecodeDeps<B>,
): Promise<DecodedPixels | DecodeFailure> {
  const r = await inspect(input, opts);
  if ('error' in r) return r;
  // A complete JPEG in memory goes to the JPEG decoder from its bytes: no Blob, so nothing kept in
  // the browser per image (docs/results.md, bench:reads), and the same pixels as createImageBitmap
  // (libjpeg's conversion, core/jpegColor.ts). A reduced decode lets it scale in the DCT, faster than a
  // full decode then a resize. Anything it cannot do falls back to createImageBitmap.
  // A PNG at full size (PNG has no scaled decode) goes to the same decoder from its bytes, for the same
  // reason: the embedded default and many small-image datasets are PNGs, and every Blob made in the page's
  // process, in a worker too, also costs its main thread two tasks (a reference count kept there).
  const fromBytes = r.sniffed ? decodeFromBytes(r, r.sniffed, deps) : null;
  if (fromBytes && r.sniffed) {
    const least = r.size ?? r.sniffed;
    const px = await fromBytes.catch(() => null);
    if (px && px.width >= least.width && px.height >= least.height) {
      return {
        pixels: px.pixels,
        width: px.width,
        height: px.height,
        sourceWidth: r.sniffed.width,
        sourceHeight: r.sniffed.height,
        format: r.format,
        warnings: r.warnings,
      };
    }
  }
  const b = await bitmapOf(r, opts, deps);
  if ('error' in b) return b;
  try {
    const pixels = deps.readPixels(b.bitmap);
    const { width, height, sourceWidth, sourceHeight, format, warnings } = b;
    return { pixels, width, height, sourceWidth, sourceHeight, format, warnings };
  } catch (e) {
    return { error: `could not read pixels: ${(e as Error)?.message ?? String(e)}` };
  } finally {
    b.bitmap.close();
  }
}

/** The ImageDecoder path's decode of an inspected image, or null where that path does not take it. */
function decodeFromBytes(
  r: Inspected,
  sniffed: { width: number; height: number },
  deps: DecodeDeps<BitmapLike>,
): Promise<{ pixels: Uint8ClampedArray; width: number; height: number } | null> | null {
  if (!r.bytes) return null;
  if (r.format === 'jpeg' && r.jpegComplete && deps.decodeJpeg) {
    const request = r.size ? jpegScaledRequest(sniffed.width, sniffed.height, r.size) : null;
    return deps.decodeJpeg(r.bytes, request, sniffed.width);
  }
  if (r.format === 'png' && !r.size && deps.decodePng) return deps.decodePng(r.bytes);
  return null;
}

function tooBig(w: number, h: number, max: number): string {
  return `image ${w}x${h} exceeds the ${Math.round(max / 1e6)} Mpx limit`;
}

/** Encoders may append padding or trailers after EOI, so the caller passes the last 4 KB, not 2 bytes. */
function hasJpegEnd(tail: Uint8Array): boolean {
  for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
  return false;
}
