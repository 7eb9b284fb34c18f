import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readTorchSaveContainer, writeTorchSaveContainer } from './container';
import { FkdFileError, readFkdLabelFile, writeFkdLabelFile, type FkdLabelKind } from './fkdFile';
import { unpickle } from './pickle';

const DIR = join(__dirname, '__fixtures__');
interface Expected {
  kind: FkdLabelKind;
  labelType: string;
  k: number;
  precision: 'f32' | 'f16';
  numCrops: number;
  coords: number[];
  flip: number[];
  indices: number[];
  probs: number[];
}
const fx = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  numClasses: number;
  good: Record<string, Expected>;
  bad: Record<string, string>;
};
const C = fx.numClasses;
const bytesOf = (dir: string, name: string) => new Uint8Array(readFileSync(join(DIR, dir, name)));
const kindOf = (e: Expected): FkdLabelKind => e.kind;

describe('FKD label files written by torch', () => {
  it('has a fixture for every label type in float32 and float16', () => {
    const names = readdirSync(join(DIR, 'good'));
    for (const t of ['hard', 'smoothing', 'marginal_smoothing_k5', 'marginal_renorm_k5', 'ori'])
      for (const p of ['f32', 'f16']) expect(names).toContain(`${t}_${p}.tar`);
  });

  for (const [name, e] of Object.entries(fx.good)) {
    it(`reads ${name} to torch.load's exact values`, () => {
      const f = readFkdLabelFile(bytesOf('good', name), name, { numClasses: C, labelKind: kindOf(e) });
      expect(f.kind).toBe(e.kind);
      expect(f.k).toBe(e.k);
      expect(f.precision).toBe(e.precision);
      expect(f.numCrops).toBe(e.numCrops);
      // Exact: float32/float16 widen to the same doubles Python printed.
      expect(Array.from(f.coords)).toEqual(e.coords);
      expect(Array.from(f.flip)).toEqual(e.flip);
      expect(Array.from(f.indices)).toEqual(e.indices);
      expect(Array.from(f.probs)).toEqual(e.probs);
    });
  }

  for (const name of Object.keys(fx.good).filter((n) => !n.startsWith('ms_k5_'))) {
    it(`writes ${name}'s data.pkl byte for byte as torch.save did`, () => {
      const e = fx.good[name];
      const f = readFkdLabelFile(bytesOf('good', name), name, { numClasses: C, labelKind: e.kind });
      const stem = name.replace(/\.tar$/, '');
      const ours = writeFkdLabelFile(f, stem);
      expect(readTorchSaveContainer(ours)).toEqual(readTorchSaveContainer(bytesOf('good', name)));
      expect(readFkdLabelFile(ours, name, { numClasses: C, labelKind: e.kind })).toEqual(f);
      const entries = unzipSync(ours);
      expect(Object.keys(entries)).toEqual([`${stem}/data.pkl`, `${stem}/byteorder`, `${stem}/version`]);
    });
  }

  it('starts every ZIP entry of a written file 64-byte aligned, as torch.save does', () => {
    const name = 'marginal_smoothing_k5_f32.tar';
    const f = readFkdLabelFile(bytesOf('good', name), name, { numClasses: C });
    const out = writeFkdLabelFile(f, 'x');
    let off = 0;
    for (let i = 0; i < 3; i++) {
      expect(out[off]).toBe(0x50);
      const dv = new DataView(out.buffer, out.byteOffset + off);
      const dataAt = off + 30 + dv.getUint16(26, true) + dv.getUint16(28, true);
      expect(dataAt % 64).toBe(0);
      off = dataAt + dv.getUint32(18, true);
    }
  });
});

describe('the torch.save ZIP writer', () => {
  /** The same archive built by fflate's zipSync: stored entries, 64-byte aligned by a padding field. */
  function fflateZip(prefix: string, pickle: Uint8Array): Uint8Array {
    const enc = new TextEncoder();
    const input: Parameters<typeof zipSync>[0] = {};
    let offset = 0;
    for (const [name, data] of [
      [`${prefix}/data.pkl`, pickle],
      [`${prefix}/byteorder`, enc.encode('little')],
      [`${prefix}/version`, enc.encode('3\n')],
    ] as const) {
      const headerEnd = offset + 30 + enc.encode(name).length + 4;
      const pad = (64 - (headerEnd % 64)) % 64;
      input[name] = [
        data,
        { level: 0, mtime: new Date(1980, 0, 1), extra: { 0x4246: new Uint8Array(pad).fill(0x5a) } },
      ];
      offset = headerEnd + pad + data.length;
    }
    return zipSync(input);
  }

  it('writes the bytes fflate writes for the same entries, at every pickle length and prefix', () => {
    for (const prefix of ['x', 'n01440764_10026', 'a longer stem with ünïcode']) {
      for (const n of [0, 1, 5, 63, 64, 65, 1000]) {
        const pickle = Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);
        expect(writeTorchSaveContainer(prefix, pickle)).toEqual(fflateZip(prefix, pickle));
      }
    }
  });

  it('writes every good fixture as the fflate-built archive of the same pickle', () => {
    for (const [name, e] of Object.entries(fx.good)) {
      const f = readFkdLabelFile(bytesOf('good', name), name, { numClasses: C, labelKind: e.kind });
      const ours = writeFkdLabelFile(f, 'stem');
      expect(ours).toEqual(fflateZip('stem', readTorchSaveContainer(ours)));
    }
  });
});

describe('hostile and broken files', () => {
  it('has a fixture for each kind of refusal the brief lists', () => {
    expect(Object.keys(fx.bad)).toEqual(
      expect.arrayContaining([
        'global_os_system.tar',
        'dict.tar',
        'truncated.tar',
        'coords_shape.tar',
        'index_out_of_range.tar',
        'nan.tar',
      ]),
    );
  });

  for (const [name, reason] of Object.entries(fx.bad)) {
    it(`refuses ${name}: ${reason}`, () => {
      const read = () => readFkdLabelFile(bytesOf('bad', name), `train/x/${name}`, { numClasses: C });
      expect(read).toThrow(FkdFileError);
      expect(read).toThrow(`train/x/${name}: `);
      expect(read).toThrow(reason);
    });
  }

  it('refuses a global outside the allowlist before it could be called', () => {
    // GLOBAL posix.system; the interpreter must stop at the GLOBAL, not at the REDUCE.
    const pkl = Uint8Array.from('\x80\x02cposix\nsystem\n', (c) => c.charCodeAt(0));
    expect(() => unpickle(pkl)).toThrow("global 'posix.system'");
  });

  it('reports a truncated pickle as truncated', () => {
    const name = 'hard_f32.tar';
    const pkl = readTorchSaveContainer(bytesOf('good', name));
    expect(() => unpickle(pkl.subarray(0, pkl.length - 40))).toThrow(/truncated|underflow/);
  });
});
