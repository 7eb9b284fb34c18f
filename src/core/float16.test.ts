import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, roundToFloat16, toFloat16Bits } from './float16';

const fixture = JSON.parse(
  readFileSync(new URL('./__fixtures__/codec_float16.json', import.meta.url), 'utf8'),
) as {
  inputs: string;
  halfBits: number[];
};

function f32(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

describe('float16', () => {
  it('matches numpy float32 -> float16 bit patterns (RNE, subnormals, overflow)', () => {
    const xs = f32(fixture.inputs);
    expect(xs.length).toBe(fixture.halfBits.length);
    xs.forEach((x, i) => expect([x, toFloat16Bits(x)]).toEqual([x, fixture.halfBits[i]]));
  });

  it('round-trips every finite half pattern exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue; // Inf / NaN
      expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h);
    }
  });

  it('rounds ties to even and handles specials', () => {
    expect(roundToFloat16(1 + 2 ** -11)).toBe(1); // tie between 1 and 1+2^-10 -> even (1)
    expect(roundToFloat16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9); // tie -> even mantissa
    expect(roundToFloat16(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal
    expect(roundToFloat16(65519)).toBe(65504);
    expect(roundToFloat16(65520)).toBe(Infinity);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });

  it('keeps the documented relative error 2^-11 for normal values', () => {
    for (let i = 1; i < 5000; i++) {
      const x = i / 4999;
      if (x < 2 ** -14) continue;
      expect(Math.abs(roundToFloat16(x) - x)).toBeLessThanOrEqual(2 ** -11 * x);
    }
  });
});
