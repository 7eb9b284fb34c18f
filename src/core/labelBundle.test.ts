import { describe, expect, it } from 'vitest';
import {
  LABEL_BUNDLE_PREFIX_BYTES,
  LabelBundleWriter,
  concatChunks,
  decodeLabelBundle,
  encodeLabelBundle,
  type BundleRecord,
  type LabelBundleHeader,
} from './labelBundle';
import { crc32 } from './crc32';
import { decodeLabelRecord, encodeLabelRecord } from './labelRecord';
import { Rng } from './rng';

function header(images: number[]): LabelBundleHeader {
  return {
    labelSet: {
      id: 'labels:abc',
      name: 'fashion MS top-5',
      teacherId: 'embedded:fashion-teacher',
      settings: {
        numCrops: 3,
        codec: 'msTopK',
        k: 5,
        precision: 'q8',
        temperature: 1,
        scale: [0.35, 1],
        ratio: [0.75, 4 / 3],
        seed: 7,
        inputSize: 28,
      },
      imagesTotal: images.length,
      createdAt: 1700000000000,
    },
    numClasses: 10,
    dataset: {
      id: 'embedded:fashion-mnist-2k',
      name: 'Fashion-MNIST 2k',
      counts: { train: images.length, val: 0 },
      classes: Array.from({ length: 10 }, (_, i) => ({
        index: i,
        name: `class ${i}`,
        ...(i === 3 ? { wnid: 'n0001' } : {}),
      })),
    },
    images: images.map((index) => ({
      index,
      path: `train/${index % 10}/${index}.png`,
      classIndex: index % 10,
    })),
    exportedBy: 'test',
  };
}

/** A real FKDL record (MS top-5, q8, 3 crops of a 28x28 image) with labels drawn from `rng`. */
function record(rng: Rng): Uint8Array {
  const n = 3;
  const indices = new Uint16Array(n * 5);
  const probs = new Float32Array(n * 5);
  for (let c = 0; c < n; c++) {
    const perm = rng.permutation(10);
    for (let j = 0; j < 5; j++) {
      indices[c * 5 + j] = perm[j];
      probs[c * 5 + j] = [500, 200, 100, 50, 20][j] / 1023;
    }
  }
  return encodeLabelRecord({
    version: 1,
    spec: { codec: 'msTopK', k: 5, precision: 'q8', numClasses: 10 },
    imageWidth: 28,
    imageHeight: 28,
    numCrops: n,
    boxes: Int32Array.from({ length: 4 * n }, (_, i) => [rng.int(0, 10), rng.int(0, 10), 14, 14][i % 4]),
    flips: Uint8Array.from({ length: n }, () => (rng.bernoulli(0.5) ? 1 : 0)),
    indices,
    probs,
  });
}

function sample(count: number, seed = 1): { h: LabelBundleHeader; recs: BundleRecord[] } {
  const rng = new Rng(seed);
  const recs = Array.from({ length: count }, (_, i) => ({ imageIndex: i * 2 + 1, record: record(rng) }));
  return { h: header(recs.map((r) => r.imageIndex)), recs };
}

describe('label bundle', () => {
  it('round-trips header and records byte for byte', () => {
    const { h, recs } = sample(5);
    const bytes = concatChunks(encodeLabelBundle(h, recs));
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('FKDB');
    const out = decodeLabelBundle(bytes);
    expect(out.version).toBe(1);
    expect(out.header).toEqual(h);
    expect(out.records.map((r) => r.imageIndex)).toEqual(recs.map((r) => r.imageIndex));
    out.records.forEach((r, i) => {
      expect(r.record).toEqual(recs[i].record);
      expect(r.record.buffer.byteLength).toBe(r.record.byteLength); // a copy, not a view of the file
      expect(decodeLabelRecord(r.record).numCrops).toBe(3);
    });
  });

  it('follows the documented layout', () => {
    const { h, recs } = sample(1);
    const bytes = concatChunks(encodeLabelBundle(h, recs));
    const dv = new DataView(bytes.buffer);
    const json = new TextEncoder().encode(JSON.stringify(h));
    expect(dv.getUint16(4, true)).toBe(1);
    expect(dv.getUint16(6, true)).toBe(0);
    expect(dv.getUint32(8, true)).toBe(json.length);
    let p = LABEL_BUNDLE_PREFIX_BYTES + json.length;
    expect(dv.getUint32(p, true)).toBe(recs[0].imageIndex);
    expect(dv.getUint32(p + 4, true)).toBe(recs[0].record.length);
    p += 8 + recs[0].record.length;
    expect(dv.getUint32(p, true)).toBe(0xffffffff);
    expect(dv.getUint32(p + 4, true)).toBe(1);
    expect(dv.getUint32(p + 8, true)).toBe(crc32(bytes.subarray(0, p + 8)));
    expect(bytes.length).toBe(p + 12);
  });

  it('handles an empty set', () => {
    const h = header([]);
    const out = decodeLabelBundle(concatChunks(encodeLabelBundle(h, [])));
    expect(out.records).toEqual([]);
    expect(out.header.images).toEqual([]);
  });

  it('streams 2,000 records in bounded chunks and decodes them all', () => {
    const { h, recs } = sample(2000, 3);
    const chunks = encodeLabelBundle(h, recs, 4096);
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks.slice(0, -1)) expect(c.length).toBe(4096);
    const bytes = concatChunks(chunks);
    const total = recs.reduce((n, r) => n + r.record.length + 8, 0);
    expect(bytes.length).toBe(12 + new TextEncoder().encode(JSON.stringify(h)).length + total + 12);
    const out = decodeLabelBundle(bytes);
    expect(out.records).toHaveLength(2000);
    out.records.forEach((r, i) => {
      expect(r.imageIndex).toBe(recs[i].imageIndex);
      expect(r.record).toEqual(recs[i].record);
    });
    // The chunked writer and a single-chunk writer produce the same bytes.
    expect(concatChunks(encodeLabelBundle(h, recs, 1 << 24))).toEqual(bytes);
  });

  it('detects every single corrupted byte', () => {
    const { h, recs } = sample(3);
    const bytes = concatChunks(encodeLabelBundle(h, recs));
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = bytes.slice();
        bad[i] ^= mask;
        expect(() => decodeLabelBundle(bad), `byte ${i} ^ ${mask}`).toThrow(
          /^(not an FKD label bundle|unsupported label bundle version|label bundle (truncated|corrupt))/,
        );
      }
    }
  });

  it('detects every truncation and trailing bytes', () => {
    const { h, recs } = sample(2);
    const bytes = concatChunks(encodeLabelBundle(h, recs));
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decodeLabelBundle(bytes.subarray(0, n)), `length ${n}`).toThrow(
        /^label bundle (truncated|corrupt)/,
      );
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decodeLabelBundle(longer)).toThrow(/label bundle corrupt: 1 unexpected trailing bytes/);
  });

  it('gives clear messages for bad magic, version and checksum', () => {
    const { h, recs } = sample(2);
    const bytes = concatChunks(encodeLabelBundle(h, recs));
    const magic = bytes.slice();
    magic[3] = 'L'.charCodeAt(0);
    expect(() => decodeLabelBundle(magic)).toThrow("not an FKD label bundle (magic 'FKDL', expected 'FKDB')");
    const version = bytes.slice();
    version[4] = 2;
    expect(() => decodeLabelBundle(version)).toThrow(
      'unsupported label bundle version 2 (this build reads 1)',
    );
    const body = bytes.slice();
    body[body.length - 40] ^= 4; // inside the last record
    expect(() => decodeLabelBundle(body)).toThrow(/label bundle corrupt: checksum mismatch/);
    const json = bytes.slice();
    json[LABEL_BUNDLE_PREFIX_BYTES + 3] ^= 1;
    expect(() => decodeLabelBundle(json)).toThrow(/checksum mismatch/);
    expect(() => decodeLabelBundle(new Uint8Array([0x50, 0x4b, 3, 4]))).toThrow(/not an FKD label bundle/);
  });

  it('refuses records without an identity, duplicates and bad headers when writing', () => {
    const { h, recs } = sample(2);
    const w = new LabelBundleWriter(h);
    w.push(1, recs[0].record);
    expect(() => w.push(1, recs[0].record)).toThrow(/written twice/);
    expect(() => encodeLabelBundle({ ...h, numClasses: 1 }, recs)).toThrow(/invalid header: numClasses/);
    expect(() => new LabelBundleWriter(h).push(-1, recs[0].record)).toThrow(/imageIndex -1/);
    // A record whose imageIndex the header does not list is written but refused on read.
    const orphan = concatChunks(encodeLabelBundle(h, [...recs, { imageIndex: 99, record: recs[0].record }]));
    expect(() => decodeLabelBundle(orphan)).toThrow(/image 99 has no entry/);
  });
});
