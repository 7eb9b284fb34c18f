import { describe, expect, it } from 'vitest';
import { chromaSize, yccToRgba, type ChromaLayout, type YccPlanes } from './jpegColor';

/** A seeded generator, so each case is the same every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Planes laid out as VideoFrame.copyTo might: an offset before each plane, rows padded past their width. */
function planes(layout: ChromaLayout, w: number, h: number, seed: number, pad = 3): YccPlanes {
  const [cw, ch] = chromaSize(layout, w, h);
  const r = rng(seed);
  const y = { offset: 5, stride: w + pad };
  const cb = { offset: y.offset + h * y.stride + 2, stride: cw + pad };
  const cr = { offset: cb.offset + ch * cb.stride + 1, stride: cw + pad };
  const data = new Uint8Array(cr.offset + ch * cr.stride);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(256 * r());
  return { data, y, cb, cr };
}

const at = (p: YccPlanes, plane: 'y' | 'cb' | 'cr', x: number, y: number) =>
  p.data[p[plane].offset + y * p[plane].stride + x];

/**
 * The chroma sample libjpeg's fancy upsampling gives output pixel (x, y), written the other way round
 * from the implementation: as one 2-D triangle filter per pixel, weights 9:3:3:1 (h2v2) or 3:1 (h2v1)
 * toward the nearer neighbours, a neighbour past the edge being the edge sample, with libjpeg's biases.
 */
function fancyAt(
  p: YccPlanes,
  plane: 'cb' | 'cr',
  layout: ChromaLayout,
  w: number,
  h: number,
  x: number,
  y: number,
) {
  const [cw, ch] = chromaSize(layout, w, h);
  const clampX = (c: number) => Math.min(cw - 1, Math.max(0, c));
  const clampY = (c: number) => Math.min(ch - 1, Math.max(0, c));
  if (layout === 'I444') return at(p, plane, x, y);
  const cx = x >> 1;
  const nx = clampX(cx + (x & 1 ? 1 : -1));
  if (layout === 'I422') return (3 * at(p, plane, cx, y) + at(p, plane, nx, y) + (x & 1 ? 2 : 1)) >> 2;
  const cy = y >> 1;
  const ny = clampY(cy + (y & 1 ? 1 : -1));
  const col = (c: number) => 3 * at(p, plane, c, cy) + at(p, plane, c, ny);
  return (3 * col(cx) + col(nx) + (x & 1 ? 7 : 8)) >> 4;
}

/** YCbCr → RGB in floating point, rounded as libjpeg's 16-bit tables round (half up, then floor for G). */
function rgbOf(l: number, cb: number, cr: number): [number, number, number] {
  const fix = (v: number) => Math.floor(v * 65536 + 0.5);
  const clamp = (v: number) => Math.min(255, Math.max(0, v));
  const r = l + Math.floor((fix(1.402) * (cr - 128) + 32768) / 65536);
  const g = l + Math.floor((-fix(0.34414) * (cb - 128) + 32768 - fix(0.71414) * (cr - 128)) / 65536);
  const b = l + Math.floor((fix(1.772) * (cb - 128) + 32768) / 65536);
  return [clamp(r), clamp(g), clamp(b)];
}

describe('YCbCr planes to RGB as libjpeg makes them', () => {
  const sizes: [number, number][] = [
    [3, 3],
    [4, 4],
    [7, 5],
    [33, 18],
    [16, 9],
  ];
  for (const layout of ['I420', 'I422', 'I444'] as const) {
    it(`upsamples ${layout} chroma with libjpeg's triangle filters and converts with its tables`, () => {
      for (const [w, h] of sizes) {
        const p = planes(layout, w, h, w * 31 + h);
        const rgba = yccToRgba(p, layout, w, h);
        expect(rgba.length).toBe(w * h * 4);
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const want = rgbOf(
              at(p, 'y', x, y),
              fancyAt(p, 'cb', layout, w, h, x, y),
              fancyAt(p, 'cr', layout, w, h, x, y),
            );
            const o = (y * w + x) * 4;
            expect(
              [rgba[o], rgba[o + 1], rgba[o + 2], rgba[o + 3]],
              `${layout} ${w}x${h} at ${x},${y}`,
            ).toEqual([...want, 255]);
          }
      }
    });
  }

  it('repeats chroma samples when fancy upsampling is off (libjpeg at 1/8 scale)', () => {
    const [w, h] = [9, 7];
    const p = planes('I420', w, h, 5);
    const rgba = yccToRgba(p, 'I420', w, h, false);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const want = rgbOf(at(p, 'y', x, y), at(p, 'cb', x >> 1, y >> 1), at(p, 'cr', x >> 1, y >> 1));
        const o = (y * w + x) * 4;
        expect([rgba[o], rgba[o + 1], rgba[o + 2]]).toEqual(want);
      }
  });

  it('keeps grey grey and hits the known corners of the tables', () => {
    // A 4x1 image in 4:2:0: one chroma row of two samples, both neutral.
    const grey: YccPlanes = {
      data: new Uint8Array([0, 77, 128, 255, 128, 128, 128, 128]),
      y: { offset: 0, stride: 4 },
      cb: { offset: 4, stride: 2 },
      cr: { offset: 6, stride: 2 },
    };
    const rgba = yccToRgba(grey, 'I420', 4, 1);
    expect(Array.from(rgba)).toEqual([0, 0, 0, 255, 77, 77, 77, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
    // Full red chroma on mid grey: R = 128 + round(1.402 * 127) = 306 → 255; B = 128 - 0.
    const red: YccPlanes = {
      data: new Uint8Array([128, 128, 128, 255]),
      y: { offset: 0, stride: 1 },
      cb: { offset: 2, stride: 1 },
      cr: { offset: 3, stride: 1 },
    };
    expect(Array.from(yccToRgba(red, 'I444', 1, 1))).toEqual([255, 37, 128, 255]);
  });

  it('refuses planes too small for the size instead of reading past them', () => {
    const p = planes('I420', 8, 8, 1);
    expect(() => yccToRgba({ ...p, data: p.data.subarray(0, p.data.length - 4) }, 'I420', 8, 8)).toThrow(
      'YCbCr planes too small for a 8x8 I420 image',
    );
    expect(() => yccToRgba(p, 'I444', 8, 8)).toThrow('too small');
  });
});
