/**
 * Writes an FKD label tree and a .fkdlabels bundle for the embedded Fashion-MNIST train images with the
 * studio's own writer (fkdTree.ts, src/core/labelBundle), for the Python tests (python/tests): they
 * torch.load every file and compare the recovered targets with the studio's (expected.json).
 *
 *   npx tsx tools/pytorch/exportTestTree.ts <out dir> [--per-class 32] [--crops 8] [--precision f32|f16]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeLabelBundle } from '../../src/core/labelBundle';
import { encodeLabelRecord } from '../../src/core/labelRecord';
import { fkdExportManifest } from '../../src/core/torchfile/exportDocs';
import { fkdLabelTypeName } from '../../src/core/torchfile/fkdFile';
import { buildFkdTree, fashionClasses } from './fkdTree';

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

const classes = fashionClasses();
const C = classes.length;
const tree = buildFkdTree(perClass, numCrops, precision);
for (const im of tree) {
  const target = join(out, im.label);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, im.file);
}
const images = tree.map((im, index) => ({
  index,
  path: im.path,
  classIndex: im.classIndex,
  width: 28,
  height: 28,
}));
const records = tree.map((im, imageIndex) => ({ imageIndex, record: encodeLabelRecord(im.record) }));
const expected = tree.map((im) => ({
  path: im.path,
  label: im.label,
  classIndex: im.classIndex,
  targets: im.targets.map((t) => Array.from(t)),
}));

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
    classes: classes.map((c) => ({ index: c.index, name: c.name })),
  },
  images,
};
const chunks = encodeLabelBundle(header, records);
writeFileSync(join(out, 'labels.fkdlabels'), Buffer.concat(chunks));
writeFileSync(
  join(out, 'fkd_studio.json'),
  fkdExportManifest({
    classes,
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
