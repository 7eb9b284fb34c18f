/**
 * Building blocks shared by the student families (students.ts, resnet.ts, mobilenet.ts, vit.ts).
 *
 * Determinism: every initialiser gets its own seed derived from the student seed, so one seed = one set of
 * initial weights (tfjs initialisers are otherwise unseeded Math.random).
 * BatchNorm: momentum 0.9 / epsilon 1e-5 = PyTorch's momentum 0.1 / eps 1e-5, i.e. the torchvision
 * students of the reference (Keras defaults 0.99 / 1e-3 would make the moving statistics far too slow for
 * our short runs). One remaining difference: tfjs tracks the biased batch variance, PyTorch the unbiased.
 */
import * as tf from '@tensorflow/tfjs';

export type Sym = tf.SymbolicTensor;
export type Initializer = ReturnType<typeof tf.initializers.heNormal>;

export const BN = { momentum: 0.9, epsilon: 1e-5 };

/** Everything a family builder may read; defaults resolved by buildStudent. */
export interface BuildArgs {
  inputSize: number;
  numClasses: number;
  /** Base width: hidden units (mlp), first-stage channels (CNNs), embedding dim (ViT). */
  width: number;
  /** CIFAR-style stem (3x3 stride-1 conv, no max-pool) for 28-64 px inputs. */
  smallInput: boolean;
  /** MobileNetV2 channel multiplier. */
  widthMultiplier: number;
  patchSize: number;
  depth: number;
  heads: number;
}

/** Hands out a distinct, reproducible seed to each initialiser. */
export class SeededInit {
  private counter = 0;
  constructor(private readonly seed: number) {}
  /** A fresh seed, for custom layers that build their own initialisers. */
  next(): number {
    this.counter += 1;
    return this.seed * 7919 + this.counter;
  }
  /** torchvision's kaiming_normal_(mode='fan_out', relu) for convs (tfjs 'normal' is truncated). */
  conv(): Initializer {
    return tf.initializers.varianceScaling({
      scale: 2,
      mode: 'fanOut',
      distribution: 'normal',
      seed: this.next(),
    });
  }
  /** He normal (fan-in) for hidden dense layers followed by ReLU. */
  hidden(): Initializer {
    return tf.initializers.heNormal({ seed: this.next() });
  }
  dense(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.next() });
  }
  /** timm's trunc_normal_(std=0.02) for transformer weights. */
  truncNormal(stddev = 0.02): Initializer {
    return tf.initializers.truncatedNormal({ stddev, seed: this.next() });
  }
}

export interface Ctx {
  init: SeededInit;
}

function convLayer(
  ctx: Ctx,
  x: Sym,
  name: string,
  filters: number,
  kernelSize: number,
  strides: number,
  padding: 'same' | 'valid',
): Sym {
  return tf.layers
    .conv2d({
      name,
      filters,
      kernelSize,
      strides,
      padding,
      useBias: false,
      kernelInitializer: ctx.init.conv(),
    })
    .apply(x) as Sym;
}

/** Conv without bias (followed by BN, as torchvision), tfjs 'same' padding. */
export function conv(ctx: Ctx, x: Sym, name: string, filters: number, kernelSize: number, strides = 1): Sym {
  return convLayer(ctx, x, name, filters, kernelSize, strides, 'same');
}

/**
 * PyTorch's padding=k//2: tfjs 'same' pads asymmetrically (bottom/right) when the stride is 2, which shifts
 * every window by one pixel against torchvision, so strided convs get an explicit symmetric zero pad.
 */
export function torchPad(x: Sym, name: string, kernelSize: number, strides: number): Sym {
  const pad = Math.floor(kernelSize / 2);
  if (strides === 1 || pad === 0) return x;
  return tf.layers.zeroPadding2d({ name: `${name}_pad`, padding: pad }).apply(x) as Sym;
}

/** Conv (no bias) with PyTorch padding semantics: 'same' at stride 1, explicit pad + 'valid' otherwise. */
export function torchConv(
  ctx: Ctx,
  x: Sym,
  name: string,
  filters: number,
  kernelSize: number,
  strides = 1,
): Sym {
  const padded = torchPad(x, name, kernelSize, strides);
  return convLayer(ctx, padded, name, filters, kernelSize, strides, strides === 1 ? 'same' : 'valid');
}

export function bn(x: Sym, name: string): Sym {
  return tf.layers.batchNormalization({ name, ...BN }).apply(x) as Sym;
}

export function relu(x: Sym, name: string, max?: number): Sym {
  return tf.layers.reLU({ name, maxValue: max }).apply(x) as Sym;
}

export function gap(x: Sym): Sym {
  return tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym;
}

/** The linear head: the losses take logits (docs/tfjs-notes.md). */
export function logits(ctx: Ctx, x: Sym, numClasses: number): Sym {
  return tf.layers
    .dense({
      name: 'fc',
      units: numClasses,
      kernelInitializer: ctx.init.dense(),
      biasInitializer: 'zeros',
    })
    .apply(x) as Sym;
}
