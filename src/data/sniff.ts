/**
 * Header sniffing, pure and cheap (a few KB of the file): the real format behind an extension,
 * dimensions before decoding (so a 20000x20000 bomb never reaches the decoder), colour type and
 * bit depth for warnings, and the EXIF orientation tag so decode can neutralise it.
 */

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'bmp' | 'webp' | 'avif' | 'unknown';
export type ColorType = 'gray' | 'gray-alpha' | 'rgb' | 'rgba' | 'palette' | 'cmyk' | 'ycck';

export interface ImageSniff {
  format: ImageFormat;
  width?: number;
  height?: number;
  /** Bits per sample (JPEG precision, PNG bit depth, BMP bits per pixel). */
  bitDepth?: number;
  colorType?: ColorType;
  progressive?: boolean;
  /** JPEG: EXIF orientation (1..8) and the byte offset of its 16-bit value, for patching. */
  exifOrientation?: number;
  exifOrientationOffset?: number;
  exifLittleEndian?: boolean;
}

const u16be = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];
const u32be = (b: Uint8Array, i: number): number =>
  ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const u16le = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8);
const i32le = (b: Uint8Array, i: number): number =>
  b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
const ascii = (b: Uint8Array, i: number, n: number): string => String.fromCharCode(...b.subarray(i, i + n));

export function sniffImage(b: Uint8Array): ImageSniff {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return sniffJpeg(b);
  if (b.length >= 8 && u32be(b, 0) === 0x89504e47 && u32be(b, 4) === 0x0d0a1a0a) return sniffPng(b);
  if (b.length >= 6 && /^GIF8[79]a$/.test(ascii(b, 0, 6))) {
    return b.length >= 10 ? { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) } : { format: 'gif' };
  }
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return sniffWebp(b);
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return sniffBmp(b);
  if (b.length >= 12 && ascii(b, 4, 4) === 'ftyp' && /^avi[fs]$/.test(ascii(b, 8, 4)))
    return { format: 'avif' };
  return { format: 'unknown' };
}

function sniffPng(b: Uint8Array): ImageSniff {
  if (b.length < 26 || ascii(b, 12, 4) !== 'IHDR') return { format: 'png' };
  const types: Record<number, ColorType> = { 0: 'gray', 2: 'rgb', 3: 'palette', 4: 'gray-alpha', 6: 'rgba' };
  return {
    format: 'png',
    width: u32be(b, 16),
    height: u32be(b, 20),
    bitDepth: b[24],
    colorType: types[b[25]],
  };
}

function sniffWebp(b: Uint8Array): ImageSniff {
  const chunk = b.length >= 16 ? ascii(b, 12, 4) : '';
  if (chunk === 'VP8 ' && b.length >= 30)
    return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) {
    return {
      format: 'webp',
      width: (b[24] | (b[25] << 8) | (b[26] << 16)) + 1,
      height: (b[27] | (b[28] << 8) | (b[29] << 16)) + 1,
    };
  }
  return { format: 'webp' };
}

function sniffBmp(b: Uint8Array): ImageSniff {
  if (b.length < 26) return { format: 'bmp' };
  const dib = b[14] | (b[15] << 8) | (b[16] << 16) | (b[17] << 24);
  if (dib === 12)
    return {
      format: 'bmp',
      width: u16le(b, 18),
      height: u16le(b, 20),
      bitDepth: b.length >= 26 ? u16le(b, 24) : undefined,
    };
  if (dib < 40 || b.length < 30) return { format: 'bmp' };
  // Negative height means a top-down bitmap.
  return {
    format: 'bmp',
    width: Math.abs(i32le(b, 18)),
    height: Math.abs(i32le(b, 22)),
    bitDepth: u16le(b, 28),
  };
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const PROGRESSIVE = new Set([0xc2, 0xc6, 0xca, 0xce]);

function sniffJpeg(b: Uint8Array): ImageSniff {
  const out: ImageSniff = { format: 'jpeg' };
  let adobeTransform = -1;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) break; // not at a marker: corrupt header, let the decoder judge
    const m = b[i + 1];
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      i += 2;
      continue;
    }
    if (m === 0xd9 || m === 0xda) break; // EOI / start of scan: no SOF before it
    const len = u16be(b, i + 2);
    const seg = i + 4;
    if (SOF.has(m)) {
      if (seg + 6 > b.length) break;
      out.bitDepth = b[seg];
      out.height = u16be(b, seg + 1);
      out.width = u16be(b, seg + 3);
      const comps = b[seg + 5];
      out.progressive = PROGRESSIVE.has(m);
      out.colorType =
        comps === 1
          ? 'gray'
          : comps === 3
            ? 'rgb'
            : comps === 4
              ? adobeTransform === 2
                ? 'ycck'
                : 'cmyk'
              : undefined;
      return out;
    }
    if (m === 0xee && seg + 12 <= b.length && ascii(b, seg, 5) === 'Adobe') adobeTransform = b[seg + 11];
    if (
      m === 0xe1 &&
      out.exifOrientation === undefined &&
      seg + 6 <= b.length &&
      ascii(b, seg, 4) === 'Exif'
    ) {
      readExifOrientation(b, seg + 6, Math.min(b.length, seg + len - 2), out);
    }
    i = seg + len - 2;
  }
  return out;
}

/** Reads tag 0x0112 from IFD0 of the TIFF structure at [tiff, end). */
function readExifOrientation(b: Uint8Array, tiff: number, end: number, out: ImageSniff): void {
  if (tiff + 8 > end) return;
  const le = b[tiff] === 0x49 && b[tiff + 1] === 0x49;
  if (!le && !(b[tiff] === 0x4d && b[tiff + 1] === 0x4d)) return;
  const r16 = (i: number): number => (le ? u16le(b, i) : u16be(b, i));
  const r32 = (i: number): number => (le ? i32le(b, i) >>> 0 : u32be(b, i));
  const ifd = tiff + r32(tiff + 4);
  if (ifd + 2 > end) return;
  const n = r16(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > end) return;
    if (r16(e) === 0x0112) {
      out.exifOrientation = r16(e + 8);
      out.exifOrientationOffset = e + 8;
      out.exifLittleEndian = le;
      return;
    }
  }
}

/**
 * A copy of `head` with the EXIF orientation set to 1 (or null when there is nothing to undo).
 * PIL/torchvision ignore EXIF orientation; Chromium applies it even for imageOrientation 'none'
 * (a deprecated alias of 'from-image' there), so we patch the tag instead of trusting the option.
 */
export function neutralizeExifOrientation(
  head: Uint8Array,
  sniff: ImageSniff = sniffImage(head),
): Uint8Array | null {
  const off = sniff.exifOrientationOffset;
  if (off === undefined || sniff.exifOrientation === 1 || off + 2 > head.length) return null;
  const copy = head.slice();
  copy[off] = sniff.exifLittleEndian ? 1 : 0;
  copy[off + 1] = sniff.exifLittleEndian ? 0 : 1;
  return copy;
}

const EXT_FORMAT: Record<string, ImageFormat> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  png: 'png',
  gif: 'gif',
  bmp: 'bmp',
  webp: 'webp',
  avif: 'avif',
};

export function formatOfExtension(ext: string): ImageFormat | undefined {
  return EXT_FORMAT[ext.toLowerCase()];
}
