/**
 * An FKD label tree for the embedded Fashion-MNIST train images, written with the studio's own writer
 * (src/core/torchfile): used by the Python tests (exportTestTree.ts) and the interop e2e spec. The labels
 * come from a seeded stand-in teacher (the true class's logit raised by 3, plus uniform noise), not from
 * a trained model: these checks are about the format and the loaders, not about the teacher.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sampleCropBoxes, toPixelBox } from '../../src/core/cropBox';
import { LABEL_RECORD_VERSION, type LabelRecord } from '../../src/core/labelRecord';
import { Rng } from '../../src/core/rng';
import { encodeSoftLabel, recoverSoftLabel, softmax, type CodecSpec } from '../../src/core/softLabel';
import { fkdLabelPath, recordToFkd } from '../../src/core/torchfile/convert';
import { writeFkdLabelFile } from '../../src/core/torchfile/fkdFile';

export const DATASETS = join(dirname(new URL(import.meta.url).pathname), '..', '..', 'public', 'datasets');

export interface EmbeddedClass {
  index: number;
  folder: string;
  name: string;
}

export function fashionClasses(): EmbeddedClass[] {
  const m = JSON.parse(readFileSync(join(DATASETS, 'index.json'), 'utf8')) as {
    datasets: { id: string; classes: EmbeddedClass[] }[];
  };
  return m.datasets.find((d) => d.id === 'fashion-mnist')!.classes;
}

export interface TreeImage {
  /** Dataset path, train/<class folder>/<file>. */
  path: string;
  /** Label file path in the tree, train/<class folder>/<stem>.tar. */
  label: string;
  classIndex: number;
  record: LabelRecord;
  file: Uint8Array;
  /** The studio's recovered target of each crop. */
  targets: Float32Array[];
}

/** `perClass` images per class (sorted file names; Infinity = all), `numCrops` crops each, MS top-5. */
export function buildFkdTree(
  perClass: number,
  numCrops: number,
  precision: 'f32' | 'f16' = 'f32',
): TreeImage[] {
  const W = 28;
  const H = 28;
  const classes = fashionClasses();
  const spec: CodecSpec = { codec: 'msTopK', k: 5, precision, numClasses: classes.length };
  const out: TreeImage[] = [];
  for (const cls of classes) {
    const names = readdirSync(join(DATASETS, 'fashion-mnist', 'train', cls.folder))
      .sort()
      .slice(0, perClass);
    for (const file of names) {
      const path = `train/${cls.folder}/${file}`;
      const rng = new Rng(7).fork(path);
      const boxes = sampleCropBoxes(rng, W, H, numCrops, { scale: [0.08, 1] });
      const record: LabelRecord = {
        version: LABEL_RECORD_VERSION,
        spec,
        imageWidth: W,
        imageHeight: H,
        numCrops,
        boxes: new Int32Array(4 * numCrops),
        flips: Uint8Array.from(boxes, (b) => (b.flip ? 1 : 0)),
        indices: new Uint16Array(5 * numCrops),
        probs: new Float32Array(5 * numCrops),
      };
      const targets: Float32Array[] = [];
      boxes.forEach((b, i) => {
        const p = toPixelBox(b, W, H);
        record.boxes.set([p.top, p.left, p.height, p.width], 4 * i);
        const logits = Array.from(
          { length: classes.length },
          (_, c) => (c === cls.index ? 3 : 0) + 2 * rng.uniform(),
        );
        const e = encodeSoftLabel(softmax(logits), spec);
        record.indices.set(e.indices, 5 * i);
        record.probs.set(e.probs, 5 * i);
        targets.push(recoverSoftLabel(e, spec));
      });
      const fileBytes = writeFkdLabelFile(recordToFkd(record, precision), file.split('.')[0]);
      out.push({ path, label: fkdLabelPath(path), classIndex: cls.index, record, file: fileBytes, targets });
    }
  }
  return out;
}
