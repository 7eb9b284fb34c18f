/**
 * Core benchmark (pure CPU, Node): `npm run bench:core`.
 *
 * Label-record throughput as the trainer sees it: whole records of 500 crops (500x375 image, 1000
 * classes) encoded and decoded, in records/s and MB/s, for every precision of MS top-5, plus bytes per
 * crop for each codec. `msTop5BytesPerCrop` is the q8 packing, whose recovered-target error bound
 * (docs/label-record.md) is within float16's (1e-3): "float-16-or-better fidelity". The bound is
 * computed from the packing (recoveredErrorBound), not measured, and the table says so.
 * Last line: one JSON object.
 */
import { sampleCropBoxes, toPixelBox } from '../src/core/cropBox';
import { decodeLabelRecord, encodeLabelRecord, type LabelRecord } from '../src/core/labelRecord';
import { Rng } from '../src/core/rng';
import {
  encodeSoftLabel,
  recoveredErrorBound,
  softmax,
  storedK,
  type Codec,
  type CodecSpec,
  type Precision,
} from '../src/core/softLabel';

const CROPS = 500;
const W = 500;
const H = 375;
const C = 1000;

function makeRecord(spec: CodecSpec, rng: Rng): LabelRecord {
  const boxes = sampleCropBoxes(rng, W, H, CROPS, { scale: [0.08, 0.936] });
  const k = storedK(spec);
  const indices = new Uint16Array(CROPS * k);
  const probs = new Float32Array(CROPS * k);
  for (let c = 0; c < CROPS; c++) {
    const logits = Array.from({ length: C }, () => 2 * rng.normal());
    logits[rng.int(0, C - 1)] += 8;
    const enc = encodeSoftLabel(softmax(logits), spec);
    indices.set(enc.indices, c * k);
    probs.set(enc.probs, c * k);
  }
  return {
    version: 1,
    spec,
    imageWidth: W,
    imageHeight: H,
    numCrops: CROPS,
    boxes: Int32Array.from(boxes.flatMap((b) => Object.values(toPixelBox(b, W, H)))),
    flips: Uint8Array.from(boxes, (b) => (b.flip ? 1 : 0)),
    indices,
    probs,
  };
}

/** Best of 5 windows of at least 50 ms: ops per second. */
function rate(fn: () => void): number {
  let best = 0;
  for (let w = 0; w < 5; w++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 50) {
      fn();
      n++;
    }
    best = Math.max(best, (n * 1000) / (performance.now() - t0));
  }
  return best;
}

const rng = new Rng(20221128);
const rows: {
  codec: string;
  precision: Precision;
  bytesPerCrop: number;
  errorBound: number;
  encodeRecordsPerSec: number;
  decodeRecordsPerSec: number;
  decodeMBPerSec: number;
}[] = [];
const codecs: { name: string; codec: Codec; k: number; precisions: Precision[] }[] = [
  { name: 'msTopK5', codec: 'msTopK', k: 5, precisions: ['f32', 'f16', 'q16', 'q8'] },
  { name: 'msTopK10', codec: 'msTopK', k: 10, precisions: ['q8'] },
  { name: 'mrTopK5', codec: 'mrTopK', k: 5, precisions: ['q8'] },
  { name: 'smoothing', codec: 'smoothing', k: 1, precisions: ['q8'] },
  { name: 'hard', codec: 'hard', k: 1, precisions: ['f32'] },
  { name: 'full', codec: 'full', k: 0, precisions: ['f16'] },
];
for (const c of codecs) {
  for (const precision of c.precisions) {
    const spec: CodecSpec = { codec: c.codec, k: c.k, precision, numClasses: C };
    const rec = makeRecord(spec, rng);
    const bytes = encodeLabelRecord(rec);
    const enc = rate(() => encodeLabelRecord(rec));
    const dec = rate(() => decodeLabelRecord(bytes));
    rows.push({
      codec: c.name,
      precision,
      bytesPerCrop: bytes.length / CROPS,
      errorBound: recoveredErrorBound(spec),
      encodeRecordsPerSec: enc,
      decodeRecordsPerSec: dec,
      decodeMBPerSec: (dec * bytes.length) / 1e6,
    });
  }
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(
  `label records: ${CROPS} crops of a ${W}x${H} image, ${C} classes (Node ${process.version}, one thread)\n`,
);
console.log(
  `${'codec'.padEnd(10)} ${'prec'.padEnd(4)} ${pad('B/crop', 8)} ${pad('err bound', 9)} ${pad('enc rec/s', 10)} ${pad('dec rec/s', 10)} ${pad('dec MB/s', 9)}`,
);
for (const r of rows) {
  console.log(
    `${r.codec.padEnd(10)} ${r.precision.padEnd(4)} ${pad(r.bytesPerCrop.toFixed(2), 8)} ${pad(r.errorBound.toExponential(2), 9)} ${pad(r.encodeRecordsPerSec.toFixed(0), 10)} ${pad(r.decodeRecordsPerSec.toFixed(0), 10)} ${pad(r.decodeMBPerSec.toFixed(1), 9)}`,
  );
}
console.log(
  '\nerr bound: the largest recovered-target error the packing allows (computed by recoveredErrorBound ' +
    'from the bit widths, an upper bound), not an error measured on these records',
);
const ms = rows.find((r) => r.codec === 'msTopK5' && r.precision === 'q8')!;
console.log(
  JSON.stringify({
    bench: 'core',
    crops: CROPS,
    numClasses: C,
    msTop5BytesPerCrop: +ms.bytesPerCrop.toFixed(3),
    msTop5ErrorBound: ms.errorBound,
    decodeRecordsPerSec: Math.round(ms.decodeRecordsPerSec),
    encodeRecordsPerSec: Math.round(ms.encodeRecordsPerSec),
    decodeMBPerSec: +ms.decodeMBPerSec.toFixed(2),
    rows,
  }),
);
