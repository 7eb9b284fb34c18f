/**
 * The blocks of the timm-style mobile students (efficientnetV2.ts, fbnet.ts), each followed by BatchNorm
 * as timm builds them: ConvBnAct ('cn'), FusedMBConv ('er', timm's EdgeResidual), MBConv ('ir', timm's
 * InvertedResidual, with an optional squeeze-and-excitation) and the stage loop that chains them.
 * Channel rounding, the SE width and the residual rule follow timm's EfficientNetBuilder, so a published
 * definition written as stages gives the published parameter count to the unit (models/students.test.ts).
 * SE is GAP -> Dense(act) -> Dense(sigmoid) -> scale: a Dense on the pooled vector has the parameters and
 * multiply-adds of timm's 1x1 convs on a 1x1 map, and only stock layers keep model.json loadable anywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { bn, conv, relu, torchConv, torchPad, type Ctx, type Sym } from './common';

export type Activation = 'relu' | 'silu';

/** timm's make_divisible: round to a multiple of 8, at least 8; bump when it lost more than `limit`. */
export function divisible(v: number, limit = 0.9, divisor = 8): number {
  let next = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (next < limit * v) next += divisor;
  return next;
}

/** Python's round(): halves go to the even neighbour (timm sizes the SE with it). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface BlockSpec {
  /** cn: conv-BN-act; er: FusedMBConv; ir: MBConv. */
  type: 'cn' | 'er' | 'ir';
  repeats: number;
  kernel: number;
  /** Stride of the first repeat; the others have stride 1. */
  stride: number;
  expand: number;
  channels: number;
  /** SE reduction as a fraction of the block's input channels (timm's se_ratio); 0: none. */
  se?: number;
}

export interface FamilyOptions {
  act: Activation;
  /** PyTorch's symmetric padding (timm's default) rather than TF 'same' (timm's tf_ ports). */
  torchPadding: boolean;
  /** Output channels of a spec'd channel count (the width multiplier and its rounding). */
  round: (channels: number) => number;
}

export function activation(x: Sym, name: string, act: Activation): Sym {
  if (act === 'relu') return relu(x, name);
  return tf.layers.activation({ name, activation: 'swish' }).apply(x) as Sym;
}

export function convBnAct(
  ctx: Ctx,
  x: Sym,
  name: string,
  filters: number,
  kernel: number,
  stride: number,
  f: FamilyOptions,
): Sym {
  const c = f.torchPadding ? torchConv : conv;
  return activation(bn(c(ctx, x, name, filters, kernel, stride), `${name}_bn`), `${name}_act`, f.act);
}

function depthwiseBnAct(ctx: Ctx, x: Sym, name: string, kernel: number, stride: number, f: FamilyOptions) {
  const padded = f.torchPadding ? torchPad(x, name, kernel, stride) : x;
  const y = tf.layers
    .depthwiseConv2d({
      name,
      kernelSize: kernel,
      strides: stride,
      padding: f.torchPadding && stride !== 1 ? 'valid' : 'same',
      useBias: false,
      depthwiseInitializer: ctx.init.conv(),
    })
    .apply(padded) as Sym;
  return activation(bn(y, `${name}_bn`), `${name}_act`, f.act);
}

/** x * sigmoid(W2 act(W1 mean(x) + b1) + b2), channel-wise. */
export function squeezeExcite(ctx: Ctx, x: Sym, name: string, reduced: number, act: Activation): Sym {
  const channels = x.shape[3] as number;
  const dense = (input: Sym, suffix: string, units: number, a: 'swish' | 'relu' | 'sigmoid') =>
    tf.layers
      .dense({
        name: `${name}_${suffix}`,
        units,
        activation: a,
        kernelInitializer: ctx.init.conv(),
        biasInitializer: 'zeros',
      })
      .apply(input) as Sym;
  let s = tf.layers.globalAveragePooling2d({ name: `${name}_pool` }).apply(x) as Sym;
  s = dense(s, 'reduce', reduced, act === 'relu' ? 'relu' : 'swish');
  s = dense(s, 'expand', channels, 'sigmoid');
  s = tf.layers.reshape({ name: `${name}_gate`, targetShape: [1, 1, channels] }).apply(s) as Sym;
  return tf.layers.multiply({ name: `${name}_scale` }).apply([x, s]) as Sym;
}

function project(ctx: Ctx, x: Sym, name: string, filters: number): Sym {
  return bn(conv(ctx, x, name, filters, 1), `${name}_bn`);
}

function residual(x: Sym, y: Sym, name: string, stride: number): Sym {
  if (stride !== 1 || x.shape[3] !== y.shape[3]) return y;
  return tf.layers.add({ name: `${name}_add` }).apply([x, y]) as Sym;
}

/** One block of `spec` with `out` channels: timm's ConvBnAct (skip), EdgeResidual or InvertedResidual. */
export function block(
  ctx: Ctx,
  x: Sym,
  name: string,
  spec: BlockSpec,
  out: number,
  stride: number,
  f: FamilyOptions,
): Sym {
  const inChannels = x.shape[3] as number;
  if (spec.type === 'cn') {
    return residual(x, convBnAct(ctx, x, `${name}_conv`, out, spec.kernel, stride, f), name, stride);
  }
  const mid = divisible(inChannels * spec.expand);
  let y: Sym;
  if (spec.type === 'er') {
    y = convBnAct(ctx, x, `${name}_conv_exp`, mid, spec.kernel, stride, f);
  } else {
    y = convBnAct(ctx, x, `${name}_conv_pw`, mid, 1, 1, f);
    y = depthwiseBnAct(ctx, y, `${name}_conv_dw`, spec.kernel, stride, f);
    if (spec.se) {
      // timm sizes the SE from the block input: se_ratio / expansion of the expanded width.
      y = squeezeExcite(ctx, y, `${name}_se`, roundHalfEven((mid * spec.se) / spec.expand), f.act);
    }
  }
  return residual(x, project(ctx, y, `${name}_conv_pwl`, out), name, stride);
}

/**
 * Every stage's blocks in order, named `blocks_<stage>_<index>` as timm's module paths. smallInput: the
 * first strided stage runs at stride 1 (with a stride-1 stem, a total stride of 8 instead of 32).
 */
export function stages(ctx: Ctx, x: Sym, specs: BlockSpec[][], f: FamilyOptions, smallInput: boolean): Sym {
  const firstStrided = specs.findIndex((stage) => stage.some((s) => s.stride > 1));
  specs.forEach((stage, si) => {
    let index = 0;
    for (const spec of stage) {
      const out = f.round(spec.channels);
      for (let r = 0; r < spec.repeats; r++) {
        const stride = r > 0 || (smallInput && si === firstStrided) ? 1 : spec.stride;
        x = block(ctx, x, `blocks_${si}_${index}`, spec, out, stride, f);
        index += 1;
      }
    }
  });
  return x;
}
