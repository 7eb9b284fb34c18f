/**
 * Gradient parity between tfjs backends (a WebGPU/WebGL grad kernel can be missing or wrong on one device:
 * docs/tfjs-notes.md, Missing kernels and gradients). For every layer type our students use, a tiny model
 * with fixed inputs and weights (our own PRNG, so bit-identical on every backend) runs forward in training
 * mode, the loss and the gradients w.r.t. every trainable weight AND the input are taken, then compared with
 * the reference backend (the first one named, normally cpu). BatchNorm's moving statistics after the step are
 * compared too (they are updated in the forward pass).
 *
 * Metric per tensor: maxAbs = max |a - b|, maxRel = maxAbs / max |ref| (relative to the tensor's scale:
 * an element-wise relative error is meaningless where a gradient crosses zero).
 * Tolerance: a tensor passes when maxAbs <= ABS_TOL + REL_TOL * max |ref|. Why these numbers: the backends
 * agree on the ops but not on their float32 evaluation order; a reduction of n terms in a different order
 * differs by at most about n * eps * sum|terms| (eps = 2^-23 = 1.2e-7), typically sqrt(n) * eps. The
 * largest reductions here are about 100-200 terms (the conv filter gradients sum over N*H*W, BN over
 * N*H*W), a worst-case bound of ~2e-5 relative, and the GPU backends' exp / log / erf / rsqrt are not
 * correctly rounded (WGSL allows a few ULP plus an absolute error for exp/log; GLSL is looser still),
 * which a softmax or a normalisation can amplify a few times. REL_TOL = 1e-4 leaves ~5x over that
 * bound; a wrong gradient kernel (wrong padding, a transposed filter, all zeros) is off by O(1) relative,
 * four orders of magnitude above it. ABS_TOL = 1e-5 only matters for tensors that are ~0 everywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { buildStudent } from '../models/students';
import { ClassTokenPosEmbed, ClassTokenSelect, MultiHeadSelfAttention } from '../models/vit';
import { mulberry32 } from '../core/mulberry32';
import { softCrossEntropy } from './loss';
import { patchBatchNormTraining } from './kernels/batchNormTrain';
import { patchReLUMax } from './kernels/reluMaxGrad';
import { MOBILE_GRAD_PARITY_CASES } from './gradParityMobile';
import { SRET_GRAD_PARITY_CASES } from './gradParitySret';
import type { Case } from './gradParityCase';

export const GRAD_PARITY_TOLERANCE = { abs: 1e-5, rel: 1e-4 };

export interface GradParityLayer {
  layer: string;
  /** Tensors compared: the loss, each gradient (input, weights), BN moving statistics. */
  tensors: number;
  maxAbs: number;
  maxRel: number;
  /** The tensor with the largest relative error. */
  worst: string;
  ok: boolean;
  error?: string;
  /** Time this backend took for the case (on a software GPU, mostly compiling its programs). */
  ms?: number;
}

export interface GradParityComparison {
  backend: string;
  ok: boolean;
  /** Set when the backend could not be initialised at all. */
  error?: string;
  ms: number;
  layers: GradParityLayer[];
}

export interface GradParityReport {
  reference: string;
  tolerance: { abs: number; rel: number };
  ok: boolean;
  comparisons: GradParityComparison[];
}

/** Seeded values in offset + scale * [-1, 1), identical on every backend and run. */
function uniform(seed: number, n: number, scale = 1, offset = 0): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = offset + scale * (2 * next() - 1);
  return out;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export type { Case };

type Sym = tf.SymbolicTensor;
const L = tf.layers;
const one = (f: (x: Sym) => Sym) => (xs: Sym[]) => f(xs[0]);
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

function studentCase(layer: string, build: () => tf.LayersModel, inputShape: number[]): Case {
  return {
    layer,
    inputs: [inputShape],
    loss: 'softCE',
    weightScale: 0.3,
    model: (xs) => {
      const m = build();
      return m.apply(xs[0]) as Sym;
    },
  };
}

export const GRAD_PARITY_CASES: Case[] = [
  { layer: 'dense', inputs: [[4, 8]], model: one((x) => apply(L.dense({ units: 6 }), x)) },
  {
    layer: 'dense + gelu (ViT MLP)',
    inputs: [[4, 8]],
    model: one((x) => apply(L.dense({ units: 6, activation: 'gelu' }), x)),
  },
  {
    layer: 'conv2d 3x3',
    inputs: [[2, 6, 6, 3]],
    model: one((x) => apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), x)),
  },
  {
    layer: 'conv2d 3x3 stride 2 (torch padding)',
    inputs: [[2, 6, 6, 3]],
    model: one((x) =>
      apply(
        L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', useBias: false }),
        apply(L.zeroPadding2d({ padding: 1 }), x),
      ),
    ),
  },
  {
    layer: 'depthwiseConv2d 3x3',
    inputs: [[2, 6, 6, 4]],
    model: one((x) => apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false }), x)),
  },
  {
    layer: 'depthwiseConv2d 3x3 stride 2',
    inputs: [[2, 6, 6, 4]],
    model: one((x) =>
      apply(
        L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', useBias: false }),
        apply(L.zeroPadding2d({ padding: 1 }), x),
      ),
    ),
  },
  {
    layer: 'batchNormalization (training)',
    inputs: [[4, 5, 5, 3]],
    inputScale: 2,
    model: one((x) => apply(L.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }), x)),
  },
  { layer: 'relu', inputs: [[4, 10]], model: one((x) => apply(L.reLU(), x)) },
  { layer: 'relu6', inputs: [[4, 10]], inputScale: 8, model: one((x) => apply(L.reLU({ maxValue: 6 }), x)) },
  {
    layer: 'globalAveragePooling2d',
    inputs: [[2, 4, 4, 3]],
    model: one((x) => apply(L.globalAveragePooling2d({}), x)),
  },
  {
    layer: 'maxPooling2d 3x3/2 (padded, ResNet stem)',
    inputs: [[2, 7, 7, 3]],
    model: one((x) =>
      apply(
        L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid' }),
        apply(L.zeroPadding2d({ padding: 1 }), x),
      ),
    ),
  },
  {
    layer: 'add (residual)',
    inputs: [[2, 4, 4, 3]],
    model: one((x) => {
      const y = apply(L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false }), x);
      return apply(L.reLU(), apply(L.add(), [y, x]));
    }),
  },
  {
    layer: 'layerNormalization',
    inputs: [[2, 5, 8]],
    model: one((x) => apply(L.layerNormalization({ epsilon: 1e-6 }), x)),
  },
  {
    layer: 'multi-head self-attention',
    inputs: [[2, 5, 8]],
    model: one((x) => apply(new MultiHeadSelfAttention({ numHeads: 2, seeds: [1, 2] }), x)),
  },
  {
    layer: 'ViT [cls] token + position embedding',
    inputs: [[2, 4, 8]],
    model: one((x) => apply(new ClassTokenPosEmbed({ seeds: [3, 4] }), x)),
  },
  {
    layer: 'ViT [cls] token select',
    inputs: [[2, 5, 8]],
    model: one((x) => apply(new ClassTokenSelect({}), x)),
  },
  { layer: 'softmax cross-entropy (T = 2)', inputs: [[4, 10]], inputScale: 3, loss: 'softCE' },
  studentCase(
    'student resnetMini (whole model)',
    () => buildStudent('resnetMini', { inputSize: 8, channels: 1, numClasses: 4, seed: 1, width: 4 }),
    [2, 8, 8, 1],
  ),
  studentCase(
    'student mobilenetMini (whole model)',
    () => buildStudent('mobilenetMini', { inputSize: 8, channels: 1, numClasses: 4, seed: 1, width: 4 }),
    [2, 8, 8, 1],
  ),
  studentCase(
    'student vitTiny (whole model)',
    () =>
      buildStudent('vitTiny', {
        inputSize: 8,
        channels: 1,
        numClasses: 4,
        seed: 1,
        width: 8,
        depth: 1,
        heads: 2,
        patchSize: 4,
      }),
    [2, 8, 8, 1],
  ),
  ...MOBILE_GRAD_PARITY_CASES,
  ...SRET_GRAD_PARITY_CASES,
];

export interface Named {
  name: string;
  values: Float32Array;
}

/** Deterministic weights: BN moving variance positive, gammas near 1, everything else small uniform. */
function setWeights(model: tf.LayersModel, caseIndex: number, scale: number): void {
  const values = model.weights.map((w, i) => {
    const n = size(w.shape as number[]);
    const seed = 1000 * (caseIndex + 1) + i;
    const name = w.originalName;
    const v = /moving_variance/.test(name)
      ? uniform(seed, n, 0.4, 1)
      : /gamma/.test(name)
        ? uniform(seed, n, 0.3, 1)
        : uniform(seed, n, scale);
    return tf.tensor(v, w.shape as number[]);
  });
  model.setWeights(values);
  values.forEach((t) => t.dispose());
}

/** Loss, gradients and post-step BN statistics of one case on the current backend. */
export async function runCase(c: Case, index: number): Promise<Named[]> {
  const symIn = c.inputs.map((s) => tf.input({ shape: s.slice(1) }));
  const model = c.model ? tf.model({ inputs: symIn, outputs: c.model(symIn) }) : null;
  // tf.variable keeps a copy of its initial value (docs/tfjs-notes.md): create it inside a tidy.
  const xs = c.inputs.map((s, i) =>
    tf.tidy(() => tf.variable(tf.tensor(uniform(17 + 31 * index + i, size(s), c.inputScale ?? 1), s), true)),
  );
  try {
    if (model) setWeights(model, index, c.weightScale ?? 0.5);
    const weights = model ? model.trainableWeights : [];
    const vars = [...xs, ...weights.map((w) => w.read() as tf.Variable)];
    const names = [
      ...xs.map((_, i) => `d loss / d input${i}`),
      ...weights.map((w) => `d loss / d ${w.originalName}`),
    ];
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const inputs = xs.length === 1 ? xs[0] : xs;
        const y = (model ? model.apply(inputs, { training: true }) : xs[0]) as tf.Tensor;
        if (c.loss === 'softCE') {
          const classes = y.shape[1] as number;
          const q = tf.softmax(tf.tensor(uniform(7 + index, y.shape[0] * classes, 2), [y.shape[0], classes]));
          return softCrossEntropy(y as tf.Tensor2D, q as tf.Tensor2D, 2);
        }
        const r = tf.tensor(uniform(7 + index, size(y.shape), 1), y.shape);
        return tf.sum(tf.mul(y, r)) as tf.Scalar;
      }, vars);
      return [value, ...vars.map((v) => grads[v.name])];
    });
    const result: Named[] = [];
    const labels = ['loss', ...names];
    for (let i = 0; i < out.length; i++) {
      result.push({ name: labels[i], values: Float32Array.from(await out[i].data()) });
    }
    tf.dispose(out);
    for (const w of model?.nonTrainableWeights ?? []) {
      result.push({ name: w.originalName, values: Float32Array.from(await w.read().data()) });
    }
    return result;
  } finally {
    xs.forEach((x) => x.dispose());
    model?.dispose();
  }
}

export function compare(layer: string, ref: Named[], got: Named[]): GradParityLayer {
  let maxAbs = 0;
  let maxRel = 0;
  let worst = '';
  let ok = ref.length === got.length;
  for (let t = 0; t < Math.min(ref.length, got.length); t++) {
    const a = ref[t].values;
    const b = got[t].values;
    if (a.length !== b.length) {
      ok = false;
      continue;
    }
    let abs = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      abs = Number.isNaN(d) ? Infinity : Math.max(abs, d);
      scale = Math.max(scale, Math.abs(a[i]));
    }
    const rel = abs / Math.max(scale, 1e-30);
    if (!(abs <= GRAD_PARITY_TOLERANCE.abs + GRAD_PARITY_TOLERANCE.rel * scale)) ok = false;
    maxAbs = Math.max(maxAbs, abs);
    if (rel >= maxRel) {
      maxRel = rel;
      worst = ref[t].name;
    }
  }
  return { layer, tensors: ref.length, maxAbs, maxRel, worst, ok };
}

async function switchBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
}

/**
 * Runs every case on backends[0] (the reference) and on each other backend, and restores the backend that
 * was active before. A backend that cannot initialise, or a case that throws (a missing kernel), is
 * reported as a failure with its message, never thrown.
 */
export async function gradientParity(backends: string[]): Promise<GradParityReport> {
  if (backends.length < 2) throw new Error('gradientParity needs a reference backend and at least one other');
  // The BatchNorm and ReLU6 paths the trainer uses (createTrainer installs them too).
  patchBatchNormTraining();
  patchReLUMax();
  const previous = tf.getBackend();
  const [reference, ...others] = backends;
  try {
    await switchBackend(reference);
    const refResults: Named[][] = [];
    for (let i = 0; i < GRAD_PARITY_CASES.length; i++)
      refResults.push(await runCase(GRAD_PARITY_CASES[i], i));
    const comparisons: GradParityComparison[] = [];
    for (const backend of others) {
      const t0 = performance.now();
      try {
        await switchBackend(backend);
      } catch (e) {
        comparisons.push({ backend, ok: false, error: String(e), ms: 0, layers: [] });
        continue;
      }
      const layers: GradParityLayer[] = [];
      for (let i = 0; i < GRAD_PARITY_CASES.length; i++) {
        const c = GRAD_PARITY_CASES[i];
        const c0 = performance.now();
        try {
          const got = await runCase(c, i);
          layers.push({ ...compare(c.layer, refResults[i], got), ms: performance.now() - c0 });
        } catch (e) {
          layers.push({
            layer: c.layer,
            tensors: 0,
            maxAbs: NaN,
            maxRel: NaN,
            worst: '',
            ok: false,
            error: String(e),
            ms: performance.now() - c0,
          });
        }
      }
      comparisons.push({ backend, ok: layers.every((l) => l.ok), ms: performance.now() - t0, layers });
    }
    return {
      reference,
      tolerance: GRAD_PARITY_TOLERANCE,
      ok: comparisons.every((c) => c.ok),
      comparisons,
    };
  } finally {
    if (previous && tf.getBackend() !== previous) await switchBackend(previous);
  }
}
