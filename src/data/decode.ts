/**
 * Image decoding for workers: sniff the header first (format vs name, dimensions, EXIF), refuse
 * oversize images before they reach the decoder, then createImageBitmap and read RGBA pixels
 * through an OffscreenCanvas. Browser-only at runtime; the browser calls are injectable (DecodeDeps)
 * so the checks around them are unit-tested in Node.
 *
 * Matching the reference loader (PIL + torchvision): EXIF orientation is ignored (patched to 1,
 * see sniff.ts), embedded colour profiles are ignored (colorSpaceConversion 'none'), alpha is
 * dropped without premultiplying (premultiplyAlpha 'none'). CMYK/YCCK and greyscale JPEGs come out
 * as RGB from the browser; 16-bit PNGs come out reduced to 8 bits.
 */
import { decodeSize, type DecodeFit } from './decodeFit';
import { neutralizeExifOrientation, formatOfExtension, sniffImage, type ImageFormat } from './sniff';

export const DEFAULT_MAX_PIXELS = 40_000_000;
/** Header bytes read for sniffing; JPEG APPn segments (EXIF thumbnails) can push SOF past this. */
const HEAD_BYTES = 64 * 1024;
const HEAD_BYTES_MAX = 1024 * 1024;
/** Files up to this size are read into memory once (see decodeBitmap). */
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
};

/** Checks and decodes to an ImageBitmap (for a direct GPU upload); the caller closes it. */
export async function decodeBitmap<B extends BitmapLike = ImageBitmap>(
  blob: Blob,
  opts: DecodeOptions = {},
  deps: DecodeDeps<B> = browserDecodeDeps as unknown as DecodeDeps<B>,
): Promise<DecodedBitmap<B> | DecodeFailure> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (blob.size === 0) return { error: 'empty file (0 bytes)' };
  // Files up to a few MB (every photo dataset) are read once: sniffing, the end-marker check and the
  // decoder then work from memory instead of three reads of a file-backed Blob (each a trip to the
  // browser process for OPFS / picked folders).
  const whole = blob.size <= READ_WHOLE_BYTES ? new Uint8Array(await blob.arrayBuffer()) : null;
  const read = async (start: number, end: number): Promise<Uint8Array> =>
    whole
      ? whole.subarray(start, Math.min(end, whole.length))
      : new Uint8Array(await blob.slice(start, end).arrayBuffer());
  let head = await read(0, HEAD_BYTES);
  let sniff = sniffImage(head);
  if (sniff.format === 'jpeg' && sniff.width === undefined && blob.size > head.length) {
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
  if (sniff.width !== undefined && sniff.height !== undefined) {
    if (sniff.width === 0 || sniff.height === 0)
      return { error: `${label} header declares a ${sniff.width}x${sniff.height} image` };
    if (sniff.width * sniff.height > maxPixels)
      return { error: tooBig(sniff.width, sniff.height, maxPixels) };
  }
  if (sniff.colorType === 'cmyk' || sniff.colorType === 'ycck')
    warnings.push(`${sniff.colorType.toUpperCase()} JPEG converted to RGB`);
  if (sniff.format === 'png' && sniff.bitDepth === 16) warnings.push('16-bit PNG reduced to 8 bits');
  let input = whole ? new Blob([whole as Uint8Array<ArrayBuffer>], { type: blob.type }) : blob;
  const patched = neutralizeExifOrientation(head, sniff);
  if (patched) {
    warnings.push(`EXIF orientation ${sniff.exifOrientation} ignored (as PIL does)`);
    const rest = whole
      ? (whole.subarray(patched.length) as Uint8Array<ArrayBuffer>)
      : blob.slice(patched.length);
    input = new Blob([patched as Uint8Array<ArrayBuffer>, rest], { type: blob.type });
  }
  if (sniff.format === 'jpeg' && !hasJpegEnd(await read(Math.max(0, blob.size - 4096), blob.size)))
    warnings.push('JPEG has no end-of-image marker (truncated?)');
  const size =
    sniff.width !== undefined && sniff.height !== undefined
      ? decodeSize(sniff.width, sniff.height, opts.fit)
      : null;
  const options: ImageBitmapOptions = size
    ? { ...BITMAP_OPTIONS, resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'medium' }
    : BITMAP_OPTIONS;
  let bitmap: B;
  try {
    bitmap = await deps.createBitmap(input, options);
  } catch (e) {
    const msg = (e as Error)?.message ?? String(e);
    return {
      error: sniff.format === 'jpeg' ? `truncated or corrupt JPEG: ${msg}` : `corrupt ${label}: ${msg}`,
    };
  }
  const sourceWidth = size ? sniff.width! : bitmap.width;
  const sourceHeight = size ? sniff.height! : bitmap.height;
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
    format: sniff.format,
    warnings,
  };
}

export async function decodeImage<B extends BitmapLike = ImageBitmap>(
  blob: Blob,
  opts: DecodeOptions = {},
  deps: DecodeDeps<B> = browserDecodeDeps as unknown as DecodeDeps<B>,
): Promise<DecodedPixels | DecodeFailure> {
  const r = await decodeBitmap(blob, opts, deps);
  if ('error' in r) return r;
  try {
    const pixels = deps.readPixels(r.bitmap);
    const { width, height, sourceWidth, sourceHeight, format, warnings } = r;
    return { pixels, width, height, sourceWidth, sourceHeight, format, warnings };
  } catch (e) {
    return { error: `could not read pixels: ${(e as Error)?.message ?? String(e)}` };
  } finally {
    r.bitmap.close();
  }
}

function tooBig(w: number, h: number, max: number): string {
  return `image ${w}x${h} exceeds the ${Math.round(max / 1e6)} Mpx limit`;
}

/** Encoders may append padding or trailers after EOI, so the caller passes the last 4 KB, not 2 bytes. */
function hasJpegEnd(tail: Uint8Array): boolean {
  for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
  return false;
}
