/**
 * Writes an FKD label tree and a .fkdlabels bundle for the embedded Fashion-MNIST train images with the
 * studio's own writer (src/core/torchfile, src/core/labelBundle), for the Python tests (python/tests):
 * they torch.load every file and compare the recovered targets with the studio's (expected.json).
 *
 *   npx tsx tools/pytorch/exportTestTree.ts <out dir> [--per-class 32] [--crops 8] [--precision f32|f16]
 *
 * The labels come from a seeded stand-in teacher (the true class's logit raised by 3 plus uniform
 * noise), not from a trained model: the tests check the format and the loader, not the teacher.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sampleCropBoxes, toPixelBox } from '../../src/core/cropBox';
import { encodeLabelBundle, type BundleImage } from '../../src/core/labelBundle';
import { LABEL_RECORD_VERSION, encodeLabelRecord, type LabelRecord } from '../../src/core/labelRecord';
import { Rng } from '../../src/core/rng';
import { encodeSoftLabel, recoverSoftLabel, softmax, type CodecSpec } from '../../src/core/softLabel';
import { fkdLabelPath, recordToFkd } from '../../src/core/torchfile/convert';
import { fkdExportManifest } from '../../src/core/torchfile/exportDocs';
import { fkdLabelTypeName, writeFkdLabelFile } from '../../src/core/torchfile/fkdFile';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..', 'public', 'datasets');
const args = process.argv.slice(2);
const out = args[0];
if (!out)
  throw new Error('usage: exportTestTree.ts <out dir> [--per-class N] [--crops N] [--precision f32|f16]');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i > 0 ? args[i + 1] : dflt;
};
const perClass = Number(opt('per-class', '32'));
const numCrops = Number(opt('crops', '8'));
const precision = opt('precision', 'f32') as 'f32' | 'f16';

interface Manifest {
  datasets: {
    id: string;
    root: string;
    numClasses: number;
    classes: { index: number; folder: string; name: string }[];
  }[];
}
const ds = (JSON.parse(readFileSync(join(ROOT, 'index.json'), 'utf8')) as Manifest).datasets.find(
  (d) => d.id === 'fashion-mnist',
)!;
const C = ds.numClasses;
const spec: CodecSpec = { codec: 'msTopK', k: 5, precision, numClasses: C };
const W = 28;
const H = 28;

const images: BundleImage[] = [];
const records: { imageIndex: number; record: Uint8Array }[] = [];
const expected: { path: string; label: string; classIndex: number; targets: number[][] }[] = [];
for (const cls of ds.classes) {
  const files = readdirSync(join(ROOT, 'fashion-mnist', 'train', cls.folder))
    .sort()
    .slice(0, perClass);
  for (const file of files) {
    const path = `train/${cls.folder}/${file}`;
    const rng = new Rng(7).fork(path);
    const boxes = sampleCropBoxes(rng, W, H, numCrops, { scale: [0.08, 1] });
    const rec: LabelRecord = {
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
    const targets: number[][] = [];
    boxes.forEach((b, i) => {
      const p = toPixelBox(b, W, H);
      rec.boxes.set([p.top, p.left, p.height, p.width], 4 * i);
      const logits = Array.from({ length: C }, (_, c) => (c === cls.index ? 3 : 0) + 2 * rng.uniform());
      const e = encodeSoftLabel(softmax(logits), spec);
      rec.indices.set(e.indices, 5 * i);
      rec.probs.set(e.probs, 5 * i);
      targets.push(Array.from(recoverSoftLabel(e, spec)));
    });
    const target = join(out, fkdLabelPath(path));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, writeFkdLabelFile(recordToFkd(rec, precision), file.split('.')[0]));
    const imageIndex = images.length;
    images.push({ index: imageIndex, path, classIndex: cls.index, width: W, height: H });
    records.push({ imageIndex, record: encodeLabelRecord(rec) });
    expected.push({ path, label: fkdLabelPath(path), classIndex: cls.index, targets });
  }
}

const header = {
  labelSet: {
    id: 'labels:python-test',
    name: 'python test labels',
    teacherId: 'stand-in',
    settings: {
      numCrops,
      codec: 'msTopK',
      k: 5,
      precision,
      temperature: 1,
      scale: [0.08, 1] as [number, number],
      ratio: [0.75, 4 / 3] as [number, number],
      seed: 7,
      inputSize: 28,
    },
    imagesTotal: images.length,
    createdAt: 0,
  },
  numClasses: C,
  dataset: {
    id: 'embedded:fashion-mnist',
    name: 'Fashion-MNIST 2k',
    counts: { train: 2000, val: 500 },
    classes: ds.classes.map((c) => ({ index: c.index, name: c.name })),
  },
  images,
};
const chunks = encodeLabelBundle(header, records);
writeFileSync(join(out, 'labels.fkdlabels'), Buffer.concat(chunks));
writeFileSync(
  join(out, 'fkd_studio.json'),
  fkdExportManifest({
    classes: ds.classes,
    numClasses: C,
    numCrops,
    labelType: fkdLabelTypeName('marginal_smoothing', 5),
    precision,
  }),
);
writeFileSync(
  join(out, 'expected.json'),
  JSON.stringify({
    numClasses: C,
    numCrops,
    precision,
    labelType: fkdLabelTypeName('marginal_smoothing', 5),
    images: expected,
  }),
);
console.log(
  `wrote ${images.length} FKD label files (${numCrops} crops, ${precision}) and a bundle to ${out}`,
);
