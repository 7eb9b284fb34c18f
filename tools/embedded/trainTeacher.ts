/**
 * Trains the embedded default FKD teacher on the full Fashion-MNIST train set (60k) in Node with
 * tfjs + the wasm backend, and saves it in tfjs Layers format to public/models/fashion-teacher/.
 *
 *   npx tsx tools/embedded/trainTeacher.ts        # full run: 30 epochs, minutes on a CPU
 *   npx tsx tools/embedded/trainTeacher.ts --epochs 1 --max-steps 100 --out /tmp/quick  # timing
 *   (experiments only: --scale-lo X, --full-p P, --epochs N, --out DIR)
 *
 * The teacher labels random-resized crops, so it is trained on them: RandomResizedCrop with
 * scale [SCALE_LO, 1] and ratio [3/4, 4/3] + horizontal flip (p = 0.5), crops resized back to
 * 28x28 (bilinear), pixels in [0, 1]; a quarter of the samples are the full image (FULL_P_DEFAULT).
 * It is evaluated on the full, uncropped 10k test images. Weights ship as float16.
 *
 * Model: a dense net (the wasm backend lacks Conv2DBackpropFilter, so no conv training in Node):
 * flatten -> dense 512 relu -> dense 256 relu -> dense 10 (logits). Dropout is left out on purpose:
 * tfjs' Dropout layer reuses one fixed seed per call (the same mask every step) when seeded, and
 * would be non-deterministic when not. The crop augmentation is the regulariser.
 *
 * Determinism: weights come from seeded glorotUniform initialisers, batches and crops from the
 * studio's seeded core/rng and core/cropBox (the FKD crop sampler), and the wasm backend runs
 * single-threaded here, so the same command produces the same weights.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../../src/core/rng';
import { patchWasmBatchMatMul } from '../../src/engine/kernels/wasmMatMul';
import { cropResizeGrey, trainCrop } from './augment';
import { FASHION_CLASS_NAMES, loadFashionMnist, type FashionSplit } from './fashionMnist';

export const SEED = 20220707;
/** Lower bound of the crop area fraction: 0.35 of a 28x28 image is a ~17x17 px window, which
 * still shows a recognisable part of the garment; 0.08 (the ImageNet default) would be ~8x8 px. */
export const SCALE_LO = 0.35;
let SCALE: [number, number] = [SCALE_LO, 1];
/**
 * Probability that a training sample is the full (uncropped, maybe flipped) image instead of a
 * random-resized crop. Trained on crops alone it was a weaker whole-image classifier; with 0.25 it is a
 * good one too and still labels crops well (docs/results.md, Teachers). The full image
 * is inside the crop distribution (scale 1), so the label-generation range stays [SCALE_LO, 1].
 */
export const FULL_P_DEFAULT = 0.25;
let FULL_P = FULL_P_DEFAULT;
const EPOCHS_DEFAULT = 30;
const BATCH = 128;
const LR_MAX = 1e-3;
const LR_MIN = 1e-5;
const SIZE = 28;
const PIX = SIZE * SIZE;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function buildModel(): tf.Sequential {
  const model = tf.sequential({ name: 'fashion_teacher' });
  model.add(tf.layers.flatten({ inputShape: [SIZE, SIZE, 1], name: 'flatten' }));
  model.add(
    tf.layers.dense({
      units: 512,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: SEED + 1 }),
      name: 'dense1',
    }),
  );
  model.add(
    tf.layers.dense({
      units: 256,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: SEED + 2 }),
      name: 'dense2',
    }),
  );
  model.add(
    tf.layers.dense({
      units: 10,
      kernelInitializer: tf.initializers.glorotUniform({ seed: SEED + 3 }),
      name: 'logits',
    }),
  );
  return model;
}

/** Full-image top-1 / top-5 accuracy. */
export function evaluate(model: tf.LayersModel, data: FashionSplit): { top1: number; top5: number } {
  let c1 = 0;
  let c5 = 0;
  const bs = 1000;
  for (let s = 0; s < data.count; s += bs) {
    const n = Math.min(bs, data.count - s);
    const [r1, r5] = tf.tidy(() => {
      const x = tf
        .tensor4d(data.images.subarray(s * PIX, (s + n) * PIX), [n, SIZE, SIZE, 1], 'int32')
        .toFloat()
        .div(255);
      const logits = model.predict(x) as tf.Tensor2D;
      const y = tf.tensor1d(data.labels.subarray(s, s + n), 'int32');
      const top = tf.topk(logits, 5).indices; // [n, 5]
      const hit = top.equal(y.expandDims(1));
      const h1 = hit.slice([0, 0], [n, 1]).sum();
      const h5 = hit.any(1).sum();
      return [h1, h5];
    });
    c1 += (r1.dataSync() as Int32Array)[0];
    c5 += (r5.dataSync() as Int32Array)[0];
    r1.dispose();
    r5.dispose();
  }
  return { top1: c1 / data.count, top5: c5 / data.count };
}

/** Accuracy on one random-resized crop per test image (same scale range), for information. */
function evaluateCrops(model: tf.LayersModel, data: FashionSplit, seed: number): number {
  const rng = new Rng(seed);
  const buf = new Float32Array(data.count * PIX);
  for (let i = 0; i < data.count; i++) {
    cropResizeGrey(
      data.images,
      i * PIX,
      SIZE,
      SIZE,
      trainCrop(rng, SIZE, SCALE, 0),
      buf,
      i * PIX,
      SIZE,
      SIZE,
    );
  }
  const acc = tf.tidy(() => {
    const logits = model.predict(tf.tensor4d(buf, [data.count, SIZE, SIZE, 1])) as tf.Tensor2D;
    return logits.argMax(1).equal(tf.tensor1d(data.labels, 'int32')).sum();
  });
  const v = (acc.dataSync() as Int32Array)[0] / data.count;
  acc.dispose();
  return v;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, round to nearest even (what tfjs' float16 dequantizer expects). */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // a carry into the exponent is correct
  return sign | half;
}

/**
 * Writes tfjs Layers-format files (model.json + one weights shard) into `dir`. With `float16`,
 * weights are stored as IEEE halves with `quantization: {dtype: 'float16'}` in the manifest, which
 * tf.loadLayersModel dequantizes to float32 on load (half the download).
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string, float16 = false): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const shard = 'group1-shard1of1.bin';
  await model.save(
    tf.io.withSaveHandler(async (art) => {
      let weightData = tf.io.CompositeArrayBuffer.join(art.weightData ?? []);
      let weights = art.weightSpecs ?? [];
      if (float16) {
        if (weights.some((w) => w.dtype !== 'float32')) throw new Error('float16 needs float32 weights');
        const src = new Float32Array(weightData);
        const half = new Uint16Array(src.length);
        for (let i = 0; i < src.length; i++) half[i] = toFloat16Bits(src[i]);
        weightData = half.buffer;
        weights = weights.map((w) => ({ ...w, quantization: { dtype: 'float16' as const } }));
      }
      const modelJson = {
        modelTopology: art.modelTopology,
        format: 'layers-model',
        generatedBy: art.generatedBy,
        convertedBy: null,
        weightsManifest: [{ paths: [shard], weights }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
      writeFileSync(join(dir, shard), new Uint8Array(weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** An IOHandler that loads a Layers model saved by saveLayersModel from the filesystem. */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const parts: ArrayBuffer[] = [];
      for (const group of json.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) {
          const b = readFileSync(join(dir, p));
          parts.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        }
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs,
        weightData: tf.io.CompositeArrayBuffer.join(parts),
      };
    },
  };
}

async function main(): Promise<void> {
  const epochs = Number(arg('epochs') ?? EPOCHS_DEFAULT);
  const maxSteps = Number(arg('max-steps') ?? Infinity);
  const outDir = arg('out') ?? 'public/models/fashion-teacher';
  SCALE = [Number(arg('scale-lo') ?? SCALE_LO), 1];
  FULL_P = Number(arg('full-p') ?? FULL_P);
  await tf.setBackend('wasm');
  await tf.ready();
  patchWasmBatchMatMul(); // a much faster dense backward on wasm; see src/engine/kernels/wasmMatMul.ts
  console.log(
    `backend ${tf.getBackend()}, epochs ${epochs}, batch ${BATCH}, scale [${SCALE}], full-p ${FULL_P}`,
  );

  const train = loadFashionMnist('train');
  const test = loadFashionMnist('test');
  const model = buildModel();
  const opt = tf.train.adam(LR_MAX);
  // tfjs' AdamOptimizer reads `learningRate` at every step; set it for the cosine schedule.
  const setLr = (lr: number): void => {
    (opt as unknown as { learningRate: number }).learningRate = lr;
  };
  const rng = new Rng(SEED);
  const stepsPerEpoch = Math.floor(train.count / BATCH); // drop the last partial batch
  const totalSteps = epochs * stepsPerEpoch;
  const xBuf = new Float32Array(BATCH * PIX);
  const yBuf = new Int32Array(BATCH);
  const t0 = performance.now();
  let step = 0;
  for (let epoch = 0; epoch < epochs && step < maxSteps; epoch++) {
    const order = rng.permutation(train.count);
    let lossSum = 0;
    let lossN = 0;
    const te = performance.now();
    for (let b = 0; b < stepsPerEpoch && step < maxSteps; b++, step++) {
      for (let j = 0; j < BATCH; j++) {
        const idx = order[b * BATCH + j];
        const box = trainCrop(rng, SIZE, SCALE, FULL_P);
        cropResizeGrey(train.images, idx * PIX, SIZE, SIZE, box, xBuf, j * PIX, SIZE, SIZE);
        yBuf[j] = train.labels[idx];
      }
      setLr(LR_MIN + 0.5 * (LR_MAX - LR_MIN) * (1 + Math.cos((Math.PI * step) / totalSteps)));
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(xBuf, [BATCH, SIZE, SIZE, 1]);
        const y = tf.oneHot(tf.tensor1d(yBuf, 'int32'), 10);
        return opt.minimize(
          () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor2D),
          true,
        ) as tf.Scalar;
      });
      if (loss) {
        lossSum += loss.dataSync()[0];
        lossN++;
        loss.dispose();
      }
    }
    const ev = evaluate(model, test);
    const sec = (performance.now() - te) / 1000;
    console.log(
      `epoch ${epoch + 1}/${epochs} loss ${(lossSum / Math.max(1, lossN)).toFixed(4)} ` +
        `test top1 ${ev.top1.toFixed(4)} top5 ${ev.top5.toFixed(4)} ${sec.toFixed(1)}s ` +
        `(${((sec * 1000) / stepsPerEpoch).toFixed(1)} ms/step) tensors ${tf.memory().numTensors}`,
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  const final = evaluate(model, test);
  const cropTop1 = evaluateCrops(model, test, SEED + 99);
  console.log(`final full-image top1 ${final.top1} top5 ${final.top5}; 1-crop top1 ${cropTop1}`);

  // Ship float16 weights (half the bytes); the recorded accuracy is that of the shipped files,
  // loaded back through a custom IOHandler (the same artifacts tf.loadLayersModel reads by URL).
  await saveLayersModel(model, outDir, true);
  const loaded = await tf.loadLayersModel(fileLoadHandler(outDir));
  const shipped = evaluate(loaded, test);
  const shippedCrop = evaluateCrops(loaded, test, SEED + 99);
  console.log(
    `shipped (float16) full-image top1 ${shipped.top1} top5 ${shipped.top5}; 1-crop top1 ${shippedCrop}`,
  );
  if (Math.abs(shipped.top1 - final.top1) > 0.002) {
    throw new Error(`float16 model differs too much: ${JSON.stringify(shipped)} vs ${JSON.stringify(final)}`);
  }
  const again = evaluate(await tf.loadLayersModel(fileLoadHandler(outDir)), test);
  if (again.top1 !== shipped.top1 || again.top5 !== shipped.top5)
    throw new Error('reload is not reproducible');

  const meta = {
    name: 'fashion-teacher',
    description:
      'Dense teacher (784-512-256-10, ReLU) for the embedded FKD demo, trained with RandomResizedCrop + flip.',
    dataset: 'fashion-mnist',
    inputSize: [SIZE, SIZE, 1],
    channels: 'grey',
    normalisation: '[0,1]',
    output: 'logits',
    numClasses: 10,
    classNames: FASHION_CLASS_NAMES,
    trainScale: SCALE,
    trainRatio: [3 / 4, 4 / 3],
    trainFlip: 0.5,
    trainFullImageP: FULL_P,
    testTop1: shipped.top1,
    testTop5: shipped.top5,
    testCropTop1: shippedCrop,
    testTop1Float32: final.top1,
    weights: 'float16 (tfjs quantization), dequantized to float32 on load',
    trainedOn: 'Fashion-MNIST train 60000',
    testedOn: 'Fashion-MNIST test 10000, full images (no crop)',
    epochs,
    batchSize: BATCH,
    optimizer: `adam, cosine lr ${LR_MAX} -> ${LR_MIN}`,
    seed: SEED,
    seconds: Math.round(seconds),
    backend: 'tfjs 4.22 wasm (Node, single thread)',
    script: 'tools/embedded/trainTeacher.ts',
  };
  writeFileSync(join(outDir, 'teacher.json'), JSON.stringify(meta, null, 2) + '\n');
  console.log(`saved to ${outDir} in ${seconds.toFixed(0)} s of training`);
}

if (process.argv[1]?.endsWith('trainTeacher.ts')) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
