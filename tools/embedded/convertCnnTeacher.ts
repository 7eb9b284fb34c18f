/**
 * Ships the CNN teacher trained by train_cnn_teacher.py (PyTorch, CPU) as a tfjs Layers model:
 * builds the same network with tfjs layers, loads the exported weights (already in tfjs layouts),
 * checks its logits against the ones torch printed, evaluates it on the Fashion-MNIST test set with
 * the wasm backend, and writes model.json + float16 weights + teacher.json to
 * public/models/fashion-cnn-teacher/.
 *
 *   /usr/bin/python3 tools/embedded/train_cnn_teacher.py        # tens of minutes on a CPU
 *   npx tsx tools/embedded/convertCnnTeacher.ts                  # about a minute
 *   (--in DIR: train_cnn_teacher.py's --out, default node_modules/.cache/fkd-cnn-teacher;
 *    --out DIR: where to ship it)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { FASHION_CLASS_NAMES, loadFashionMnist } from './fashionMnist';
import { evaluate, fileLoadHandler, saveLayersModel } from './trainTeacher';

interface TorchExport {
  widths: number[];
  weights: { name: string; shape: number[] }[];
  testTop1: number;
  testTop5: number;
  epochs: number;
  /** RandomResizedCrop area range it was trained with (absent in older exports, all [0.35, 1]). */
  scale?: [number, number];
  batchSize: number;
  optimizer: string;
  seed: number;
  seconds: number;
  torch: string;
  referenceLogits: number[][];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The torch network, layer for layer (names match train_cnn_teacher.py's tfjs_weights). */
export function buildCnnTeacher(widths: number[]): tf.Sequential {
  const m = tf.sequential({ name: 'fashion_cnn_teacher' });
  widths.forEach((filters, i) => {
    const n = i + 1;
    m.add(
      tf.layers.conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        name: `conv${n}`,
        ...(i === 0 ? { inputShape: [28, 28, 1] } : {}),
      }),
    );
    // PyTorch's BatchNorm2d epsilon; only the moving statistics matter at inference.
    m.add(tf.layers.batchNormalization({ epsilon: 1e-5, name: `bn${n}` }));
    m.add(tf.layers.activation({ activation: 'relu', name: `relu${n}` }));
    if (n === 2 || n === 4) m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${n}` }));
  });
  m.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
  m.add(tf.layers.dense({ units: 10, name: 'logits' }));
  return m;
}

function flopsPerCrop(widths: number[]): number {
  let size = 28;
  let cin = 1;
  let flops = 0;
  widths.forEach((cout, i) => {
    flops += 2 * size * size * cin * cout * 9;
    cin = cout;
    if (i === 1 || i === 3) size /= 2;
  });
  return flops + 2 * cin * 10;
}

async function main(): Promise<void> {
  const inDir = arg('in') ?? 'node_modules/.cache/fkd-cnn-teacher';
  const outDir = arg('out') ?? 'public/models/fashion-cnn-teacher';
  await tf.setBackend('wasm');
  await tf.ready();
  const meta = JSON.parse(readFileSync(join(inDir, 'meta.json'), 'utf8')) as TorchExport;
  const bin = readFileSync(join(inDir, 'weights.bin'));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const model = buildCnnTeacher(meta.widths);
  let off = 0;
  const tensors = meta.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(all.subarray(off, off + n), w.shape);
    off += n;
    return t;
  });
  if (off !== all.length) throw new Error(`weights.bin has ${all.length} floats, the specs use ${off}`);
  // Layer by layer: model.weights lists all trainable weights before the BN moving statistics.
  let next = 0;
  for (const layer of model.layers) {
    const n = layer.weights.length;
    const mine = tensors.slice(next, next + n);
    const want = layer.weights.map((w) => w.shape.join('x')).join();
    const got = mine.map((t) => t.shape.join('x')).join();
    if (want !== got) throw new Error(`${layer.name}: weight shapes ${got}, expected ${want}`);
    layer.setWeights(mine);
    next += n;
  }
  if (next !== tensors.length) throw new Error(`${tensors.length} exported weights, the model has ${next}`);
  tf.dispose(tensors);

  const test = loadFashionMnist('test');
  const maxDiff = (m: tf.LayersModel): number =>
    tf.tidy(() => {
      const x = tf
        .tensor4d(test.images.subarray(0, 8 * 784), [8, 28, 28, 1], 'int32')
        .toFloat()
        .div(255);
      const got = m.predict(x) as tf.Tensor2D;
      return got.sub(tf.tensor2d(meta.referenceLogits)).abs().max().dataSync()[0];
    });
  const d32 = maxDiff(model);
  console.log(`float32 logits vs torch: max |diff| ${d32.toExponential(2)}`);
  if (d32 > 1e-3) throw new Error('the tfjs network does not reproduce the torch logits');
  const f32 = evaluate(model, test);

  await saveLayersModel(model, outDir, true);
  const shipped = await tf.loadLayersModel(fileLoadHandler(outDir));
  const d16 = maxDiff(shipped);
  const ev = evaluate(shipped, test);
  console.log(
    `shipped (float16): logits max |diff| ${d16.toExponential(2)}; top1 ${ev.top1} top5 ${ev.top5} ` +
      `(float32 ${f32.top1}, torch ${meta.testTop1})`,
  );
  if (Math.abs(ev.top1 - meta.testTop1) > 0.002) throw new Error('float16 weights lost accuracy');
  const params = model.countParams();
  const info = {
    name: 'fashion-cnn-teacher',
    description:
      `CNN teacher (5 conv 3x3 + BN + ReLU, widths ${meta.widths.join('-')}, global average pool, dense 10) ` +
      'for the embedded FKD demo, trained with RandomResizedCrop + flip.',
    dataset: 'fashion-mnist',
    inputSize: [28, 28, 1],
    channels: 'grey',
    normalisation: '[0,1]',
    output: 'logits',
    numClasses: 10,
    classNames: FASHION_CLASS_NAMES,
    trainScale: meta.scale ?? [0.35, 1],
    trainRatio: [3 / 4, 4 / 3],
    trainFlip: 0.5,
    trainFullImageP: 0.25,
    testTop1: ev.top1,
    testTop5: ev.top5,
    testTop1Float32: f32.top1,
    params,
    mflopsPerCrop: Math.round(flopsPerCrop(meta.widths) / 1e4) / 100,
    weights: 'float16 (tfjs quantization), dequantized to float32 on load',
    trainedOn: 'Fashion-MNIST train 60000',
    testedOn: 'Fashion-MNIST test 10000, full images (no crop)',
    epochs: meta.epochs,
    batchSize: meta.batchSize,
    optimizer: meta.optimizer,
    seed: meta.seed,
    seconds: meta.seconds,
    backend: `PyTorch ${meta.torch} (CPU, 2 threads); converted and evaluated with tfjs 4.22 wasm`,
    script: 'tools/embedded/train_cnn_teacher.py + tools/embedded/convertCnnTeacher.ts',
  };
  writeFileSync(join(outDir, 'teacher.json'), JSON.stringify(info, null, 2) + '\n');
  console.log(`saved to ${outDir}: ${params} params, ${info.mflopsPerCrop} MFLOPs/crop`);
}

if (process.argv[1]?.endsWith('convertCnnTeacher.ts')) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
