import { describe, expect, it } from 'vitest';
import type { LabelRecord } from './labelRecord';
import {
  LABEL_RECORD_HEADER_BYTES,
  decodeLabelRecord,
  encodeLabelRecord,
  recordByteLength,
  recordCropBoxes,
  recordEncodedLabel,
} from './labelRecord';
import type { CodecSpec } from './softLabel';
import { mulberry32 } from './mulberry32';
import { CODECS, PRECISIONS, encodeSoftLabel, recoverSoftLabel, softmax, storedK } from './softLabel';

/** A record like the generator writes: random pixel boxes, random flips, teacher probs per crop. */
function makeRecord(spec: CodecSpec, numCrops: number, w: number, h: number, seed: number) {
  const r = mulberry32(seed);
  const k = storedK(spec);
  const boxes = new Int32Array(4 * numCrops);
  const flips = new Uint8Array(numCrops);
  const indices = new Uint16Array(numCrops * k);
  const probs = new Float32Array(numCrops * k);
  const teacher: Float32Array[] = [];
  for (let i = 0; i < numCrops; i++) {
    const ch = 1 + Math.floor(r() * h);
    const cw = 1 + Math.floor(r() * w);
    boxes.set([Math.floor(r() * (h - ch + 1)), Math.floor(r() * (w - cw + 1)), ch, cw], 4 * i);
    flips[i] = r() < 0.5 ? 1 : 0;
    const sharp = 1 + 8 * r();
    const p = softmax(Array.from({ length: spec.numClasses }, () => (r() - 0.5) * sharp));
    teacher.push(p);
    const enc = encodeSoftLabel(p, spec);
    indices.set(enc.indices, i * k);
    probs.set(enc.probs, i * k);
  }
  const record: LabelRecord = {
    version: 1,
    spec: { ...spec, k },
    imageWidth: w,
    imageHeight: h,
    numCrops,
    boxes,
    flips,
    indices,
    probs,
  };
  return { record, teacher };
}

describe('label record size and accuracy target', () => {
  it('MS top-5, C=1000, q8, 500 crops of a 500x375 image: <= 18 B/crop, recovered error <= 1e-3', () => {
    const spec: CodecSpec = { codec: 'msTopK', k: 5, precision: 'q8', numClasses: 1000 };
    const { record, teacher } = makeRecord(spec, 500, 500, 375, 1);
    const bytes = encodeLabelRecord(record);
    const perCrop = (bytes.length - LABEL_RECORD_HEADER_BYTES) / 500;
    expect(perCrop).toBeLessThanOrEqual(18);
    expect(bytes.length / 500).toBeLessThanOrEqual(18); // the header amortised as well
    expect(bytes.length).toBe(recordByteLength(spec, 500, 500, 375));
    const back = decodeLabelRecord(bytes);
    let worst = 0;
    for (let i = 0; i < 500; i++) {
      const f32Spec = { ...spec, precision: 'f32' as const };
      const exact = recoverSoftLabel(encodeSoftLabel(teacher[i], f32Spec), f32Spec);
      const q = recoverSoftLabel(recordEncodedLabel(back, i), back.spec);
      for (let c = 0; c < 1000; c++) worst = Math.max(worst, Math.abs(q[c] - exact[c]));
    }
    expect(worst).toBeLessThanOrEqual(1e-3);
    expect(worst).toBeGreaterThan(1e-4); // quantisation is really applied
  });

  it('ImageNet-sized images (4096 px, 12-bit boxes) still fit 18 bytes per crop', () => {
    const spec: CodecSpec = { codec: 'msTopK', k: 5, precision: 'q8', numClasses: 1000 };
    expect((recordByteLength(spec, 500, 4096, 4096) - LABEL_RECORD_HEADER_BYTES) / 500).toBeLessThanOrEqual(
      18,
    );
  });
});

describe('label record round trip', () => {
  for (const codec of CODECS) {
    for (const precision of PRECISIONS) {
      for (const numClasses of [10, 1000]) {
        it(`${codec} ${precision} C=${numClasses}`, () => {
          const spec: CodecSpec = { codec, k: codec === 'msTopK' ? 5 : 3, precision, numClasses };
          const { record } = makeRecord(spec, numClasses === 10 ? 40 : 6, 640, 480, numClasses);
          const back = decodeLabelRecord(encodeLabelRecord(record));
          expect(back).toEqual(record);
        });
      }
    }
  }

  it('an empty record round-trips', () => {
    const spec: CodecSpec = { codec: 'msTopK', k: 5, precision: 'f16', numClasses: 1000 };
    const { record } = makeRecord(spec, 0, 10, 10, 2);
    expect(decodeLabelRecord(encodeLabelRecord(record))).toEqual(record);
  });

  it('crop boxes come back as (top/H, left/W, h/H, w/W) fractions with flips', () => {
    const spec: CodecSpec = { codec: 'hard', k: 1, precision: 'f32', numClasses: 10 };
    const { record } = makeRecord(spec, 2, 400, 300, 3);
    record.boxes.set([30, 40, 150, 200, 0, 0, 300, 400]);
    record.flips.set([1, 0]);
    expect(recordCropBoxes(decodeLabelRecord(encodeLabelRecord(record)))).toEqual([
      { top: 0.1, left: 0.1, height: 0.5, width: 0.5, flip: true },
      { top: 0, left: 0, height: 1, width: 1, flip: false },
    ]);
  });
});

describe('label record byte layout (docs/label-record.md)', () => {
  it('writes the documented header and LSB-first crop rows', () => {
    const record: LabelRecord = {
      version: 1,
      spec: { codec: 'hard', k: 1, precision: 'f32', numClasses: 4 },
      imageWidth: 3,
      imageHeight: 3,
      numCrops: 1,
      boxes: Int32Array.of(1, 2, 2, 1),
      flips: Uint8Array.of(1),
      indices: Uint16Array.of(3),
      probs: Float32Array.of(1),
    };
    const b = encodeLabelRecord(record);
    const dv = new DataView(b.buffer);
    expect(String.fromCharCode(...b.subarray(0, 4))).toBe('FKDL');
    expect([dv.getUint16(4, true), dv.getUint16(6, true), b[8], b[9], b[10], b[11], b[12]]).toEqual([
      1, 52, 0, 0, 2, 2, 2,
    ]);
    expect([16, 20, 24, 28, 32, 36, 40, 44].map((o) => dv.getUint32(o, true))).toEqual([
      1, 4, 1, 3, 3, 0, 11, 2,
    ]);
    // top=1 | left=2<<2 | (height-1)=1<<4 | (width-1)=0<<6 = 25; flip=1 | index=3<<1 = 7.
    expect(Array.from(b.subarray(52))).toEqual([25, 7]);
  });
});

describe('label record validation', () => {
  const spec: CodecSpec = { codec: 'msTopK', k: 5, precision: 'q8', numClasses: 1000 };
  const { record } = makeRecord(spec, 20, 500, 375, 4);
  const bytes = encodeLabelRecord(record);

  it('truncated input throws a clear error at every length', () => {
    for (const len of [0, 3, 10, 51, 52, 53, bytes.length - 1]) {
      expect(() => decodeLabelRecord(bytes.slice(0, len))).toThrow(/truncated/);
    }
  });

  it('any single flipped bit is detected', () => {
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 1 << (i % 8);
      expect(() => decodeLabelRecord(bad), `byte ${i}`).toThrow(/label record|FKD label/);
    }
  });

  it('reports magic, version and trailing bytes', () => {
    const bad = bytes.slice();
    bad[0] = 0x58;
    expect(() => decodeLabelRecord(bad)).toThrow(/not an FKD label record/);
    const v2 = bytes.slice();
    v2[4] = 3;
    expect(() => decodeLabelRecord(v2)).toThrow(/unsupported label record version 3/);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(() => decodeLabelRecord(longer)).toThrow(/trailing/);
  });

  it('refuses to write invalid records', () => {
    const boxes = record.boxes.slice();
    boxes[0] = 370; // top + height beyond the image
    boxes[2] = 10;
    expect(() => encodeLabelRecord({ ...record, boxes })).toThrow(/outside the 500x375 image/);
    expect(() => encodeLabelRecord({ ...record, flips: new Uint8Array(3) })).toThrow(/flips has length 3/);
    const probs = record.probs.slice();
    probs[1] = 0.9; // slot 2 above 1/2: not a sorted top-k distribution
    expect(() => encodeLabelRecord({ ...record, probs })).toThrow(/sorted descending/);
    const indices = record.indices.slice();
    indices[0] = 1000;
    expect(() => encodeLabelRecord({ ...record, indices })).toThrow(/class index 1000/);
  });
});
