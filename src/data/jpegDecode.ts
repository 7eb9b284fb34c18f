/**
 * Complete JPEGs and PNGs decoded from their bytes in the browser with no Blob, through WebCodecs'
 * ImageDecoder. A JPEG's planes are upsampled and converted as libjpeg does (core/jpegColor.ts), so the
 * pixels are createImageBitmap's (e2e/decode-fit.spec.ts checks them exactly) without the Blob
 * createImageBitmap needs, which Chromium keeps ~0.14 KB of per image in its browser process for as long
 * as it runs (docs/results.md, bench:reads). The decode checks around it are data/decode.ts'.
 */
import { chromaSize, yccToRgba } from '../core/jpegColor';

/**
 * The first frame of `init`'s image, handed to `convert` and closed after it with its decoder; null
 * where the browser has no ImageDecoder.
 */
async function withFrame(
  init: ConstructorParameters<ImageDecoderCtor>[0],
  convert: (image: DecodedFrame) => Promise<DecodedRgba | null>,
): Promise<DecodedRgba | null> {
  const Decoder = (globalThis as { ImageDecoder?: ImageDecoderCtor }).ImageDecoder;
  if (!Decoder) return null;
  const decoder = new Decoder(init);
  try {
    const { image } = await decoder.decode({ completeFramesOnly: true });
    try {
      return await convert(image);
    } finally {
      image.close();
    }
  } finally {
    decoder.close();
  }
}

/**
 * The JPEG at full size (`request` null) or at about `request` (the decoder picks a DCT scale, libjpeg's
 * n/8), RGBA; null where the browser has no ImageDecoder or hands back a frame this cannot convert.
 * `sourceWidth` is the width its header declares (the caller has sniffed it).
 */
export function decodeJpegBytes(
  bytes: Uint8Array,
  request: { width: number; height: number } | null,
  sourceWidth: number,
): Promise<DecodedRgba | null> {
  // WebCodecs' ImageDecoder honours desiredWidth/Height for JPEG with libjpeg's DCT scaling.
  const init = {
    data: bytes,
    type: 'image/jpeg',
    ...(request ? { desiredWidth: request.width, desiredHeight: request.height } : {}),
    colorSpaceConversion: 'none' as const,
  };
  return withFrame(init, (image) => framePixels(image, sourceWidth));
}

/**
 * A complete PNG at full size, RGBA; null where the browser has no ImageDecoder, hands back a frame that
 * is not 8-bit RGB(A), or the image has a pixel below full alpha (then createImageBitmap decodes it: see
 * rgbFramePixels). PNG has no scaled decode, so a reduced decode stays with createImageBitmap's resize.
 * The pixels are exactly the createImageBitmap path's for every colour type and depth
 * (e2e/decode-fit.spec.ts).
 */
export function decodePngBytes(bytes: Uint8Array): Promise<DecodedRgba | null> {
  return withFrame({ data: bytes, type: 'image/png', colorSpaceConversion: 'none' }, async (image) =>
    upright(image) ? rgbFramePixels(image, false) : null,
  );
}

/** A frame shown as decoded: no rotation, flip or crop (anything else is left to createImageBitmap). */
function upright(image: DecodedFrame): boolean {
  const rect = image.visibleRect;
  return (
    (image.rotation ?? 0) === 0 &&
    image.flip !== true &&
    rect !== null &&
    rect.x === 0 &&
    rect.y === 0 &&
    rect.width === image.displayWidth &&
    rect.height === image.displayHeight
  );
}

/**
 * An 8-bit RGB frame's pixels as RGBA; null for any other layout, and for a frame with a pixel below full
 * alpha unless `opaque` (its colours come premultiplied, and createImageBitmap's canvas read rounds them
 * back its own way: left to that path). Copied in the frame's own layout and swizzled here: a copy
 * converted to RGBA by the browser asks the page's main thread for a GPU context first, a task there per
 * image (and a wait for it here) while a job runs.
 */
async function rgbFramePixels(image: DecodedFrame, opaque: boolean): Promise<DecodedRgba | null> {
  const format = image.format;
  if (format !== 'RGBA' && format !== 'RGBX' && format !== 'BGRA' && format !== 'BGRX') return null;
  const width = image.displayWidth;
  const height = image.displayHeight;
  const data = new Uint8Array(image.allocationSize());
  const [plane] = await image.copyTo(data);
  if (
    !plane ||
    plane.stride < width * 4 ||
    plane.offset + (height - 1) * plane.stride + width * 4 > data.length
  )
    return null;
  const r = format[0] === 'B' ? 2 : 0;
  const b = 2 - r;
  const checkAlpha = !opaque && format[3] === 'A';
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0, d = 0; y < height; y++)
    for (let s = plane.offset + y * plane.stride, end = s + width * 4; s < end; s += 4, d += 4) {
      pixels[d] = data[s + r];
      pixels[d + 1] = data[s + 1];
      pixels[d + 2] = data[s + b];
      if (checkAlpha && data[s + 3] !== 255) return null;
      pixels[d + 3] = 255;
    }
  return { pixels, width, height };
}

/**
 * A decoded JPEG frame's RGBA. YCbCr frames (I420 / I422 / I444, libjpeg's raw planes) are converted
 * as libjpeg converts them (core/jpegColor.ts); RGB frames (greyscale, CMYK, JPEGs stored as RGB,
 * subsamplings the browser does not hand over as planes) were converted by libjpeg already and are copied. Anything else (a
 * rotated or cropped frame, another layout) is null: createImageBitmap decodes it instead.
 */
async function framePixels(image: DecodedFrame, sourceWidth: number): Promise<DecodedRgba | null> {
  if (!upright(image)) return null;
  const width = image.displayWidth;
  const height = image.displayHeight;
  const format = image.format;
  if (format === 'I420' || format === 'I422' || format === 'I444') {
    const data = new Uint8Array(image.allocationSize());
    const [y, cb, cr] = await image.copyTo(data);
    // libjpeg upsamples with its triangle filters only above 1/8 scale (at 1/8 a frame is ceil(source
    // / 8) wide) and only for chroma more than 2 samples wide (jdsample.c); otherwise it repeats each
    // chroma sample.
    const fancy = width * 8 > sourceWidth + 7 && chromaSize(format, width, height)[0] > 2;
    return { pixels: yccToRgba({ data, y, cb, cr }, format, width, height, fancy), width, height };
  }
  // A JPEG has no alpha: whatever the frame says, it is opaque.
  return rgbFramePixels(image, true);
}

interface DecodedRgba {
  pixels: Uint8ClampedArray;
  width: number;
  height: number;
}

/** The slice of WebCodecs' VideoFrame used here. */
interface DecodedFrame {
  readonly format: string | null;
  readonly displayWidth: number;
  readonly displayHeight: number;
  readonly visibleRect: { x: number; y: number; width: number; height: number } | null;
  readonly rotation?: number;
  readonly flip?: boolean;
  allocationSize(): number;
  copyTo(dest: Uint8Array | Uint8ClampedArray): Promise<{ offset: number; stride: number }[]>;
  close(): void;
}

/** The slice of WebCodecs' ImageDecoder used here (not in every TypeScript DOM lib yet). */
type ImageDecoderCtor = new (init: {
  data: Uint8Array;
  type: string;
  desiredWidth?: number;
  desiredHeight?: number;
  colorSpaceConversion?: 'none' | 'default';
}) => {
  decode(o?: { completeFramesOnly?: boolean }): Promise<{ image: DecodedFrame }>;
  close(): void;
};
