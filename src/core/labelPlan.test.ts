import { describe, expect, it } from 'vitest';
import { recordByteLength } from './labelRecord';
import { planLabels, subsetSize } from './labelPlan';
import type { CodecSpec } from './softLabel';

const spec: CodecSpec = { codec: 'msTopK', k: 5, precision: 'q8', numClasses: 1000 };
const sizes = [
  { width: 500, height: 375 },
  { width: 333, height: 500 },
];

describe('planLabels', () => {
  it('counts bytes from the record format over the sampled sizes and time from the rate', () => {
    const p = planLabels({
      trainImages: 1_281_167,
      spec,
      numCrops: 500,
      sizes,
      rate: { cropsPerSec: 2000, source: 'test' },
    });
    const mean = (recordByteLength(spec, 500, 500, 375) + recordByteLength(spec, 500, 333, 500)) / 2;
    expect(p.recordBytes).toBe(mean);
    expect(p.bytes).toBe(Math.round(1_281_167 * mean));
    expect(p.storeBytes).toBeGreaterThan(p.bytes);
    expect(p.seconds).toBeCloseTo((1_281_167 * 500) / 2000, 6);
    expect(p.fits).toBe('unknown');
    expect(p.askPersist).toBe(false);
  });

  it('says a set does not fit the quota, asks for persistence and suggests subsets that fit', () => {
    const storage = { usage: 1e9, quota: 3e9, persisted: false };
    const p = planLabels({ trainImages: 1_281_167, spec, numCrops: 500, sizes, storage });
    expect(p.fits).toBe('no');
    expect(p.free).toBe(2e9);
    expect(p.askPersist).toBe(true);
    expect(p.fitImages).toBeGreaterThan(0);
    for (const s of p.suggestions) {
      const q = planLabels({ trainImages: 1_281_167, spec, numCrops: 500, sizes, storage, subset: s });
      expect(q.fits).toBe('yes');
    }
    expect(p.suggestions.map((s) => s.kind)).toEqual(['perClass', 'fraction']);
    const persisted = planLabels({
      trainImages: 1000,
      spec,
      numCrops: 2,
      sizes,
      storage: { ...storage, persisted: true },
    });
    expect(persisted.fits).toBe('yes');
    expect(persisted.askPersist).toBe(false);
  });

  it('sizes subsets exactly, at most or about', () => {
    expect(subsetSize(1000, 10, { kind: 'perClass', n: 500 })).toEqual({ images: 1000, basis: 'exact' });
    expect(subsetSize(1000, 10, { kind: 'perClass', n: 20 })).toEqual({ images: 200, basis: 'atMost' });
    expect(subsetSize(1000, 10, { kind: 'classes', classes: [1, 2, 2] })).toEqual({
      images: 200,
      basis: 'about',
    });
    expect(subsetSize(1000, 10, { kind: 'fraction', fraction: 0.25 })).toEqual({
      images: 250,
      basis: 'about',
    });
  });
});
