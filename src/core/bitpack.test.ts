import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter, bitsFor } from './bitpack';

describe('bitpack', () => {
  it('bitsFor counts the bits of [0, max]', () => {
    expect([0, 1, 2, 3, 4, 255, 256, 999, 1023, 1024, 4096].map(bitsFor)).toEqual([
      0, 1, 2, 2, 3, 8, 9, 10, 10, 11, 13,
    ]);
    expect(() => bitsFor(-1)).toThrow();
  });

  it('round-trips random fields of 0..32 bits at any alignment', () => {
    let s = 12345;
    const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const fields: [number, number][] = [];
    let bits = 0;
    for (let i = 0; i < 5000; i++) {
      const w = Math.floor(rand() * 33);
      const v = w === 0 ? 0 : Math.floor(rand() * 2 ** w);
      fields.push([v, w]);
      bits += w;
    }
    const w = new BitWriter(Math.ceil(bits / 8));
    for (const [v, n] of fields) w.write(v, n);
    const bytes = w.finish();
    const r = new BitReader(bytes);
    for (const [v, n] of fields) expect(r.read(n)).toBe(v);
  });

  it('writes LSB-first (documented layout)', () => {
    const w = new BitWriter(2);
    w.write(0b101, 3);
    w.write(0b11111, 5);
    w.write(0b1, 1);
    expect(Array.from(w.finish())).toEqual([0b11111101, 0b1]);
  });

  it('rejects values that do not fit and reads past the end', () => {
    expect(() => new BitWriter(1).write(8, 3)).toThrow(/does not fit/);
    expect(() => new BitWriter(1).write(1.5, 3)).toThrow();
    const w = new BitWriter(1);
    w.write(3, 8);
    expect(() => w.write(1, 1)).toThrow(/overflow/);
    expect(() => new BitReader(new Uint8Array(1)).read(9)).toThrow(/past the end/);
  });

  it('writes a float32 as the same 32 bits as write(bits, 32), at any alignment', () => {
    const f = new Float32Array([0.1, 1, 0, 3.4e38, 1e-45, 0.73]);
    const bits = new Uint32Array(f.buffer);
    for (const shift of [0, 3, 7]) {
      const a = new BitWriter(32);
      const b = new BitWriter(32);
      a.write(shift === 0 ? 0 : 5, shift);
      b.write(shift === 0 ? 0 : 5, shift);
      for (let i = 0; i < f.length; i++) {
        a.writeFloat32(f[i]);
        b.write(bits[i], 32);
      }
      const bytes = a.finish();
      expect(Array.from(bytes)).toEqual(Array.from(b.finish()));
      const r = new BitReader(bytes);
      expect(r.read(shift)).toBe(shift === 0 ? 0 : 5);
      for (let i = 0; i < f.length; i++) expect(r.readFloat32()).toBe(f[i]);
    }
    expect(() => new BitWriter(3).writeFloat32(1)).toThrow(/overflow/);
  });
});
