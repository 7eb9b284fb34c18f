import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeBitmap,
  decodeImage,
  jpegScaledRequest,
  type BitmapLike,
  type DecodeDeps,
  type DecodeOptions,
} from './decode';
import { sniffImage } from './sniff';
import { makeImages, pngHeader, withExifOrientation } from './testing/images';

/** Fake browser: records what reached the decoder; "decodes" to the sniffed size. */
function fakeDeps(fail?: string): DecodeDeps<BitmapLike & { closed: boolean }> & {
  seen: { bytes: Uint8Array; opts: ImageBitmapOptions }[];
} {
  const seen: { bytes: Uint8Array; opts: ImageBitmapOptions }[] = [];
  return {
    seen,
    async createBitmap(blob, opts) {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      seen.push({ bytes, opts });
      if (fail) throw new Error(fail);
      const s = sniffImage(bytes);
      const bmp = {
        width: opts.resizeWidth ?? s.width ?? 1,
        height: opts.resizeHeight ?? s.height ?? 1,
        closed: false,
        close: () => void (bmp.closed = true),
      };
      return bmp;
    },
    readPixels: (b) => new Uint8ClampedArray(b.width * b.height * 4).fill(7),
  };
}

let img: Record<string, Uint8Array>;
beforeAll(() => {
  img = makeImages({
    'a.jpg': ['-size', '8x6', 'xc:red'],
    'a.png': ['-size', '4x3', 'xc:red'],
    'c.jpg': ['-size', '8x6', 'xc:red', '-colorspace', 'CMYK'],
  });
});
const blob = (b: Uint8Array): Blob => new Blob([b as Uint8Array<ArrayBuffer>]);

describe('decodeImage (browser calls faked)', () => {
  it('decodes to RGBA pixels with browser options that match PIL', async () => {
    const deps = fakeDeps();
    const r = await decodeImage(blob(img['a.jpg']), { name: 'a.jpg' }, deps);
    expect(r).toMatchObject({ width: 8, height: 6, format: 'jpeg', warnings: [] });
    if ('error' in r) throw new Error(r.error);
    expect(r.pixels.length).toBe(8 * 6 * 4);
    expect(deps.seen[0].opts).toEqual({
      imageOrientation: 'from-image',
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  });

  it('decodes no larger than a fit needs, and reports the source size for the crop sampler', async () => {
    const big = makeImages({ 'b.jpg': ['-size', '500x375', 'xc:blue'] })['b.jpg'];
    const deps = fakeDeps();
    const fit = { kind: 'randomResizedCrop', outSize: 32, scaleMin: 0.08, ratio: [3 / 4, 4 / 3] } as const;
    const r = await decodeImage(blob(big), { name: 'b.jpg', fit }, deps);
    if ('error' in r) throw new Error(r.error);
    expect(r).toMatchObject({ width: 151, height: 114, sourceWidth: 500, sourceHeight: 375 });
    expect(r.pixels.length).toBe(151 * 114 * 4);
    expect(deps.seen[0].opts).toMatchObject({ resizeWidth: 151, resizeHeight: 114, resizeQuality: 'medium' });
    // A fit that needs every pixel decodes at full size, with the plain options.
    const full = await decodeImage(blob(big), { fit: { ...fit, outSize: 224 } }, deps);
    expect(full).toMatchObject({ width: 500, height: 375, sourceWidth: 500, sourceHeight: 375 });
    expect(deps.seen[1].opts.resizeWidth).toBeUndefined();
  });

  it('lets the JPEG decoder scale in the DCT when it can, and falls back to createImageBitmap', async () => {
    const big = makeImages({ 'b.jpg': ['-size', '500x375', 'xc:blue'] })['b.jpg'];
    const fit = { kind: 'randomResizedCrop', outSize: 32, scaleMin: 0.08, ratio: [3 / 4, 4 / 3] } as const;
    // The fit needs 151x114: the decoder is asked for the next eighth up, 3/8 = 188x141.
    expect(jpegScaledRequest(500, 375, { width: 151, height: 114 })).toEqual({ width: 188, height: 141 });
    expect(jpegScaledRequest(500, 375, { width: 450, height: 338 })).toBeNull(); // 7/8: not worth it
    const asked: { width: number; height: number }[] = [];
    const withScaler = (answer: 'ok' | 'null' | 'small' | 'throw') => ({
      ...fakeDeps(),
      async decodeJpeg(
        bytes: Uint8Array,
        request: { width: number; height: number } | null,
        sourceWidth: number,
      ) {
        expect(sniffImage(bytes).width).toBe(500);
        expect(sourceWidth).toBe(500); // the header's width, sniffed once by the caller
        if (!request) throw new Error('a full-size decode where a scaled one was wanted');
        asked.push(request);
        if (answer === 'throw') throw new Error('EncodingError');
        if (answer === 'null') return null;
        const [width, height] = answer === 'small' ? [125, 94] : [request.width, request.height];
        return { pixels: new Uint8ClampedArray(width * height * 4).fill(9), width, height };
      },
    });
    const ok = withScaler('ok');
    const r = await decodeImage(blob(big), { fit }, ok);
    expect(r).toMatchObject({ width: 188, height: 141, sourceWidth: 500, sourceHeight: 375 });
    expect(ok.seen).toHaveLength(0); // createImageBitmap never ran
    for (const answer of ['null', 'small', 'throw'] as const) {
      const deps = withScaler(answer);
      expect(await decodeImage(blob(big), { fit }, deps)).toMatchObject({ width: 151, height: 114 });
      expect(deps.seen[0].opts).toMatchObject({ resizeWidth: 151, resizeHeight: 114 });
    }
    // A truncated JPEG (no end marker) keeps the full decoder's verdict: the JPEG decoder never sees it.
    const before = asked.length;
    await decodeImage(blob(big.subarray(0, big.length - 2)), { fit }, withScaler('ok'));
    expect(asked.length).toBe(before);
  });

  it('refuses oversize images from the header, before the decoder sees them', async () => {
    const deps = fakeDeps();
    expect(await decodeImage(blob(pngHeader(20000, 20000)), {}, deps)).toEqual({
      error: 'image 20000x20000 exceeds the 40 Mpx limit',
    });
    expect(await decodeImage(blob(img['a.jpg']), { maxPixels: 40 }, deps)).toEqual({
      error: 'image 8x6 exceeds the 0 Mpx limit',
    });
    expect(deps.seen).toHaveLength(0);
  });

  it('warns about PNG data named .JPEG and decodes it anyway', async () => {
    const r = await decodeImage(blob(img['a.png']), { name: 'n01739381_1309.JPEG' }, fakeDeps());
    expect(r).toMatchObject({
      width: 4,
      height: 3,
      format: 'png',
      warnings: ['PNG data named .JPEG (decoded as PNG)'],
    });
  });

  it('warns about CMYK/YCCK JPEGs', async () => {
    const r = await decodeImage(blob(img['c.jpg']), { name: 'c.jpg' }, fakeDeps());
    expect(r).toMatchObject({ warnings: ['YCCK JPEG converted to RGB'] });
  });

  it('patches EXIF orientation to 1 before decoding', async () => {
    const deps = fakeDeps();
    const r = await decodeImage(blob(withExifOrientation(img['a.jpg'], 6, true)), {}, deps);
    expect(r).toMatchObject({ width: 8, height: 6, warnings: ['EXIF orientation 6 ignored (as PIL does)'] });
    expect(sniffImage(deps.seen[0].bytes).exifOrientation).toBe(1);
  });

  it('reports corrupt, truncated, empty and non-image inputs', async () => {
    const truncated = img['a.jpg'].subarray(0, img['a.jpg'].length - 40);
    expect(
      await decodeImage(blob(truncated), {}, fakeDeps('The source image could not be decoded.')),
    ).toEqual({
      error: 'truncated or corrupt JPEG: The source image could not be decoded.',
    });
    const partial = await decodeImage(blob(truncated), {}, fakeDeps());
    expect(partial).toMatchObject({ warnings: ['JPEG has no end-of-image marker (truncated?)'] });
    expect(await decodeImage(blob(img['a.png']), {}, fakeDeps('bad'))).toEqual({ error: 'corrupt PNG: bad' });
    expect(await decodeImage(new Blob([]), {}, fakeDeps())).toEqual({ error: 'empty file (0 bytes)' });
    expect(await decodeImage(new Blob(['<html>']), {}, fakeDeps())).toEqual({
      error: 'not a decodable image (starts with 3c 68 74 6d)',
    });
  });
});

describe('decoding from bytes (the studio copy, tar members) and from a Blob (a folder File)', () => {
  const realBlob = globalThis.Blob;
  afterEach(() => {
    globalThis.Blob = realBlob;
  });
  /** Counts the Blobs made from here on (each one a browser-process blob-registry entry in Chrome). */
  function countBlobs(): { made: number } {
    const count = { made: 0 };
    globalThis.Blob = class extends realBlob {
      constructor(...args: ConstructorParameters<typeof Blob>) {
        super(...args);
        count.made++;
      }
    };
    return count;
  }
  const fit = { kind: 'randomResizedCrop', outSize: 32, scaleMin: 0.08, ratio: [3 / 4, 4 / 3] } as const;
  const scaler = (answer: 'ok' | 'null') => ({
    ...fakeDeps(),
    async decodeJpeg(bytes: Uint8Array, request: { width: number; height: number } | null) {
      if (answer === 'null') return null;
      const { width, height } = request ?? {
        width: sniffImage(bytes).width!,
        height: sniffImage(bytes).height!,
      };
      return { pixels: new Uint8ClampedArray(width * height * 4).fill(9), width, height };
    },
  });

  it('gives the same result, warnings and error messages for either, and the decoder the same bytes', async () => {
    const big = makeImages({ 'b.jpg': ['-size', '500x375', 'xc:blue'] })['b.jpg'];
    const truncated = img['a.jpg'].subarray(0, img['a.jpg'].length - 40);
    const cases: [string, Uint8Array, DecodeOptions, () => ReturnType<typeof fakeDeps>][] = [
      ['a JPEG at full size', img['a.jpg'], { name: 'a.jpg' }, fakeDeps],
      ['a JPEG scaled in the DCT', big, { fit }, () => scaler('ok')],
      ['a JPEG the scaler cannot do', big, { fit }, () => scaler('null')],
      ['a JPEG resized by createImageBitmap', big, { fit }, fakeDeps],
      ['a truncated JPEG', truncated, {}, () => fakeDeps('The source image could not be decoded.')],
      ['a JPEG without its end marker', truncated, {}, fakeDeps],
      ['a corrupt PNG', img['a.png'], {}, () => fakeDeps('bad')],
      ['PNG data named .JPEG', img['a.png'], { name: 'n01739381_1309.JPEG' }, fakeDeps],
      ['a YCCK JPEG', img['c.jpg'], {}, fakeDeps],
      ['an EXIF-rotated JPEG', withExifOrientation(img['a.jpg'], 6, true), {}, fakeDeps],
      ['an oversize PNG', pngHeader(20000, 20000), {}, fakeDeps],
      ['an image over maxPixels', img['a.jpg'], { maxPixels: 40 }, fakeDeps],
      ['an empty file', new Uint8Array(0), {}, fakeDeps],
      ['not an image', new TextEncoder().encode('<html>'), {}, fakeDeps],
    ];
    for (const [what, bytes, opts, deps] of cases) {
      const fromBlob = deps();
      const fromBytes = deps();
      const own = bytes.slice() as Uint8Array<ArrayBuffer>;
      const a = await decodeImage(blob(bytes), opts, fromBlob);
      const b = await decodeImage(own, opts, fromBytes);
      expect(b, what).toEqual(a);
      expect(fromBytes.seen, what).toEqual(fromBlob.seen);
      // The caller's bytes are read, never changed (an EXIF patch is made on a copy).
      expect(own, what).toEqual(bytes);
    }
    const bitmap = await decodeBitmap(img['a.jpg'].slice(), {}, fakeDeps());
    expect(bitmap).toMatchObject({ width: 8, height: 6, format: 'jpeg' });
  });

  it('makes no Blob for a complete JPEG the JPEG decoder takes, and one only where createImageBitmap decodes', async () => {
    const big = makeImages({ 'b.jpg': ['-size', '500x375', 'xc:blue'] })['b.jpg'];
    const own = () => big.slice() as Uint8Array<ArrayBuffer>;
    let count = countBlobs();
    const deps = scaler('ok');
    expect(await decodeImage(own(), { fit }, deps)).toMatchObject({ width: 188, height: 141 });
    expect(deps.seen).toHaveLength(0);
    expect(count.made).toBe(0);
    // At full size too: the JPEG decoder from the bytes, no Blob.
    count = countBlobs();
    const full = scaler('ok');
    expect(await decodeImage(own(), {}, full)).toMatchObject({ width: 500, height: 375 });
    expect(full.seen).toHaveLength(0);
    expect(count.made).toBe(0);
    // Where the JPEG decoder cannot (and for a truncated JPEG or a PNG), createImageBitmap decodes,
    // which takes a Blob: one, made there.
    count = countBlobs();
    await decodeImage(own(), { fit }, scaler('null'));
    expect(count.made).toBe(1);
    count = countBlobs();
    await decodeImage(own().subarray(0, big.length - 2), {}, scaler('ok'));
    expect(count.made).toBe(1);
    // Refused before decoding: none.
    count = countBlobs();
    await decodeImage(own(), { maxPixels: 40 }, fakeDeps());
    expect(count.made).toBe(0);
  });
});
