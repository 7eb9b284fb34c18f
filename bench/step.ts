/**
 * bench:step: where one student training step's time goes on the tfjs wasm backend (the backend the
 * studio trains on without a GPU), in Node: the mean step time over `--steps` steps (createTrainer's
 * step: forward in training mode, soft CE, AdamW), the inference forward for comparison, and one
 * tf.profile of a step summed per kernel. The wasm patches are the ones engine/backend.ts applies.
 * Kernel times are wall times of synchronous wasm kernels; op-level rows (names ending in __op, "unnamed
 * scope" for custom ops) contain the kernels they run, so the column does not add up to the step.
 * Figures, and what each wasm patch saved per step: docs/results.md, bench:step.
 *
 *   npx tsx bench/step.ts [--arch resnetMini] [--width 8] [--batch 64] [--size 28] [--channels 1] [--steps 20]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createTrainer } from '../src/engine/trainStep';
import { patchWasmKernels } from '../src/engine/kernels/wasmPatches';
import { DEFAULT_WIDTH, buildStudent, type StudentArch } from '../src/models/students';

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const num = (name: string, fallback: number) => Number(flag(name) ?? fallback);

const ARCH = (flag('arch') ?? 'resnetMini') as StudentArch;
const WIDTH = num('width', DEFAULT_WIDTH[ARCH]);
const BATCH = num('batch', 64);
const SIZE = num('size', 28);
const CHANNELS = num('channels', 1) as 1 | 3;
const STEPS = num('steps', 20);
const CLASSES = 10;

async function main() {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  patchWasmKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  const model = buildStudent(ARCH, {
    inputSize: SIZE,
    channels: CHANNELS,
    numClasses: CLASSES,
    seed: 1,
    width: WIDTH,
  });
  const trainer = createTrainer(model, { optimizer: 'adamw', lr: 0.008 });
  const x = tf.randomUniform([BATCH, SIZE, SIZE, CHANNELS], 0, 1, 'float32', 1) as tf.Tensor4D;
  const labels = tf.randomUniform([BATCH], 0, CLASSES, 'int32', 2) as tf.Tensor1D;
  const targets = tf.oneHot(labels, CLASSES).toFloat() as tf.Tensor2D;

  for (let i = 0; i < 5; i++) trainer.step(x, targets).dispose();
  let t0 = performance.now();
  for (let i = 0; i < STEPS; i++) {
    const loss = trainer.step(x, targets);
    await loss.data();
    loss.dispose();
  }
  const stepMs = (performance.now() - t0) / STEPS;
  t0 = performance.now();
  for (let i = 0; i < STEPS; i++) {
    const logits = trainer.evaluate(x);
    await logits.data();
    logits.dispose();
  }
  const forwardMs = (performance.now() - t0) / STEPS;

  const profile = await tf.profile(() => trainer.step(x, targets).dispose());
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of profile.kernels) {
    const row = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    row.ms += Number(k.kernelTimeMs) || 0;
    row.calls++;
    byKernel.set(k.name, row);
  }
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15);

  console.log(
    `bench:step — ${ARCH} width ${WIDTH}, batch ${BATCH} at ${SIZE}px x${CHANNELS}, wasm: training step ${stepMs.toFixed(1)} ms (${((BATCH * 1000) / stepMs).toFixed(0)} crops/s), inference forward ${forwardMs.toFixed(1)} ms, ${profile.kernels.length} kernels per step`,
  );
  console.log(`${'kernel'.padEnd(28)}  ${'ms'.padStart(7)}  ${'calls'.padStart(5)}`);
  console.log(`${'-'.repeat(28)}  -------  -----`);
  for (const [name, r] of rows) {
    console.log(`${name.padEnd(28)}  ${r.ms.toFixed(2).padStart(7)}  ${String(r.calls).padStart(5)}`);
  }
  tf.dispose([x, labels, targets]);
  trainer.dispose();
  console.log(
    JSON.stringify({
      bench: 'step',
      arch: ARCH,
      width: WIDTH,
      batch: BATCH,
      backend: 'wasm',
      stepMs: Math.round(stepMs * 10) / 10,
      forwardMs: Math.round(forwardMs * 10) / 10,
      cropsPerSec: Math.round((BATCH * 1000) / stepMs),
      kernelsPerStep: profile.kernels.length,
      topKernels: rows.map(([name, r]) => ({ name, ms: Math.round(r.ms * 100) / 100, calls: r.calls })),
    }),
  );
}

void main();
