import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evalCropBox, type CropBox } from '../core/cropBox';
import { batchFromImages, CropRows, cropsFromImage, evalCrops, normaliseCrops } from './crops';
import { rgbaToPaddedRgb, uploadImage, uploadPadded } from './pixels';
import { maxAbsDiff, useCpu } from './testSetup';

beforeAll(useCpu);

const RAW = { normalisation: 'unit', channels: 1 } as const;
const WHOLE: CropBox = { top: 0, left: 0, height: 1, width: 1, flip: false };

/**
 * PyTorch F.interpolate(mode='bilinear', align_corners=False, antialias=False) of one channel, written from
 * its definition: src = (i + 0.5) * in/out - 0.5, clamped below at 0; upper neighbour clamped to in-1.
 */
function torchBilinear(img: number[][], outH: number, outW: number): number[][] {
  const inH = img.length;
  const inW = img[0].length;
  const axis = (i: number, inLen: number, outLen: number) => {
    const src = Math.max(0, (i + 0.5) * (inLen / outLen) - 0.5);
    const i0 = Math.floor(src);
    return { i0, i1: Math.min(i0 + 1, inLen - 1), f: src - i0 };
  };
  return Array.from({ length: outH }, (_, y) => {
    const a = axis(y, inH, outH);
    return Array.from({ length: outW }, (_, x) => {
      const b = axis(x, inW, outW);
      const top = img[a.i0][b.i0] * (1 - b.f) + img[a.i0][b.i1] * b.f;
      const bottom = img[a.i1][b.i0] * (1 - b.f) + img[a.i1][b.i1] * b.f;
      return top * (1 - a.f) + bottom * a.f;
    });
  });
}

/** A 1-channel image tensor from rows of 0..255 values; also returns the /255 rows for comparisons. */
function grey(rows: number[][]): tf.Tensor3D {
  return tf.tensor3d(rows.map((r) => r.map((v) => [v])));
}

async function plane(t: tf.Tensor4D, index: number, channel = 0): Promise<number[]> {
  const [, h, w, c] = t.shape;
  const all = await t.data();
  const out: number[] = [];
  for (let i = 0; i < h * w; i++) out.push(all[index * h * w * c + i * c + channel]);
  return out;
}

describe('crop convention = torchvision bilinear (align_corners=False)', () => {
  it('2x2 -> 4x4 whole-image box matches the closed form 20*w[y] + 10*w[x], w = [0, .25, .75, 1]', async () => {
    const crops = cropsFromImage(
      grey([
        [0, 10],
        [20, 30],
      ]),
      [WHOLE],
      4,
      RAW,
    );
    const w = [0, 0.25, 0.75, 1];
    const want = w.flatMap((wy) => w.map((wx) => (20 * wy + 10 * wx) / 255));
    expect(maxAbsDiff(await plane(crops, 0), want)).toBeLessThan(1e-6);
  });

  const img5x6 = Array.from({ length: 5 }, (_, y) =>
    Array.from({ length: 6 }, (_, x) => (y * 37 + x * x * 11) % 256),
  );

  it('whole-image downscale 5x6 -> 3x3 and upscale -> 7x7 match the reference resize', async () => {
    for (const out of [3, 7]) {
      const crops = cropsFromImage(grey(img5x6), [WHOLE], out, RAW);
      const want = torchBilinear(img5x6, out, out)
        .flat()
        .map((v) => v / 255);
      expect(maxAbsDiff(await plane(crops, 0), want)).toBeLessThan(1e-5);
    }
  });

  it('a stored box equals crop-then-resize of that pixel box (downscale, interior samples)', async () => {
    // Pixel box top 1, left 2, 4x4 -> 2x2: samples at crop coordinates 0.5 and 2.5, no clamping involved.
    const box: CropBox = { top: 1 / 5, left: 2 / 6, height: 4 / 5, width: 4 / 6, flip: false };
    const cropped = img5x6.slice(1, 5).map((r) => r.slice(2, 6));
    const want = torchBilinear(cropped, 2, 2)
      .flat()
      .map((v) => v / 255);
    const crops = cropsFromImage(grey(img5x6), [box], 2, RAW);
    expect(maxAbsDiff(await plane(crops, 0), want)).toBeLessThan(1e-5);
  });

  it('the flip bit mirrors the crop horizontally (same op, swapped x1/x2)', async () => {
    const box: CropBox = { top: 0.2, left: 0, height: 0.8, width: 5 / 6, flip: false };
    const crops = cropsFromImage(grey(img5x6), [box, { ...box, flip: true }], 4, RAW);
    const plain = await plane(crops, 0);
    const mirrored = await plane(tf.reverse(tf.slice(crops, [0], [1]), 2) as tf.Tensor4D, 0);
    expect(maxAbsDiff(await plane(crops, 1), mirrored)).toBeLessThan(1e-6);
    expect(maxAbsDiff(plain, mirrored)).toBeGreaterThan(0.01); // the crop is not symmetric
  });

  it('evalCrops reproduces Resize(int(s*256/224)) + CenterCrop(s)', async () => {
    // 8x8 -> eval size 7: resize to 8 (identity), centre crop 7 at offset round(0.5) = 0.
    const img = Array.from({ length: 8 }, (_, y) => Array.from({ length: 8 }, (_, x) => y * 16 + x * 3));
    const box = evalCropBox(8, 8, 7);
    expect(box.top).toBe(0);
    const crops = evalCrops(grey(img), 7, RAW);
    const want = img
      .slice(0, 7)
      .flatMap((r) => r.slice(0, 7))
      .map((v) => v / 255);
    expect(maxAbsDiff(await plane(crops, 0), want)).toBeLessThan(1e-5);
  });
});

describe('normalisation and channels', () => {
  it('imagenet / symmetric / unit and grey -> RGB broadcast', async () => {
    const img = grey([
      [255, 255],
      [255, 255],
    ]);
    const rgb = cropsFromImage(img, [WHOLE], 2, { normalisation: 'imagenet', channels: 3 });
    expect(rgb.shape).toEqual([1, 2, 2, 3]);
    const px = Array.from(await rgb.data()).slice(0, 3);
    expect(maxAbsDiff(px, [(1 - 0.485) / 0.229, (1 - 0.456) / 0.224, (1 - 0.406) / 0.225])).toBeLessThan(
      1e-5,
    );
    const sym = cropsFromImage(
      grey([
        [0, 0],
        [0, 0],
      ]),
      [WHOLE],
      2,
      { normalisation: 'symmetric', channels: 1 },
    );
    expect(Array.from(await sym.data())).toEqual([-1, -1, -1, -1]);
  });

  it('bgr reverses channel order before normalising', async () => {
    const img = tf.tensor3d([[[255, 0, 0]]]);
    const bgr = cropsFromImage(img, [WHOLE], 1, { normalisation: 'unit', channels: 3, channelOrder: 'bgr' });
    expect(Array.from(await bgr.data())).toEqual([0, 0, 1]);
  });
});

describe('grey models: luma before the crop', () => {
  it('equals cropping RGB then converting each crop (linear ops commute), for both crop paths', async () => {
    const img = tf.randomUniform([9, 13, 3], 0, 255, 'float32', 3) as tf.Tensor3D;
    const boxes: CropBox[] = [
      { top: 0.1, left: 0.2, height: 0.6, width: 0.5, flip: false },
      { top: 0, left: 0, height: 1, width: 1, flip: true },
      { top: 0.5, left: 0.05, height: 0.3, width: 0.9, flip: false },
    ];
    for (const normalisation of ['unit', 'imagenet'] as const) {
      const grey = { normalisation, channels: 1 as const };
      const rgbCrops = cropsFromImage(img, boxes, 7, { normalisation: 'unit', channels: 3 });
      const cropThenLuma = normaliseCrops(tf.mul(rgbCrops, 255) as tf.Tensor4D, grey);
      const got = cropsFromImage(img, boxes, 7, grey);
      expect(got.shape).toEqual([3, 7, 7, 1]);
      expect(maxAbsDiff(await got.data(), await cropThenLuma.data())).toBeLessThan(1e-5);
      const batch = batchFromImages([{ pixels: img, boxes }], 7, grey).x;
      expect(maxAbsDiff(await batch.data(), await cropThenLuma.data())).toBeLessThan(1e-5);
    }
  });
});

describe('batchFromImages is crop-major (docs/fkd.md)', () => {
  const constant = (v: number, h: number, w: number) => tf.fill([h, w, 1], v) as tf.Tensor3D;
  const boxes = (n: number): CropBox[] => Array.from({ length: n }, () => ({ ...WHOLE }));

  for (const mixed of [false, true]) {
    it(`orders [slot0 of all images, slot1 of all images, ...] (${mixed ? 'mixed sizes' : 'one size'})`, async () => {
      // Image i: left half = 10*(i+1), right half = 100+i. Slot 0 crops the left quarter, slot 1 the
      // right quarter, so every crop's value names its (slot, image).
      const images = [0, 1, 2].map((i) => {
        const w = mixed ? 4 + 2 * i : 4;
        return {
          pixels: tf.concat(
            [constant(10 * (i + 1), 4, w / 2), constant(100 + i, 4, w / 2)],
            1,
          ) as tf.Tensor3D,
          boxes: [
            { top: 0, left: 0, height: 1, width: 0.25, flip: false },
            { top: 0, left: 0.75, height: 1, width: 0.25, flip: false },
          ],
        };
      });
      const { x: batch, rows } = batchFromImages(images, 2, RAW);
      expect(batch.shape).toEqual([6, 2, 2, 1]);
      const firstPixels: number[] = [];
      for (let k = 0; k < 6; k++) firstPixels.push(Math.round((await plane(batch, k))[0] * 255));
      expect(firstPixels).toEqual([10, 20, 30, 100, 101, 102]);
      // The row map names the same rows: image i's slot 0 is 10*(i+1), its slot 1 is 100+i.
      expect([0, 1, 2].map((i) => rows.rowsOf(i).map((r) => firstPixels[r]))).toEqual([
        [10, 100],
        [20, 101],
        [30, 102],
      ]);
    });
  }

  it('CropRows visits every (image, slot) once, in row order', () => {
    const rows = new CropRows(3, 2);
    const seen: [number, number, number][] = [];
    rows.forEach((row, image, slot) => seen.push([row, image, slot]));
    expect(seen.map(([r]) => r)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen[4]).toEqual([4, 1, 1]);
    expect(rows.rowsOf(2)).toEqual([2, 5]);
    expect(rows.size).toBe(6);
  });

  it('rejects images with different crop counts', () => {
    const a = { pixels: constant(1, 4, 4), boxes: boxes(2) };
    const b = { pixels: constant(1, 4, 4), boxes: boxes(1) };
    expect(() => batchFromImages([a, b], 2, RAW)).toThrow(/2 boxes/);
  });
});

describe('PaddedImage (the loader uploads images edge-padded on the CPU)', () => {
  it('rgbaToPaddedRgb replicates the edge once on every side and drops alpha', () => {
    // 2x3 image, R = 10*y + x, G = 100 + R, B = 200 + R, alpha 255.
    const rgba = new Uint8ClampedArray(2 * 3 * 4);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 3; x++)
        rgba.set([10 * y + x, 110 + 10 * y + x, 210 + 10 * y + x, 255], (y * 3 + x) * 4);
    const out = rgbaToPaddedRgb(rgba, 3, 2);
    expect(out.length).toBe(4 * 5 * 3);
    const red = Array.from({ length: 4 }, (_, py) =>
      Array.from({ length: 5 }, (_, px) => out[(py * 5 + px) * 3]),
    );
    expect(red).toEqual([
      [0, 0, 1, 2, 2],
      [0, 0, 1, 2, 2],
      [10, 10, 11, 12, 12],
      [10, 10, 11, 12, 12],
    ]);
    expect(out[(2 * 5 + 3) * 3 + 1]).toBe(122); // (y 1, x 2)
    expect(out[(2 * 5 + 3) * 3 + 2]).toBe(222);
    expect(() => rgbaToPaddedRgb(rgba, 3, 3)).toThrow(/RGBA bytes/);
  });

  it('crops, batches and eval views equal the tensor path exactly (RGB and grey, same and mixed sizes)', async () => {
    const rgbaOf = (w: number, h: number, seed: number) => {
      const a = new Uint8ClampedArray(w * h * 4);
      for (let i = 0; i < a.length; i++) a[i] = (i * 37 + seed * 101) % 256;
      return a;
    };
    const sizes = [
      [13, 9],
      [13, 9],
      [11, 14],
    ];
    const rgbas = sizes.map(([w, h], i) => rgbaOf(w, h, i));
    const boxes: CropBox[] = [
      { top: 0.1, left: 0.2, height: 0.6, width: 0.5, flip: false },
      { top: 0, left: 0, height: 1, width: 1, flip: true },
    ];
    for (const opts of [
      { normalisation: 'imagenet', channels: 3 },
      { normalisation: 'unit', channels: 1 },
    ] as const) {
      for (const n of [2, 3]) {
        const plain = rgbas.slice(0, n).map((a, i) => uploadImage(a, sizes[i][0], sizes[i][1]));
        const padded = rgbas.slice(0, n).map((a, i) => uploadPadded(a, sizes[i][0], sizes[i][1]));
        const want = batchFromImages(
          plain.map((pixels) => ({ pixels, boxes })),
          7,
          opts,
        ).x;
        const got = batchFromImages(
          padded.map((pixels) => ({ pixels, boxes })),
          7,
          opts,
        ).x;
        expect(got.shape).toEqual(want.shape);
        expect(maxAbsDiff(await got.data(), await want.data())).toBeLessThan(1e-5);
        const e1 = evalCrops(plain[0], 6, opts);
        const e2 = evalCrops(padded[0], 6, opts);
        expect(maxAbsDiff(await e2.data(), await e1.data())).toBeLessThan(1e-5);
        tf.dispose([want, got, e1, e2, ...plain]);
        padded.forEach((p) => p.dispose());
      }
    }
  });
});
