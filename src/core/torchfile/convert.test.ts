import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleCropBoxes, toPixelBox } from '../cropBox';
import { LABEL_RECORD_VERSION, decodeLabelRecord, encodeLabelRecord, type LabelRecord } from '../labelRecord';
import { Rng } from '../rng';
import { encodeSoftLabel, recoverSoftLabel, softmax, type CodecSpec } from '../softLabel';
import { kindForCodec, fkdKeyOfLabelPath, fkdLabelPath, fkdStem, fkdToRecord, recordToFkd } from './convert';
import { readFkdLabelFile, writeFkdLabelFile, type FkdLabelKind } from './fkdFile';

const DIR = join(__dirname, '__fixtures__');
const fx = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  good: Record<string, { kind: FkdLabelKind }>;
};

function studioRecord(spec: CodecSpec, n: number, W: number, H: number, seed: number): LabelRecord {
  const rng = new Rng(seed);
  const boxes = sampleCropBoxes(rng, W, H, n);
  const px = new Int32Array(4 * n);
  const indices: number[] = [];
  const probs: number[] = [];
  boxes.forEach((b, i) => {
    const p = toPixelBox(b, W, H);
    px.set([p.top, p.left, p.height, p.width], 4 * i);
    const logits = Array.from({ length: spec.numClasses }, () => 3 * rng.uniform());
    const e = encodeSoftLabel(softmax(logits), spec);
    indices.push(...e.indices);
    probs.push(...e.probs);
  });
  return {
    version: LABEL_RECORD_VERSION,
    spec,
    imageWidth: W,
    imageHeight: H,
    numCrops: n,
    boxes: px,
    flips: Uint8Array.from(boxes, (b) => (b.flip ? 1 : 0)),
    indices: Uint16Array.from(indices),
    probs: Float32Array.from(probs),
  };
}

describe('studio record <-> FKD file', () => {
  const cases: CodecSpec[] = [
    { codec: 'msTopK', k: 5, precision: 'f32', numClasses: 1000 },
    { codec: 'msTopK', k: 5, precision: 'f16', numClasses: 10 },
    { codec: 'mrTopK', k: 5, precision: 'f32', numClasses: 10 },
    { codec: 'smoothing', k: 1, precision: 'f32', numClasses: 10 },
    { codec: 'hard', k: 1, precision: 'f32', numClasses: 10 },
    { codec: 'full', k: 10, precision: 'f32', numClasses: 10 },
  ];
  for (const spec of cases) {
    it(`${spec.codec} ${spec.precision}: export then import gives the same record`, () => {
      const rec = decodeLabelRecord(encodeLabelRecord(studioRecord(spec, 20, 500, 375, 3)));
      const file = writeFkdLabelFile(recordToFkd(rec, spec.precision === 'f16' ? 'f16' : 'f32'), 'n01_1');
      const back = readFkdLabelFile(file, 'n01_1.tar', {
        numClasses: spec.numClasses,
        labelKind: kindForCodec(spec.codec),
      });
      const { record, maxSnapPx } = fkdToRecord(back, 500, 375, spec.numClasses);
      // float16 fractions of a 500-px side are off by up to 500·2^-12 px, still far from a rounding edge.
      expect(maxSnapPx).toBeLessThan(spec.precision === 'f16' ? 0.125 : 1e-3);
      expect(decodeLabelRecord(encodeLabelRecord(record))).toEqual(rec);
    });
  }

  it('rounds q8 probabilities to float32 of c / M, which rebuilds the same target within 1e-6', () => {
    const spec: CodecSpec = { codec: 'msTopK', k: 5, precision: 'q8', numClasses: 100 };
    const rec = studioRecord(spec, 8, 64, 48, 5);
    const f = readFkdLabelFile(writeFkdLabelFile(recordToFkd(rec), 'x'), 'x.tar');
    for (let i = 0; i < 8; i++) {
      const a = recoverSoftLabel(
        { indices: rec.indices.subarray(5 * i, 5 * i + 5), probs: rec.probs.subarray(5 * i, 5 * i + 5) },
        spec,
      );
      const b = recoverSoftLabel(
        { indices: f.indices.subarray(5 * i, 5 * i + 5), probs: f.probs.subarray(5 * i, 5 * i + 5) },
        { ...spec, precision: 'f32' },
      );
      for (let c = 0; c < 100; c++) expect(Math.abs(a[c] - b[c])).toBeLessThan(1e-6);
    }
  });

  for (const [name, e] of Object.entries(fx.good)) {
    it(`imports torch's ${name} into a valid record with the same labels`, () => {
      const f = readFkdLabelFile(new Uint8Array(readFileSync(join(DIR, 'good', name))), name, {
        numClasses: 10,
        labelKind: e.kind,
      });
      const { record, maxSnapPx } = fkdToRecord(f, 13, 7, 10);
      // The fixtures are integer boxes of a 13x7 image; float16 fractions still snap back within 0.01 px.
      expect(maxSnapPx).toBeLessThan(0.01);
      const back = decodeLabelRecord(encodeLabelRecord(record));
      expect(back.probs).toEqual(f.probs);
      expect(back.indices).toEqual(f.indices);
    });
  }
});

describe('FKD tree paths', () => {
  it('uses the class folder and the text before the first dot', () => {
    expect(fkdStem('n01440764_10026.JPEG')).toBe('n01440764_10026');
    expect(fkdStem('a.b.c')).toBe('a');
    expect(fkdLabelPath('train/n01440764/n01440764_10026.JPEG')).toBe('train/n01440764/n01440764_10026.tar');
    expect(fkdLabelPath('shirt/img.7.png')).toBe('train/shirt/img.tar');
  });
  it("reads FKD's three levels and Fast MEAL V2's four, nothing else", () => {
    expect(fkdKeyOfLabelPath('train/n01/x_1.tar')).toBe('n01/x_1');
    expect(fkdKeyOfLabelPath('imagenet/train/n01/x_1.tar')).toBe('n01/x_1');
    expect(fkdKeyOfLabelPath('val/n01/x_1.tar')).toBeUndefined();
    expect(fkdKeyOfLabelPath('a/b/train/n01/x_1.tar')).toBeUndefined();
    expect(fkdKeyOfLabelPath('train/n01/x_1.txt')).toBeUndefined();
  });
});
