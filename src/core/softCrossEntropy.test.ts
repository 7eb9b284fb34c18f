import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { softCrossEntropy } from './softCrossEntropy';

interface Case {
  numCrops: number;
  numClasses: number;
  temperature: number;
  kind: string;
  logits: string;
  targets: string;
  loss: number;
}
const { cases } = JSON.parse(
  readFileSync(new URL('./__fixtures__/softce_cases.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

function f32(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

describe('softCrossEntropy', () => {
  it.each(cases.map((c) => [`${c.kind} n=${c.numCrops} C=${c.numClasses} T=${c.temperature}`, c] as const))(
    'matches torch -(q * log_softmax(z/T)).sum(1).mean(): %s',
    (_name, c) => {
      const got = softCrossEntropy(f32(c.logits), f32(c.targets), c.numCrops, c.numClasses, c.temperature);
      expect(Math.abs(got - c.loss)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c.loss)));
    },
  );

  it('has no T^2 factor: uniform logits give log C for any T and any target', () => {
    for (const t of [0.5, 1, 4])
      expect(softCrossEntropy([3, 3, 3, 3], [0.7, 0.1, 0.1, 0.1], 1, 4, t)).toBeCloseTo(Math.log(4), 12);
  });

  it('is the mean over crops, not the sum', () => {
    const one = softCrossEntropy([1, 2, 3], [0, 0, 1], 1, 3);
    expect(softCrossEntropy([1, 2, 3, 1, 2, 3], [0, 0, 1, 0, 0, 1], 2, 3)).toBeCloseTo(one, 12);
  });

  it('ignores classes with q = 0 even when their log-prob underflows', () => {
    const loss = softCrossEntropy([0, -1e308], [1, 0], 1, 2, 1e-3);
    expect(loss).toBe(0);
  });

  it('rejects shape mismatches and bad temperatures', () => {
    expect(() => softCrossEntropy([1, 2], [1, 0], 2, 2)).toThrow(/expected 4/);
    expect(() => softCrossEntropy([1, 2], [1, 0], 1, 2, 0)).toThrow(/temperature/);
  });
});
