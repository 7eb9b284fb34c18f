/**
 * ViT students (Dosovitskiy et al.), timm's VisionTransformer layout: patch embedding (p x p conv, stride
 * p, with bias) -> [cls] token + learned position embedding -> depth x pre-norm blocks
 * (LN -> multi-head self-attention -> +, LN -> MLP 4x GELU -> +) -> LN -> the [cls] token -> linear head.
 * vit_tiny_patch16_224 (dim 192, depth 12, heads 3): 5,717,416 parameters at 1000 classes, as timm.
 * LayerNorm epsilon 1e-6 and trunc_normal(0.02) initialisers as timm; GELU is the exact (erf) one, as
 * torch.nn.GELU.
 *
 * Three small custom layers, registered with tf.serialization so model.json round-trips through
 * tf.loadLayersModel (studentArtifacts.ts imports this module for that): ClassTokenPosEmbed,
 * MultiHeadSelfAttention (owns the qkv and output projections) and ClassTokenSelect. Their seeds sit in the
 * config, so a deserialised model re-initialises identically before the stored weights overwrite it.
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildArgs, Ctx, Sym } from './common';

type Shape = (number | null)[];

function oneShape(s: Shape | Shape[]): Shape {
  return (Array.isArray(s[0]) ? s[0] : s) as Shape;
}

function oneTensor(t: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(t) ? t[0] : t;
}

interface SeededArgs {
  name?: string;
  seeds: number[];
}

/** x [N, T, D] -> concat([cls], x) + pos  [N, T + 1, D]. */
export class ClassTokenPosEmbed extends tf.layers.Layer {
  static className = 'ClassTokenPosEmbed';
  private readonly seeds: number[];
  private cls!: tf.LayerVariable;
  private pos!: tf.LayerVariable;

  constructor(args: SeededArgs) {
    super(args);
    this.seeds = args.seeds;
  }

  build(inputShape: Shape | Shape[]): void {
    const [, t, d] = oneShape(inputShape) as number[];
    const init = (i: number) => tf.initializers.truncatedNormal({ stddev: 0.02, seed: this.seeds[i] });
    this.cls = this.addWeight('cls_token', [1, 1, d], 'float32', init(0));
    this.pos = this.addWeight('pos_embed', [1, t + 1, d], 'float32', init(1));
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, t, d] = oneShape(inputShape);
    return [n, (t as number) + 1, d];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs) as tf.Tensor3D;
      const cls = tf.tile(this.cls.read(), [x.shape[0], 1, 1]);
      return tf.add(tf.concat([cls, x], 1), this.pos.read());
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seeds: this.seeds };
  }
}

interface AttentionArgs extends SeededArgs {
  numHeads: number;
}

/**
 * timm's Attention: qkv = x Wqkv + b (q | k | v, heads contiguous inside each), softmax(q k^T / sqrt(dh)) v
 * per head, heads concatenated, then the output projection. x [N, T, D] -> [N, T, D]; a rank-4 input
 * [N, G, T, D] attends within each of its G token groups (SReT's sliced group self-attention, sret.ts).
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static className = 'MultiHeadSelfAttention';
  readonly numHeads: number;
  private readonly seeds: number[];
  private qkvKernel!: tf.LayerVariable;
  private qkvBias!: tf.LayerVariable;
  private projKernel!: tf.LayerVariable;
  private projBias!: tf.LayerVariable;

  constructor(args: AttentionArgs) {
    super(args);
    this.numHeads = args.numHeads;
    this.seeds = args.seeds;
  }

  build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape);
    const d = s[s.length - 1] as number;
    if (d % this.numHeads !== 0)
      throw new Error(`attention: dim ${d} not divisible by ${this.numHeads} heads`);
    const init = (i: number) => tf.initializers.truncatedNormal({ stddev: 0.02, seed: this.seeds[i] });
    this.qkvKernel = this.addWeight('qkv/kernel', [d, 3 * d], 'float32', init(0));
    this.qkvBias = this.addWeight('qkv/bias', [3 * d], 'float32', tf.initializers.zeros());
    this.projKernel = this.addWeight('proj/kernel', [d, d], 'float32', init(1));
    this.projBias = this.addWeight('proj/bias', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape).slice();
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      // Leading group axes fold into the batch: attention never crosses a group.
      const t = x.shape[x.rank - 2];
      const d = x.shape[x.rank - 1];
      const n = x.size / (t * d);
      const h = this.numHeads;
      const dh = d / h;
      const flat = tf.reshape(x, [n * t, d]);
      const qkv = tf.add(tf.matMul(flat, this.qkvKernel.read() as tf.Tensor2D), this.qkvBias.read());
      // [N*T, 3D] -> three [N, H, T, dh]
      const heads = tf
        .split(qkv, 3, 1)
        .map((m) => tf.transpose(tf.reshape(m, [n, t, h, dh]), [0, 2, 1, 3]) as tf.Tensor4D);
      const [q, k, v] = heads;
      const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh));
      const attn = tf.softmax(scores, -1);
      const out = tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]); // [N, T, H, dh]
      const merged = tf.reshape(out, [n * t, d]) as tf.Tensor2D;
      const proj = tf.add(tf.matMul(merged, this.projKernel.read() as tf.Tensor2D), this.projBias.read());
      return tf.reshape(proj, x.shape);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, seeds: this.seeds };
  }
}

/** [N, T, D] -> [N, D], the first ([cls]) token. */
export class ClassTokenSelect extends tf.layers.Layer {
  static className = 'ClassTokenSelect';

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape);
    return [s[0], s[2]];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      const [n, , d] = x.shape as number[];
      return tf.reshape(tf.slice(x, [0, 0, 0], [-1, 1, -1]), [n, d]);
    });
  }
}

for (const cls of [ClassTokenPosEmbed, MultiHeadSelfAttention, ClassTokenSelect]) {
  tf.serialization.registerClass(cls);
}

function layerNorm(x: Sym, name: string): Sym {
  return tf.layers.layerNormalization({ name, epsilon: 1e-6 }).apply(x) as Sym;
}

function dense(ctx: Ctx, x: Sym, name: string, units: number, activation?: 'gelu'): Sym {
  return tf.layers
    .dense({ name, units, activation, kernelInitializer: ctx.init.truncNormal(), biasInitializer: 'zeros' })
    .apply(x) as Sym;
}

function add(a: Sym, b: Sym, name: string): Sym {
  return tf.layers.add({ name }).apply([a, b]) as Sym;
}

export function vitTiny(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  const { patchSize: p, width: dim, depth, heads } = a;
  if (a.inputSize % p !== 0) throw new Error(`vitTiny: input ${a.inputSize} not divisible by patch ${p}`);
  if (dim % heads !== 0) throw new Error(`vitTiny: dim ${dim} not divisible by ${heads} heads`);
  const grid = a.inputSize / p;
  let x = tf.layers
    .conv2d({
      name: 'patch_embed',
      filters: dim,
      kernelSize: p,
      strides: p,
      padding: 'valid',
      kernelInitializer: ctx.init.truncNormal(),
      biasInitializer: 'zeros',
    })
    .apply(input) as Sym;
  x = tf.layers.reshape({ name: 'patch_tokens', targetShape: [grid * grid, dim] }).apply(x) as Sym;
  x = new ClassTokenPosEmbed({ name: 'tokens', seeds: [ctx.init.next(), ctx.init.next()] }).apply(x) as Sym;
  for (let i = 0; i < depth; i++) {
    const b = `block${i}`;
    const attn = new MultiHeadSelfAttention({
      name: `${b}_attn`,
      numHeads: heads,
      seeds: [ctx.init.next(), ctx.init.next()],
    });
    x = add(x, attn.apply(layerNorm(x, `${b}_norm1`)) as Sym, `${b}_add1`);
    const h = dense(ctx, layerNorm(x, `${b}_norm2`), `${b}_mlp_fc1`, dim * 4, 'gelu');
    x = add(x, dense(ctx, h, `${b}_mlp_fc2`, dim), `${b}_add2`);
  }
  x = layerNorm(x, 'norm');
  x = new ClassTokenSelect({ name: 'cls_select' }).apply(x) as Sym;
  return tf.layers
    .dense({
      name: 'fc',
      units: a.numClasses,
      kernelInitializer: ctx.init.truncNormal(),
      biasInitializer: 'zeros',
    })
    .apply(x) as Sym;
}
