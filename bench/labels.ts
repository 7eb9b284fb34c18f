/**
 * Label-record benchmark (pure CPU, Node): `npx tsx bench/labels.ts`.
 *
 * For C = 10 and C = 1000, two seeded teacher distributions (random: softmax of N(0, 2²) logits;
 * peaked: N(0, 1) logits plus 10 on one random class), every codec (hard, smoothing, MS top-5/10,
 * MR top-5, full) and precision (f32, f16, q16, q8), it encodes 500 crops of a 500×375 image into one
 * label record (src/core/labelRecord.ts) and reports:
 * - bytes per crop of the record (header included),
 * - the recovered target's error against the float32 softmax: max over crops and classes of |q − p|,
 *   and the mean over crops of each crop's max |q − p| (codec loss + precision loss together),
 * - encode throughput (encodeSoftLabel + encodeLabelRecord) and decode throughput (decodeLabelRecord +
 *   recoverSoftLabel of every crop), in crops/s (best of 5 windows of ≥ 40 ms, single thread).
 *
 * Output: a readable table, then as the LAST line one JSON object with every figure.
 */
import { toPixelBox, sampleCropBoxes } from '../src/core/cropBox';
import {
  decodeLabelRecord,
  encodeLabelRecord,
  recordEncodedLabel,
  type LabelRecord,
} from '../src/core/labelRecord';
import { Rng } from '../src/core/rng';
import {
  encodeSoftLabel,
  recoverSoftLabel,
  softmax,
  storedK,
  type Codec,
  type CodecSpec,
  type Precision,
} from '../src/core/softLabel';

const CROPS = 500;
const W = 500;
const H = 375;
const SEED = 20220708;
const WINDOWS = 5;
const WINDOW_MS = 40;
const MAX_REPS = 100;

const CLASSES = [10, 1000];
const DISTS = ['random', 'peaked'] as const;
const CODECS: { name: string; codec: Codec; k: number }[] = [
  { name: 'hard', codec: 'hard', k: 1 },
  { name: 'smoothing', codec: 'smoothing', k: 1 },
  { name: 'msTopK5', codec: 'msTopK', k: 5 },
  { name: 'msTopK10', codec: 'msTopK', k: 10 },
  { name: 'mrTopK5', codec: 'mrTopK', k: 5 },
  { name: 'full', codec: 'full', k: 0 },
];
const PRECISIONS: Precision[] = ['f32', 'f16', 'q16', 'q8'];

interface Row {
  numClasses: number;
  dist: (typeof DISTS)[number];
  codec: string;
  precision: Precision;
  recordBytes: number;
  bytesPerCrop: number;
  maxErr: number;
  meanErr: number;
  encodeCropsPerSec: number;
  decodeCropsPerSec: number;
}

function normal(rng: Rng): number {
  // Box–Muller; 1 − u keeps the log argument in (0, 1].
  const u = 1 - rng.uniform();
  const v = rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function teacher(numClasses: number, dist: Row['dist'], stream: number): Float32Array[] {
  const rng = new Rng(SEED, stream);
  return Array.from({ length: CROPS }, () => {
    const logits = new Float64Array(numClasses);
    for (let c = 0; c < numClasses; c++) logits[c] = normal(rng) * (dist === 'random' ? 2 : 1);
    if (dist === 'peaked') logits[rng.int(0, numClasses - 1)] += 10;
    return softmax(logits);
  });
}

function boxesOf(stream: number): { boxes: Int32Array; flips: Uint8Array } {
  const crops = sampleCropBoxes(new Rng(SEED, stream), W, H, CROPS);
  const boxes = new Int32Array(4 * CROPS);
  crops.forEach((b, i) => {
    const p = toPixelBox(b, W, H);
    boxes.set([p.top, p.left, p.height, p.width], 4 * i);
  });
  return { boxes, flips: Uint8Array.from(crops, (b) => (b.flip ? 1 : 0)) };
}

function encode(
  probs: Float32Array[],
  spec: CodecSpec,
  geo: { boxes: Int32Array; flips: Uint8Array },
): Uint8Array {
  const k = storedK(spec);
  const indices = new Uint16Array(CROPS * k);
  const stored = new Float32Array(CROPS * k);
  for (let i = 0; i < CROPS; i++) {
    const enc = encodeSoftLabel(probs[i], spec);
    indices.set(enc.indices, i * k);
    stored.set(enc.probs, i * k);
  }
  const rec: LabelRecord = {
    version: 1,
    spec: { ...spec, k },
    imageWidth: W,
    imageHeight: H,
    numCrops: CROPS,
    boxes: geo.boxes,
    flips: geo.flips,
    indices,
    probs: stored,
  };
  return encodeLabelRecord(rec);
}

function decode(bytes: Uint8Array, out: Float32Array): LabelRecord {
  const r = decodeLabelRecord(bytes);
  for (let i = 0; i < r.numCrops; i++) recoverSoftLabel(recordEncodedLabel(r, i), r.spec, out);
  return r;
}

/**
 * Crops per second of `fn` (one call = CROPS crops): the best of WINDOWS timing windows of at least
 * WINDOW_MS each, so a GC pause or a JIT tier-up in one window does not skew the figure.
 */
function throughput(fn: () => void): number {
  fn(); // warm-up (JIT)
  let best = 0;
  for (let w = 0; w < WINDOWS; w++) {
    let reps = 0;
    const t0 = performance.now();
    let dt = 0;
    while (dt < WINDOW_MS && reps < MAX_REPS) {
      fn();
      reps++;
      dt = performance.now() - t0;
    }
    best = Math.max(best, (reps * CROPS) / (dt / 1000));
  }
  return best;
}

function errors(bytes: Uint8Array, probs: Float32Array[]): { maxErr: number; meanErr: number } {
  const r = decodeLabelRecord(bytes);
  const q = new Float32Array(r.spec.numClasses);
  let maxErr = 0;
  let sum = 0;
  for (let i = 0; i < r.numCrops; i++) {
    recoverSoftLabel(recordEncodedLabel(r, i), r.spec, q);
    let m = 0;
    for (let c = 0; c < q.length; c++) m = Math.max(m, Math.abs(q[c] - probs[i][c]));
    maxErr = Math.max(maxErr, m);
    sum += m;
  }
  return { maxErr, meanErr: sum / r.numCrops };
}

const rows: Row[] = [];
let stream = 1;
for (const numClasses of CLASSES) {
  for (const dist of DISTS) {
    const probs = teacher(numClasses, dist, stream++);
    const geo = boxesOf(stream++);
    const out = new Float32Array(numClasses);
    for (const c of CODECS) {
      for (const precision of PRECISIONS) {
        const spec: CodecSpec = { codec: c.codec, k: c.k, precision, numClasses };
        const bytes = encode(probs, spec, geo);
        rows.push({
          numClasses,
          dist,
          codec: c.name,
          precision,
          recordBytes: bytes.length,
          bytesPerCrop: bytes.length / CROPS,
          ...errors(bytes, probs),
          encodeCropsPerSec: throughput(() => encode(probs, spec, geo)),
          decodeCropsPerSec: throughput(() => decode(bytes, out)),
        });
      }
    }
    process.stderr.write(`[bench] C=${numClasses} ${dist} done\n`);
  }
}

const fmtErr = (x: number) => (x === 0 ? '0' : x.toExponential(2));
const fmtRate = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(1)}k`);
const cols = ['C', 'teacher', 'codec', 'prec', 'B/crop', 'max err', 'mean err', 'enc crops/s', 'dec crops/s'];
const table = rows.map((r) => [
  String(r.numClasses),
  r.dist,
  r.codec,
  r.precision,
  r.bytesPerCrop.toFixed(2),
  fmtErr(r.maxErr),
  fmtErr(r.meanErr),
  fmtRate(r.encodeCropsPerSec),
  fmtRate(r.decodeCropsPerSec),
]);
const widths = cols.map((c, i) => Math.max(c.length, ...table.map((t) => t[i].length)));
const line = (cells: string[]) =>
  cells.map((s, i) => (i < 4 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ');
console.log(
  `Label records: ${CROPS} crops of a ${W}x${H} image per record; error = |recovered q − float32 softmax p| ` +
    `(max: over crops and classes; mean: of each crop's max). Node ${process.version}.`,
);
console.log(line(cols));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
let prev = '';
for (const [i, t] of table.entries()) {
  const group = `${rows[i].numClasses}/${rows[i].dist}`;
  if (prev && group !== prev) console.log('');
  prev = group;
  console.log(line(t));
}
const round = (x: number, d: number) => Number(x.toPrecision(d));
console.log(
  JSON.stringify({
    bench: 'labels',
    crops: CROPS,
    image: [W, H],
    seed: SEED,
    node: process.version,
    rows: rows.map((r) => ({
      ...r,
      bytesPerCrop: round(r.bytesPerCrop, 6),
      maxErr: round(r.maxErr, 4),
      meanErr: round(r.meanErr, 4),
      encodeCropsPerSec: Math.round(r.encodeCropsPerSec),
      decodeCropsPerSec: Math.round(r.decodeCropsPerSec),
    })),
  }),
);
