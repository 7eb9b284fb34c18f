/**
 * Decoding at the size the crops need (src/data/decodeFit.ts), in the real browser: a 500x375 photo-like
 * JPEG for a 32-px student needs 151x114 (the smallest size that keeps 32 px across every
 * RandomResizedCrop box); the JPEG decoder scales in the DCT to the next eighth up, 3/8 = 188x141. The
 * source size is reported, and the pixels are an antialiased downscale of the full decode: near an
 * exact area average of the full-size pixels, well under point sampling, with no colour shift. The
 * file's bytes (how the studio copy and tar members reach the decoder) decode to the same pixels as
 * its Blob.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { png } from '../tools/fixtures/syntheticImages';
import { openStudio } from './helpers';

test('a photo decodes at the size its crops need, as an antialiased downscale of the full decode', async ({
  page,
}) => {
  await openStudio(page);
  const r = await page.evaluate(async () => {
    // Smooth shapes plus fine noise, like a photo: point sampling aliases the noise, a box filter does not.
    const canvas = new OffscreenCanvas(500, 375);
    const ctx = canvas.getContext('2d')!;
    const g = ctx.createLinearGradient(0, 0, 500, 375);
    g.addColorStop(0, '#c84');
    g.addColorStop(1, '#26a');
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, 500, 375);
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 40; i++) {
      ctx.fillStyle = `hsl(${360 * rnd()},60%,${30 + 40 * rnd()}%)`;
      ctx.beginPath();
      ctx.ellipse(500 * rnd(), 375 * rnd(), 10 + 50 * rnd(), 10 + 50 * rnd(), 0, 0, 2 * Math.PI);
      ctx.fill();
    }
    const img = ctx.getImageData(0, 0, 500, 375);
    for (let i = 0; i < img.data.length; i += 4) {
      const n = (rnd() - 0.5) * 60;
      for (let c = 0; c < 3; c++) img.data[i + c] += n;
    }
    ctx.putImageData(img, 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
    const decode = window.__fkd!.decodeImage;
    const full = await decode(blob, { name: 'photo.jpg' });
    const fit = { kind: 'randomResizedCrop', outSize: 32, scaleMin: 0.08, ratio: [3 / 4, 4 / 3] } as const;
    const small = await decode(blob, { name: 'photo.jpg', fit });
    if ('error' in full || 'error' in small) throw new Error('decode failed');
    // The same file as bytes in memory (how the studio copy and tar members reach the decoder): the
    // same pixels, at full size and scaled (both through the JPEG decoder; the next test checks its
    // full-size pixels against createImageBitmap's).
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const fullBytes = await decode(bytes, { name: 'photo.jpg' });
    const smallBytes = await decode(bytes.slice(), { name: 'photo.jpg', fit });
    if ('error' in fullBytes || 'error' in smallBytes) throw new Error('decode from bytes failed');
    const same = (a: Uint8ClampedArray, b: Uint8ClampedArray) =>
      a.length === b.length && a.every((v, i) => v === b[i]);
    const fromBytesSame = same(full.pixels, fullBytes.pixels) && same(small.pixels, smallBytes.pixels);
    // Mean absolute difference (0-255, RGB) between the small decode and the full decode reduced
    // to the same size by an exact area average, and by point sampling at the pixel centres.
    const { width: w, height: h } = small;
    const sx = full.width / w;
    const sy = full.height / h;
    let box = 0;
    let point = 0;
    const bias = [0, 0, 0];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const y0 = Math.floor(y * sy);
        const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
        const x0 = Math.floor(x * sx);
        const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
        const py = Math.min(full.height - 1, Math.floor((y + 0.5) * sy));
        const px = Math.min(full.width - 1, Math.floor((x + 0.5) * sx));
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let yy = y0; yy < y1; yy++)
            for (let xx = x0; xx < x1; xx++) sum += full.pixels[(yy * full.width + xx) * 4 + c];
          const mean = sum / ((y1 - y0) * (x1 - x0));
          const v = small.pixels[(y * w + x) * 4 + c];
          box += Math.abs(v - mean);
          bias[c] += v - mean;
          point += Math.abs(v - full.pixels[(py * full.width + px) * 4 + c]);
        }
      }
    }
    const n = w * h * 3;
    return {
      full: [full.width, full.height],
      small: [small.width, small.height, small.sourceWidth, small.sourceHeight],
      boxMad: box / n,
      bias: bias.map((b) => b / (w * h)),
      pointMad: point / n,
      fromBytesSame,
    };
  });
  expect(r.full).toEqual([500, 375]);
  expect(r.small).toEqual([188, 141, 500, 375]);
  expect(r.fromBytesSame).toBe(true);
  // The decoder's own DCT scaling (WebCodecs ImageDecoder, 3/8 here) is a low-pass filter, not an exact
  // area average, but far closer to one than point sampling, with no colour shift (docs/results.md).
  expect(r.boxMad).toBeLessThan(10);
  expect(r.boxMad).toBeLessThan(r.pointMad / 1.5);
  for (const b of r.bias) expect(Math.abs(b)).toBeLessThan(1.5);
});

const E2E = dirname(new URL(import.meta.url).pathname);

/** Every JPEG of the embedded ImageNet-layout set and the layout fixtures, as base64, by name. */
function jpegFiles(): { name: string; base64: string }[] {
  const out: { name: string; base64: string }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.jpe?g$/i.test(e.name))
        out.push({ name: e.name, base64: readFileSync(p).toString('base64') });
    }
  };
  walk(join(E2E, '../public/datasets/imagenet-photos'));
  walk(join(E2E, 'fixtures/jpeg'));
  out.push({
    name: 'cmyk.jpg',
    base64: readFileSync(join(E2E, 'fixtures/photos/cmyk.jpg')).toString('base64'),
  });
  return out;
}

/** A PNG of samples `v(x, y, channel)`, one of each colour type the test covers (tools' PNG writer). */
function samplePng(
  width: number,
  height: number,
  colorType: 0 | 2 | 3 | 4 | 6,
  bitDepth: 8 | 16,
  v: (x: number, y: number, c: number) => number,
  palette?: number[],
): string {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  const rowBytes = (width * channels * bitDepth) / 8;
  const row = (y: number) => {
    const r = Buffer.alloc(rowBytes);
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++)
        if (bitDepth === 16) r.writeUInt16BE(v(x, y, c), (x * channels + c) * 2);
        else r[x * channels + c] = v(x, y, c);
    return r;
  };
  return png(width, height, bitDepth, colorType, rowBytes, row, palette && Buffer.from(palette)).toString(
    'base64',
  );
}

interface Compared {
  name: string;
  /** The frame layout ImageDecoder hands over for this file: which conversion path it took. */
  format: string;
  maxDiff: number;
  /** Blobs made while the studio decoded it. */
  blobs: number;
}

/**
 * Decodes each file in the page twice: as the Blob path does (createImageBitmap, a canvas read) for the
 * reference, and through the studio's `decodeImage` from its bytes, counting the Blobs made meanwhile.
 */
function decodeBothWays(page: Page, files: { name: string; base64: string }[], type: string) {
  return page.evaluate(
    async ({ files, type }) => {
      const decode = window.__fkd!.decodeImage;
      const RealBlob = Blob;
      let blobs = 0;
      const counting = class extends RealBlob {
        constructor(...args: ConstructorParameters<typeof Blob>) {
          super(...args);
          blobs++;
        }
      };
      const rows: Compared[] = [];
      for (const f of files) {
        const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
        const bmp = await createImageBitmap(new RealBlob([bytes]), {
          colorSpaceConversion: 'none',
          premultiplyAlpha: 'none',
        });
        const canvas = new OffscreenCanvas(bmp.width, bmp.height);
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(bmp, 0, 0);
        const ref = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
        bmp.close();
        const dec = new ImageDecoder({ data: bytes, type, colorSpaceConversion: 'none' });
        const { image } = await dec.decode();
        const format = image.format ?? 'none';
        image.close();
        dec.close();
        blobs = 0;
        globalThis.Blob = counting;
        let got;
        try {
          got = await decode(bytes, { name: f.name });
        } finally {
          globalThis.Blob = RealBlob;
        }
        if ('error' in got) throw new Error(`${f.name}: ${got.error}`);
        let maxDiff = got.pixels.length === ref.length ? 0 : 255;
        if (maxDiff === 0)
          for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.pixels[i] - ref[i]));
        rows.push({ name: f.name, format, maxDiff, blobs });
      }
      return rows;
    },
    { files, type },
  );
}

test('a JPEG or PNG decoded from its bytes has createImageBitmap’s pixels exactly, and no Blob is made', async ({
  page,
}) => {
  await openStudio(page);
  // JPEGs: the reference is libjpeg-turbo's own conversion, as createImageBitmap decodes.
  const files = jpegFiles();
  const r = await decodeBothWays(page, files, 'image/jpeg');
  const bad = r.filter((x) => x.maxDiff !== 0);
  expect(bad, JSON.stringify(bad)).toEqual([]);
  // 40 photos and 14 fixtures, every chroma layout among them decoded: planes (4:2:0, 4:2:2, 4:4:4)
  // converted here, the rest (greyscale, CMYK, RGB, 4:4:0, 4:1:1) converted by the decoder itself.
  expect(r.length).toBe(files.length);
  const formats = new Set(r.map((x) => x.format));
  for (const f of ['I420', 'I422', 'I444']) expect(formats, f).toContain(f);
  expect([...formats].some((f) => f.startsWith('BGR') || f.startsWith('RGB'))).toBe(true);
  // No Blob for any of them (each would stay in the browser process: docs/results.md, bench:reads).
  expect(r.filter((x) => x.blobs > 0).map((x) => x.name)).toEqual([]);

  // PNGs take the same decoder from their bytes: the embedded default's own files (8-bit greyscale, as
  // training and labelling read them) and one of every other colour type and depth.
  const v = (x: number, y: number, c: number) => (x * 37 + y * 91 + c * 53) % 256;
  const bag = join(E2E, '../public/datasets/fashion-mnist/train/bag');
  const pngs = [
    ...readdirSync(bag)
      .slice(0, 12)
      .map((n) => ({ name: n, base64: readFileSync(join(bag, n)).toString('base64') })),
    { name: 'grey.png', base64: samplePng(7, 5, 0, 8, v) },
    { name: 'rgb.png', base64: samplePng(9, 4, 2, 8, v) },
    { name: 'rgb16.png', base64: samplePng(5, 6, 2, 16, (x, y, c) => v(x, y, c) * 256 + x * 31) },
    {
      name: 'palette.png',
      base64: samplePng(6, 6, 3, 8, (x, y) => (x + y) % 4, [255, 0, 0, 0, 255, 0, 0, 0, 255, 90, 160, 30]),
    },
    { name: 'rgba-opaque.png', base64: samplePng(8, 3, 6, 8, (x, y, c) => (c === 3 ? 255 : v(x, y, c))) },
    {
      name: 'grey-alpha-opaque.png',
      base64: samplePng(4, 4, 4, 8, (x, y, c) => (c === 1 ? 255 : v(x, y, c))),
    },
    {
      name: 'rgba-translucent.png',
      base64: samplePng(8, 8, 6, 8, (x, y, c) => (c === 3 ? 1 + ((x * 31 + y * 17) % 255) : v(x, y, c))),
    },
  ];
  const p = await decodeBothWays(page, pngs, 'image/png');
  expect(p.length).toBe(pngs.length);
  const badPng = p.filter((x) => x.maxDiff !== 0);
  expect(badPng, JSON.stringify(badPng)).toEqual([]);
  // No Blob, except for the one PNG with pixels below full alpha, which createImageBitmap decodes (its
  // canvas read rounds premultiplied colours its own way).
  expect(p.filter((x) => x.blobs > 0).map((x) => x.name)).toEqual(['rgba-translucent.png']);
});

test('the live views show decoded pixels as BMP files that Chromium draws back exactly', async ({ page }) => {
  await openStudio(page);
  const r = await page.evaluate(async () => {
    const width = 37;
    const height = 23;
    const rgba = new Uint8ClampedArray(width * height * 4);
    let seed = 11;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let i = 0; i < rgba.length; i += 4) {
      rgba[i] = rnd();
      rgba[i + 1] = rnd();
      rgba[i + 2] = rnd();
      rgba[i + 3] = 255;
    }
    // One row translucent: drawn over nothing, it reads back premultiplied and rounded, so only close.
    for (let x = 0; x < width; x++) rgba[4 * x + 3] = 128;
    const img = new Image();
    img.src = window.__fkd!.imageUrl(window.__fkd!.bmpImageFile(rgba, width, height));
    await img.decode();
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(img, 0, 0);
    const got = ctx.getImageData(0, 0, width, height).data;
    let opaqueMax = 0;
    let translucentMax = 0;
    for (let i = 0; i < rgba.length; i++) {
      const d = Math.abs(got[i] - rgba[i]);
      if (i < 4 * width) translucentMax = Math.max(translucentMax, d);
      else opaqueMax = Math.max(opaqueMax, d);
    }
    return { size: [img.naturalWidth, img.naturalHeight], opaqueMax, translucentMax };
  });
  expect(r.size).toEqual([37, 23]);
  expect(r.opaqueMax).toBe(0);
  expect(r.translucentMax).toBeLessThanOrEqual(2);
});
