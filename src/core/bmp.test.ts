import { describe, expect, it } from 'vitest';
import { bmpImageFile, rgbaToBmp } from './bmp';

describe('rgbaToBmp', () => {
  it('writes a top-down 32-bit BMP whose masks put red, green, blue and alpha where the pixels say', () => {
    // 2x2: red, green / blue, half-transparent white.
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 128]);
    const bmp = rgbaToBmp(rgba, 2, 2);
    const v = new DataView(bmp.buffer);
    expect(String.fromCharCode(bmp[0], bmp[1])).toBe('BM');
    expect(v.getUint32(2, true)).toBe(bmp.length);
    expect(bmp.length).toBe(14 + 108 + 16);
    const offset = v.getUint32(10, true);
    expect(offset).toBe(122);
    expect(v.getUint32(14, true)).toBe(108);
    expect(v.getInt32(18, true)).toBe(2);
    expect(v.getInt32(22, true)).toBe(-2); // top-down
    expect(v.getUint16(28, true)).toBe(32);
    expect(v.getUint32(30, true)).toBe(3); // BI_BITFIELDS
    const masks = [54, 58, 62, 66].map((o) => v.getUint32(o, true));
    // Each pixel read back through the header's own masks gives the RGBA it was written from.
    const shift = (m: number) => Math.log2(m & -m);
    for (let p = 0; p < 4; p++) {
      const word = v.getUint32(offset + 4 * p, true);
      const back = masks.map((m) => ((word & m) >>> 0) >>> shift(m));
      expect(back).toEqual([...rgba.slice(4 * p, 4 * p + 4)]);
    }
  });

  it('refuses pixels that do not fill the size', () => {
    expect(() => rgbaToBmp(new Uint8Array(12), 2, 2)).toThrow(/needs 16 bytes, got 12/);
    expect(() => rgbaToBmp(new Uint8Array(0), 0, 0)).toThrow(/positive whole numbers/);
  });
});

describe('bmpImageFile', () => {
  it('is the BMP of the pixels as a Blob, with the image size beside it', async () => {
    const rgba = new Uint8Array([1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255]);
    const f = bmpImageFile(rgba, 3, 1);
    expect([f.width, f.height, f.bmp.type]).toEqual([3, 1, 'image/bmp']);
    expect(new Uint8Array(await f.bmp.arrayBuffer())).toEqual(rgbaToBmp(rgba, 3, 1));
  });

  it('refuses pixels that do not match the size', () => {
    expect(() => bmpImageFile(new Uint8Array(8), 3, 1)).toThrow(/needs 12 bytes/);
  });
});
