import { beforeAll, describe, expect, it } from 'vitest';
import { neutralizeExifOrientation, sniffImage } from './sniff';
import { makeImages, pngHeader, withExifOrientation } from './testing/images';

let img: Record<string, Uint8Array>;

beforeAll(() => {
  img = makeImages({
    'rgb.jpg': ['-size', '8x6', 'xc:red'],
    'cmyk.jpg': ['-size', '8x6', 'xc:red', '-colorspace', 'CMYK'],
    'gray.jpg': ['-size', '8x6', 'gradient:', '-colorspace', 'Gray'],
    'prog.jpg': ['-size', '9x7', 'xc:blue', '-interlace', 'Plane'],
    'png16.png': ['-size', '8x600', 'gradient:', '-depth', '16', '-define', 'png:bit-depth=16'],
    'rgba.png': ['-size', '5x4', 'xc:#ff000080', '-define', 'png:color-type=6'],
    'pal.png': ['-size', '5x4', 'xc:red', '-define', 'png:color-type=3'],
    'a.gif': ['-size', '11x3', 'xc:red'],
    'a.bmp': ['-size', '12x5', 'xc:red'],
    'a.webp': ['-size', '13x6', 'xc:red'],
    'll.webp': ['-size', '14x7', 'xc:red', '-define', 'webp:lossless=true'],
  });
});

describe('sniffImage', () => {
  it('reads JPEG SOF: size, components, precision, progressive', () => {
    expect(sniffImage(img['rgb.jpg'])).toMatchObject({
      format: 'jpeg',
      width: 8,
      height: 6,
      bitDepth: 8,
      colorType: 'rgb',
      progressive: false,
    });
    // ImageMagick/libjpeg stores CMYK as YCCK (Adobe APP14 transform 2); transform 0 is plain CMYK.
    const ycck = img['cmyk.jpg'];
    expect(sniffImage(ycck)).toMatchObject({ format: 'jpeg', width: 8, height: 6, colorType: 'ycck' });
    const at = ycck.findIndex((_, i) => ycck[i] === 0x41 && ycck[i + 1] === 0x64 && ycck[i + 4] === 0x65); // "Adobe"
    const plain = ycck.slice();
    plain[at + 11] = 0;
    expect(sniffImage(plain)).toMatchObject({ colorType: 'cmyk' });
    expect(sniffImage(img['gray.jpg'])).toMatchObject({ format: 'jpeg', colorType: 'gray' });
    expect(sniffImage(img['prog.jpg'])).toMatchObject({ width: 9, height: 7, progressive: true });
  });

  it('reads PNG IHDR incl. 16-bit depth and colour type', () => {
    expect(sniffImage(img['png16.png'])).toMatchObject({
      format: 'png',
      width: 8,
      height: 600,
      bitDepth: 16,
    });
    expect(sniffImage(img['rgba.png'])).toMatchObject({
      format: 'png',
      width: 5,
      height: 4,
      bitDepth: 8,
      colorType: 'rgba',
    });
    expect(sniffImage(img['pal.png'])).toMatchObject({ format: 'png', colorType: 'palette' });
    expect(sniffImage(pngHeader(20000, 20000))).toMatchObject({ format: 'png', width: 20000, height: 20000 });
  });

  it('reads GIF, BMP and WebP (lossy and lossless) dimensions', () => {
    expect(sniffImage(img['a.gif'])).toEqual({ format: 'gif', width: 11, height: 3 });
    expect(sniffImage(img['a.bmp'])).toMatchObject({ format: 'bmp', width: 12, height: 5 });
    expect(sniffImage(img['a.webp'])).toEqual({ format: 'webp', width: 13, height: 6 });
    expect(sniffImage(img['ll.webp'])).toEqual({ format: 'webp', width: 14, height: 7 });
  });

  it('says unknown for non-images and copes with truncated headers', () => {
    expect(sniffImage(new TextEncoder().encode('hello world')).format).toBe('unknown');
    expect(sniffImage(new Uint8Array(0)).format).toBe('unknown');
    expect(sniffImage(img['rgb.jpg'].subarray(0, 30))).toEqual({ format: 'jpeg' });
    expect(sniffImage(img['png16.png'].subarray(0, 20))).toEqual({ format: 'png' });
  });
});

describe('EXIF orientation', () => {
  it.each([true, false])('finds and neutralises the tag (little-endian %s)', (le) => {
    const jpeg = withExifOrientation(img['rgb.jpg'], 6, le);
    const s = sniffImage(jpeg);
    expect(s).toMatchObject({ format: 'jpeg', width: 8, height: 6, exifOrientation: 6 });
    const patched = neutralizeExifOrientation(jpeg)!;
    expect(patched).not.toBeNull();
    expect(sniffImage(patched).exifOrientation).toBe(1);
    expect(patched.length).toBe(jpeg.length);
    expect(jpeg[s.exifOrientationOffset! + (le ? 0 : 1)]).toBe(6); // the original is untouched
  });

  it('leaves images without rotation alone', () => {
    expect(neutralizeExifOrientation(img['rgb.jpg'])).toBeNull();
    expect(neutralizeExifOrientation(withExifOrientation(img['rgb.jpg'], 1, true))).toBeNull();
  });
});
