/**
 * A complete JPEG decoded from its bytes in the browser with no Blob: WebCodecs' ImageDecoder, then
 * libjpeg's own chroma upsampling and colour conversion (core/jpegColor.ts) for the planes it hands
 * back, so the pixels are createImageBitmap's (e2e/decode-fit.spec.ts checks them exactly) without the
 * Blob createImageBitmap needs, which Chromium keeps ~0.14 KB of per image in its browser process for as
 * long as it runs (docs/results.md, bench:reads). The decode checks around it are data/decode.ts'.
 */
import { chromaSize, yccToRgba } from '../core/jpegColor';

/**
 * The JPEG at full size (`request` null) or at about `request` (the decoder picks a DCT scale, libjpeg's
 * n/8), RGBA; null where the browser has no ImageDecoder or hands back a frame this cannot convert.
 * `sourceWidth` is the width its header declares (the caller has sniffed it).
 */
export async function decodeJpegBytes(
  bytes: Uint8Array,
  request: { width: number; height: number } | null,
  sourceWidth: number,
): Promise<DecodedJpeg | null> {
  const Decoder = (globalThis as { ImageDecoder?: ImageDecoderCtor }).ImageDecoder;
  if (!Decoder) return null;
  // WebCodecs' ImageDecoder honours desiredWidth/Height for JPEG with libjpeg's DCT scaling.
  const decoder = new Decoder({
    data: bytes,
    type: 'image/jpeg',
    ...(request ? { desiredWidth: request.width, desiredHeight: request.height } : {}),
    colorSpaceConversion: 'none',
  });
  try {
    const { image } = await decoder.decode({ completeFramesOnly: true });
    try {
      return await framePixels(image, sourceWidth);
    } finally {
      image.close();
    }
  } finally {
    decoder.close();
  }
}

/**
 * A decoded JPEG frame's RGBA. YCbCr frames (I420 / I422 / I444, libjpeg's raw planes) are converted
 * as libjpeg converts them (core/jpegColor.ts); RGB frames (greyscale, CMYK, JPEGs stored as RGB, subsamplings the browser
 * does not hand over as planes) were converted by libjpeg already and are copied. Anything else (a
 * rotated or cropped frame, another layout) is null: createImageBitmap decodes it instead.
 */
async function framePixels(image: DecodedFrame, sourceWidth: number): Promise<DecodedJpeg | null> {
  const width = image.displayWidth;
  const height = image.displayHeight;
  const rect = image.visibleRect;
  if (
    (image.rotation ?? 0) !== 0 ||
    image.flip === true ||
    !rect ||
    rect.x !== 0 ||
    rect.y !== 0 ||
    rect.width !== width ||
    rect.height !== height
  )
    return null;
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
  if (format === 'RGBA' || format === 'RGBX' || format === 'BGRA' || format === 'BGRX') {
    if (image.allocationSize({ format: 'RGBA' }) !== width * height * 4) return null;
    const pixels = new Uint8ClampedArray(width * height * 4);
    await image.copyTo(pixels, { format: 'RGBA' });
    for (let i = 3; i < pixels.length; i += 4) pixels[i] = 255;
    return { pixels, width, height };
  }
  return null;
}

interface DecodedJpeg {
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
  allocationSize(o?: { format: 'RGBA' }): number;
  copyTo(
    dest: Uint8Array | Uint8ClampedArray,
    o?: { format: 'RGBA' },
  ): Promise<{ offset: number; stride: number }[]>;
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
