/**
 * SReT-LT student: the sliced recursive transformer of Shen, Liu and Xing ("Sliced Recursive Transformer",
 * ECCV 2022), laid out as the authors' SReT_LT with the released slicing [16-14-1, 1-1-1]:
 *  - conv stem: three 3x3 stride-2 convs (with bias) + BN + ReLU to dim/2, dim, dim; a learned 2-D position
 *    embedding added to the 1/8 feature map;
 *  - three stages of dim 64 / 128 / 256 and 2 / 4 / 8 heads, with 2 / 5 / 3 transformer blocks whose weights
 *    are shared across two recursions: each block is applied twice (the same layer objects), the first time
 *    with its tokens sliced into groups that attend only within themselves (16 / 14 / 1 groups), the
 *    recursion with 1 / 1 / 1 groups; after every application a non-shared "NLL" layer
 *    (LN -> MLP ratio 1 -> learnable-coefficient residual);
 *  - every residual is SReT's learnable form a * x + b * f(x) with scalar a, b (initialised to 1);
 *  - stages are joined by a 3x3 stride-2 grouped conv (groups = channels in) that doubles the channels;
 *  - global average pool over the tokens -> LayerNorm -> linear head. LayerNorms are layerNorm.ts's one-op
 *    form (tfjs-layers' LayerNormalization costs thousands of small kernels per step).
 * At 224 px and 1000 classes this is 4,988,024 parameters and 1.224 G multiply-adds (sret.test.ts), the
 * published 5.0M / 1.2G. Inits follow the reference: PyTorch's default uniform(+-1/sqrt(fan_in)) for
 * convs and linears (it re-initialises only LayerNorms and the position embedding).
 * Not built: drop path (stochastic depth) and the code's other slicing [8-4-1, 2-1-1], whose recursion
 * draws a fresh random token permutation on every call, even in inference.
 *
 * Studio knobs (StudentOptions): width = stage-1 dim (64), heads = stage-1 heads (2; both double per
 * stage), depth = shared blocks in all (10, split 2:5:3), inputSize: the token grid follows it; small
 * inputs (<= 64 px) keep the first stem conv at stride 1 (1/4 map) as the CIFAR-style stems of the other
 * students do. A stage's group count is the published one where it divides the token count, else the
 * largest divisor below it.
 */
import * as tf from '@tensorflow/tfjs';
import { bn, relu, torchPad, type BuildArgs, type Ctx, type Sym } from './common';
import { LayerNorm } from './layerNorm';
import { MultiHeadSelfAttention } from './vit';

type Shape = (number | null)[];

/** SReT_LT as published; `blocks` are the shared blocks per stage (each applied RECURSIONS times). */
export const SRET_LT = {
  width: 64,
  heads: 2,
  blocks: [2, 5, 3],
  depth: 10,
  groups: [16, 14, 1],
  recursionGroups: [1, 1, 1],
  mlpRatio: 4,
  nllRatio: 1,
} as const;

/** Applications of each shared block: SReT-LT's recursive_loops. */
export const RECURSIONS = 2;

const LN_EPS = 1e-6;

/** x + pos, pos a learned [1, H, W, C] map (trunc normal 0.02, as the reference's pos_embed). */
export class PosEmbed2D extends tf.layers.Layer {
  static className = 'PosEmbed2D';
  private readonly seed: number;
  private pos!: tf.LayerVariable;

  constructor(args: { name?: string; seed: number }) {
    super(args);
    this.seed = args.seed;
  }

  build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as number[];
    const init = tf.initializers.truncatedNormal({ stddev: 0.02, seed: this.seed });
    this.pos = this.addWeight('pos_embed', [1, ...s.slice(1)], 'float32', init);
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(Array.isArray(inputs) ? inputs[0] : inputs, this.pos.read()));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}

/** SReT's learnable residual: [x, f] -> a * x + b * f, scalars a and b starting at 1. */
export class CoefficientAdd extends tf.layers.Layer {
  static className = 'CoefficientAdd';
  private a!: tf.LayerVariable;
  private b!: tf.LayerVariable;

  build(): void {
    this.a = this.addWeight('coefficient1', [1], 'float32', tf.initializers.ones());
    this.b = this.addWeight('coefficient2', [1], 'float32', tf.initializers.ones());
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0].slice();
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, f] = inputs as tf.Tensor[];
      return tf.add(tf.mul(x, this.a.read()), tf.mul(f, this.b.read()));
    });
  }
}

for (const cls of [PosEmbed2D, CoefficientAdd]) tf.serialization.registerClass(cls);

/**
 * tfjs counts a layer's uses and frees its weights when model.dispose() brings the count to zero, so a
 * layer applied twice in one model (the recursion) would need two disposes and leaks with one. The model
 * owns its shared layers: one use each. Call on every model built or loaded with shared layers.
 */
export function ownSharedLayers(model: tf.LayersModel): tf.LayersModel {
  for (const layer of model.layers) {
    const counted = layer as unknown as { _refCount: number | null };
    if (layer.inboundNodes.length > 1 && typeof counted._refCount === 'number') counted._refCount = 1;
  }
  return model;
}

/** The largest group count <= requested that slices `tokens` evenly. */
export function sliceGroups(tokens: number, requested: number): number {
  for (let g = Math.min(requested, tokens); g > 1; g--) if (tokens % g === 0) return g;
  return 1;
}

/** `total` shared blocks split over the three stages in SReT-LT's 2:5:3 (largest remainder, >= 1 each). */
export function stageBlocks(total: number): number[] {
  if (!Number.isInteger(total) || total < 3)
    throw new Error(`sretLT: depth ${total} < 3 (one block per stage)`);
  const ideal = SRET_LT.blocks.map((b) => (b * total) / SRET_LT.depth);
  const out = ideal.map((v) => Math.max(1, Math.floor(v)));
  const order = ideal.map((v, i) => ({ i, r: v - Math.floor(v) })).sort((p, q) => q.r - p.r || p.i - q.i);
  for (let k = 0; out.reduce((s, v) => s + v, 0) < total; k++) out[order[k % 3].i] += 1;
  while (out.reduce((s, v) => s + v, 0) > total) out[out.indexOf(Math.max(...out))] -= 1;
  return out;
}

/** PyTorch's default Linear/Conv init: kernel and bias uniform in +-1/sqrt(fan_in). */
function torchUniform(ctx: Ctx, fanIn: number) {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: ctx.init.next() });
}

function dense(ctx: Ctx, name: string, inDim: number, units: number, activation?: 'gelu') {
  return tf.layers.dense({
    name,
    units,
    activation,
    kernelInitializer: torchUniform(ctx, inDim),
    biasInitializer: torchUniform(ctx, inDim),
  });
}

const layerNorm = (name: string) => new LayerNorm({ name, epsilon: LN_EPS });
const reshape = (x: Sym, name: string, targetShape: number[]) =>
  tf.layers.reshape({ name, targetShape }).apply(x) as Sym;

/** conv 3x3 (bias) -> BN -> ReLU with PyTorch's symmetric padding 1. */
function stemConv(ctx: Ctx, x: Sym, name: string, cin: number, filters: number, strides: number): Sym {
  const y = tf.layers
    .conv2d({
      name,
      filters,
      kernelSize: 3,
      strides,
      padding: strides === 1 ? 'same' : 'valid',
      kernelInitializer: torchUniform(ctx, cin * 9),
      biasInitializer: torchUniform(ctx, cin * 9),
    })
    .apply(torchPad(x, name, 3, strides)) as Sym;
  return relu(bn(y, `${name}_bn`), `${name}_relu`);
}

export interface Stage {
  index: number;
  tokens: number;
  dim: number;
  heads: number;
}

/**
 * One shared block (LN -> sliced attention -> learnable residual, LN -> MLP -> learnable residual), built
 * once and returned as a function applying the same layers to a token tensor with a given group count.
 */
export function sharedBlock(ctx: Ctx, name: string, st: Stage) {
  const norm1 = layerNorm(`${name}_norm1`);
  const attn = new MultiHeadSelfAttention({
    name: `${name}_attn`,
    numHeads: st.heads,
    seeds: [ctx.init.next(), ctx.init.next()],
  });
  const res1 = new CoefficientAdd({ name: `${name}_res1` });
  const norm2 = layerNorm(`${name}_norm2`);
  const fc1 = dense(ctx, `${name}_mlp_fc1`, st.dim, st.dim * SRET_LT.mlpRatio, 'gelu');
  const fc2 = dense(ctx, `${name}_mlp_fc2`, st.dim * SRET_LT.mlpRatio, st.dim);
  const res2 = new CoefficientAdd({ name: `${name}_res2` });
  return (x: Sym, call: number, groups: number): Sym => {
    const tag = `${name}_r${call}`;
    // Slicing = contiguous runs of tokens in raster order, as the reference's reshape.
    const sliced = reshape(norm1.apply(x) as Sym, `${tag}_slice`, [groups, st.tokens / groups, st.dim]);
    const a = reshape(attn.apply(sliced) as Sym, `${tag}_merge`, [st.tokens, st.dim]);
    x = res1.apply([x, a]) as Sym;
    const m = fc2.apply(fc1.apply(norm2.apply(x) as Sym) as Sym) as Sym;
    return res2.apply([x, m]) as Sym;
  };
}

/** SReT's non-shared layer between recursions: a * x + b * MLP(LN(x)), MLP ratio 1. */
function nll(ctx: Ctx, x: Sym, name: string, st: Stage): Sym {
  const hidden = st.dim * SRET_LT.nllRatio;
  const h = dense(ctx, `${name}_fc1`, st.dim, hidden, 'gelu').apply(
    layerNorm(`${name}_norm`).apply(x) as Sym,
  );
  const m = dense(ctx, `${name}_fc2`, hidden, st.dim).apply(h as Sym) as Sym;
  return new CoefficientAdd({ name: `${name}_res` }).apply([x, m]) as Sym;
}

export function sretLT(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  const { width, heads } = a;
  if (width % heads !== 0) throw new Error(`sretLT: width ${width} not divisible by ${heads} heads`);
  if (width % 2 !== 0)
    throw new Error(`sretLT: width ${width} must be even (the stem's first conv is width/2)`);
  const blocks = stageBlocks(a.depth);
  const cin = input.shape[3] as number;
  let x = stemConv(ctx, input, 'stem_conv1', cin, width / 2, a.smallInput ? 1 : 2);
  x = stemConv(ctx, x, 'stem_conv2', width / 2, width, 2);
  x = stemConv(ctx, x, 'stem_conv3', width, width, 2);
  x = new PosEmbed2D({ name: 'pos_embed', seed: ctx.init.next() }).apply(x) as Sym;
  let [, h, w] = x.shape as number[];
  let nll0 = 0;
  for (let s = 0; s < 3; s++) {
    const st: Stage = { index: s, tokens: h * w, dim: width << s, heads: heads << s };
    x = reshape(x, `s${s}_tokens`, [st.tokens, st.dim]);
    const groups = [SRET_LT.groups[s], SRET_LT.recursionGroups[s]].map((g) => sliceGroups(st.tokens, g));
    for (let b = 0; b < blocks[s]; b++) {
      const block = sharedBlock(ctx, `s${s}_block${b}`, st);
      for (let r = 0; r < RECURSIONS; r++) {
        x = block(x, r, groups[Math.min(r, 1)]);
        x = nll(ctx, x, `s${s}_nll${nll0++}`, st);
      }
    }
    if (s === 2) break;
    // Pooling: a 3x3 stride-2 conv with groups = channels in, i.e. a depthwise conv of multiplier 2.
    x = reshape(x, `s${s}_map`, [h, w, st.dim]);
    x = tf.layers
      .depthwiseConv2d({
        name: `pool${s}`,
        kernelSize: 3,
        strides: 2,
        padding: 'valid',
        depthMultiplier: 2,
        depthwiseInitializer: torchUniform(ctx, 9),
        biasInitializer: torchUniform(ctx, 9),
      })
      .apply(torchPad(x, `pool${s}`, 3, 2)) as Sym;
    [, h, w] = x.shape as number[];
  }
  x = tf.layers.globalAveragePooling1d({ name: 'gap' }).apply(x) as Sym;
  x = layerNorm('norm').apply(x) as Sym;
  const dim = width << 2;
  return dense(ctx, 'fc', dim, a.numClasses).apply(x) as Sym;
}
