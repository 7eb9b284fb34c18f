/**
 * RGBA pixels as a BMP file, for showing a decoded image in an `<img>` or a CSS background without
 * a canvas. A BMP needs no compression, so writing one is a copy with the channels swizzled, and the
 * browser decodes it off the page's thread when it paints. (Each canvas shown costs the page's
 * thread a resource in every commit that changes it: docs/results.md, bench:ui.)
 *
 * Layout: BITMAPFILEHEADER (14 bytes), BITMAPV4HEADER (108 bytes) with BI_BITFIELDS masks so the
 * fourth byte is alpha, then the rows top-down (a negative height), 4 bytes a pixel in B, G, R, A
 * order; 32-bit rows need no padding.
 */
const FILE_HEADER = 14;
const V4_HEADER = 108;
const BI_BITFIELDS = 3;
/** 'sRGB' as a little-endian FourCC: the colour space tag of a V4 header. */
const LCS_SRGB = 0x73524742;

export function rgbaToBmp(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`BMP size must be positive whole numbers, got ${width}x${height}`);
  if (rgba.length !== width * height * 4)
    throw new Error(`${width}x${height} RGBA needs ${width * height * 4} bytes, got ${rgba.length}`);
  const offset = FILE_HEADER + V4_HEADER;
  const out = new Uint8Array(offset + rgba.length);
  const v = new DataView(out.buffer);
  out[0] = 0x42; // 'B'
  out[1] = 0x4d; // 'M'
  v.setUint32(2, out.length, true);
  v.setUint32(10, offset, true);
  v.setUint32(14, V4_HEADER, true);
  v.setInt32(18, width, true);
  v.setInt32(22, -height, true);
  v.setUint16(26, 1, true); // planes
  v.setUint16(28, 32, true); // bits per pixel
  v.setUint32(30, BI_BITFIELDS, true);
  v.setUint32(34, rgba.length, true);
  v.setInt32(38, 2835, true); // 72 dpi, as pixels per metre
  v.setInt32(42, 2835, true);
  // Colour masks of a little-endian 32-bit pixel read as B, G, R, A bytes.
  v.setUint32(54, 0x00ff0000, true); // red
  v.setUint32(58, 0x0000ff00, true); // green
  v.setUint32(62, 0x000000ff, true); // blue
  v.setUint32(66, 0xff000000, true); // alpha
  v.setUint32(70, LCS_SRGB, true);
  for (let i = 0, o = offset; i < rgba.length; i += 4, o += 4) {
    out[o] = rgba[i + 2];
    out[o + 1] = rgba[i + 1];
    out[o + 2] = rgba[i];
    out[o + 3] = rgba[i + 3];
  }
  return out;
}

/**
 * A decoded image as a BMP file, for the views that show pixels. Made where the pixels are (the
 * workers), so the page only turns the file into a URL: building the file and registering its bytes
 * as a Blob on the page's thread was a synchronous round trip to the browser process per image, which
 * the live views paid in the middle of their frames (docs/results.md, bench:train).
 */
export interface ImageFile {
  bmp: Blob;
  width: number;
  height: number;
}

export function bmpImageFile(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): ImageFile {
  const bytes = rgbaToBmp(rgba, width, height);
  return { bmp: new Blob([bytes.buffer as ArrayBuffer], { type: 'image/bmp' }), width, height };
}
