import { describe, expect, it } from 'vitest';
import { Rng } from './rng';
import { cropMixWeights, partnerImageOf, sampleCropMixes, scaleMixBox, type CropMix } from './labelMix';
import { decodeLabelRecord, encodeLabelRecord, recordByteLength, type LabelRecord } from './labelRecord';
import type { CodecSpec } from './softLabel';

const spec: CodecSpec = { codec: 'msTopK', k: 2, precision: 'q8', numClasses: 10 };

function record(numCrops: number, mix?: LabelRecord['mix']): LabelRecord {
  const boxes = new Int32Array(4 * numCrops);
  for (let i = 0; i < numCrops; i++) boxes.set([i % 3, 1, 10, 12], 4 * i);
  const probs = new Float32Array(2 * numCrops);
  for (let i = 0; i < numCrops; i++) probs.set([600 / 1023, 200 / 1023], 2 * i);
  return {
    version: mix ? 2 : 1,
    spec,
    imageWidth: 28,
    imageHeight: 28,
    numCrops,
    boxes,
    flips: Uint8Array.from({ length: numCrops }, (_, i) => i % 2),
    indices: Uint16Array.from({ length: 2 * numCrops }, (_, i) => i % 10),
    probs,
    mix,
  };
}

describe('label-time mix sampling', () => {
  it('is seeded: the same seed draws the same partners, kinds, lambdas and boxes', () => {
    const a = sampleCropMixes(new Rng(7).fork('labelmix:3'), 'both', 40, 11, 8, 32);
    const b = sampleCropMixes(new Rng(7).fork('labelmix:3'), 'both', 40, 11, 8, 32);
    const c = sampleCropMixes(new Rng(8).fork('labelmix:3'), 'both', 40, 11, 8, 32);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a.map((m) => m.kind))).toEqual(new Set(['mixup', 'cutmix']));
    for (const m of a) {
      expect(m.partnerImage).toBe(11);
      expect(m.partnerCrop).toBeGreaterThanOrEqual(0);
      expect(m.partnerCrop).toBeLessThan(8);
      expect(Math.fround(m.lambda)).toBe(m.lambda);
      if (m.kind === 'cutmix') {
        const area = (m.box.y2 - m.box.y1) * (m.box.x2 - m.box.x1);
        expect(m.lambda).toBe(Math.fround(1 - area / (32 * 32)));
      }
    }
  });

  it('a single mode draws only its kind; none leaves every crop unmixed', () => {
    const mixup = sampleCropMixes(new Rng(1), 'mixup', 20, 0, 4, 16);
    expect(mixup.every((m) => m.kind === 'mixup' && m.box.y2 === 0)).toBe(true);
    expect(sampleCropMixes(new Rng(1), 'cutmix', 20, 0, 4, 16).every((m) => m.kind === 'cutmix')).toBe(true);
    expect(sampleCropMixes(new Rng(1), 'none', 3, 5, 4, 16).every((m) => m.kind === 'none')).toBe(true);
  });

  it('partners are another training image, seeded per image', () => {
    const seen = new Set<number>();
    for (const self of [0, 1, 2, 3]) {
      for (let s = 0; s < 20; s++) {
        const p = partnerImageOf(new Rng(s).fork(`labelmix:${self}`), self, 4);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(4);
        expect(p).not.toBe(self);
        seen.add(p);
      }
    }
    expect(seen.size).toBe(4);
    expect(partnerImageOf(new Rng(3), 0, 1)).toBe(0);
  });
});

describe('label-time mix weights', () => {
  it('mixup is lambda everywhere, cutmix 0 inside its box, none 1', () => {
    const mixes: CropMix[] = [
      {
        kind: 'mixup',
        partnerImage: 1,
        partnerCrop: 0,
        lambda: Math.fround(0.3),
        box: { y1: 0, x1: 0, y2: 0, x2: 0 },
      },
      { kind: 'cutmix', partnerImage: 1, partnerCrop: 2, lambda: 0.75, box: { y1: 1, x1: 0, y2: 3, x2: 2 } },
    ];
    const w = cropMixWeights([...mixes, undefined], 4, 4);
    expect(Array.from(w.subarray(0, 16))).toEqual(new Array(16).fill(Math.fround(0.3)));
    expect(Array.from(w.subarray(16, 32))).toEqual([1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(w.subarray(32))).toEqual(new Array(16).fill(1));
  });

  it('a CutMix box scales with the crop size and is unchanged at its own size', () => {
    const b = { y1: 4, x1: 8, y2: 12, x2: 16 };
    expect(scaleMixBox(b, 16, 16)).toBe(b);
    expect(scaleMixBox(b, 16, 32)).toEqual({ y1: 8, x1: 16, y2: 24, x2: 32 });
  });
});

describe('label record version 2 (mix columns)', () => {
  const mixes = sampleCropMixes(new Rng(5), 'both', 6, 123456, 300, 224);

  it('round-trips the mix of every crop exactly', () => {
    const r = record(6, { size: 224, crops: mixes });
    const bytes = encodeLabelRecord(r);
    expect(bytes[4]).toBe(2);
    expect(bytes.length).toBe(recordByteLength(spec, 6, 28, 28, 224));
    const back = decodeLabelRecord(bytes);
    expect(back.version).toBe(2);
    expect(back.mix).toEqual({ size: 224, crops: mixes });
    expect(Array.from(back.boxes)).toEqual(Array.from(r.boxes));
    expect(Array.from(back.probs)).toEqual(Array.from(r.probs));
  });

  it('unmixed records are still written and read as version 1', () => {
    const bytes = encodeLabelRecord(record(3));
    expect(bytes[4]).toBe(1);
    const back = decodeLabelRecord(bytes);
    expect(back.version).toBe(1);
    expect(back.mix).toBeUndefined();
  });

  it('refuses a bad mix on encode and a corrupt mix on decode', () => {
    const bad = { ...mixes[0], lambda: 0.1 + 1e-12 };
    expect(() => encodeLabelRecord(record(1, { size: 224, crops: [bad] }))).toThrow(
      /crop 0: invalid mix lambda/,
    );
    const outside = { ...mixes[0], kind: 'cutmix' as const, box: { y1: 0, x1: 0, y2: 300, x2: 4 } };
    expect(() => encodeLabelRecord(record(1, { size: 224, crops: [outside] }))).toThrow(/mix box/);
    const bytes = encodeLabelRecord(record(2, { size: 224, crops: mixes.slice(0, 2) }));
    const v1 = bytes.slice();
    v1[4] = 1; // a version-1 header over a version-2 body
    expect(() => decodeLabelRecord(v1)).toThrow(/label record corrupt: mix fields/);
    const future = bytes.slice();
    future[4] = 3;
    expect(() => decodeLabelRecord(future)).toThrow(/unsupported label record version 3/);
  });
});
