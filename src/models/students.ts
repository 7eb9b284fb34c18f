/**
 * Student registry and the two smallest students, sized for 28x28 Fashion-MNIST crops trained in a browser
 * without a GPU; the ResNet, MobileNetV2, ViT and SReT families live in resnet.ts, mobilenet.ts, vit.ts and
 * sret.ts. All are tf.LayersModel so BatchNormalization trains via model.apply(x, {training: true})
 * (docs/tfjs-notes.md), and all end in a linear Dense layer named 'fc': the losses take logits
 * (docs/tfjs-notes.md). Seeds, BatchNorm
 * momentum/epsilon: see common.ts. Layer names are explicit so checkpoint names ("stem_conv/kernel") are
 * stable across sessions.
 */
import * as tf from '@tensorflow/tfjs';
import { bn, conv, gap, logits, relu, SeededInit, type BuildArgs, type Ctx, type Sym } from './common';
import { modelFlops } from './flops';
import { mobilenetMini, mobilenetV2 } from './mobilenet';
import { resnet18, resnet50, resnetMini } from './resnet';
import { ownSharedLayers, SRET_LT, sretLT } from './sret';
import { vitTiny } from './vit';
import { efficientnetV2B0 } from './efficientnetV2';
import { fbnetC100 } from './fbnet';
import { STUDENT_ARCHS, type StudentArch } from '../core/recipe';

export { STUDENT_ARCHS, type StudentArch };

export interface StudentOptions {
  inputSize: number;
  channels: number;
  numClasses: number;
  seed: number;
  /**
   * Base width: hidden units (mlp), first-stage channels (CNNs; resnet18/50 default 64 as torchvision),
   * embedding dim (vitTiny, default 192), first-stage dim (sretLT, default 64). Defaults per arch below.
   */
  width?: number;
  /** resnet18/50, mobilenetV2, efficientnetV2B0, fbnetC100: CIFAR-style stem for small images. Default: inputSize <= 64. */
  smallInput?: boolean;
  /** mobilenetV2 channel multiplier (default 1); multiplies efficientnetV2B0's and fbnetC100's width / stem too. */
  widthMultiplier?: number;
  /**
   * vitTiny: patch size (default 16, or 4 when inputSize <= 64), depth (12) and heads (3); sretLT: depth =
   * shared blocks in all (10), heads = first-stage heads (2).
   */
  patchSize?: number;
  depth?: number;
  heads?: number;
}

export const DEFAULT_WIDTH: Readonly<Record<StudentArch, number>> = {
  mlp: 256, // bench:quality: 256 hidden units distil best (64: +1.4 points over vanilla, 256: +3.1, 512: +2.4)
  tinyCnn: 8,
  resnetMini: 8,
  mobilenetMini: 8,
  resnet18: 64,
  resnet50: 64,
  mobilenetV2: 32, // unused: mobilenetV2 scales with widthMultiplier
  vitTiny: 192,
  efficientnetV2B0: 32, // stem channels; layers scale by width / 32 (efficientnetV2.ts)
  fbnetC100: 16, // stem channels; blocks scale by width / 16 (fbnet.ts)
  sretLT: SRET_LT.width,
};

function mlp(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  const width = a.width;
  let x = tf.layers.flatten({ name: 'flatten' }).apply(input) as Sym;
  for (const i of [1, 2]) {
    x = tf.layers
      .dense({
        name: `dense${i}`,
        units: width,
        useBias: false,
        kernelInitializer: ctx.init.hidden(),
      })
      .apply(x) as Sym;
    x = relu(bn(x, `bn${i}`), `relu${i}`);
  }
  return logits(ctx, x, a.numClasses);
}

/** conv(w) -> conv(2w, stride 2) -> GAP -> dense: the smallest CNN that still learns Fashion-MNIST. */
function tinyCnn(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  const width = a.width;
  let x = relu(bn(conv(ctx, input, 'conv1', width, 3), 'bn1'), 'relu1');
  x = relu(bn(conv(ctx, x, 'conv2', width * 2, 3, 2), 'bn2'), 'relu2');
  return logits(ctx, gap(x), a.numClasses);
}

type Builder = (ctx: Ctx, input: Sym, a: BuildArgs) => Sym;

const BUILDERS: Record<StudentArch, Builder> = {
  mlp,
  tinyCnn,
  resnetMini,
  mobilenetMini,
  resnet18,
  resnet50,
  mobilenetV2,
  vitTiny,
  efficientnetV2B0,
  fbnetC100,
  sretLT,
};

export function buildStudent(arch: StudentArch, opts: StudentOptions): tf.LayersModel {
  const builder = BUILDERS[arch];
  if (!builder) throw new Error(`unknown student architecture '${arch}'`);
  if (!Number.isInteger(opts.seed)) throw new Error(`seed must be an integer, got ${opts.seed}`);
  const small = opts.inputSize <= 64;
  const args: BuildArgs = {
    inputSize: opts.inputSize,
    numClasses: opts.numClasses,
    width: opts.width ?? DEFAULT_WIDTH[arch],
    smallInput: opts.smallInput ?? small,
    widthMultiplier: opts.widthMultiplier ?? 1,
    patchSize: opts.patchSize ?? (small ? 4 : 16),
    depth: opts.depth ?? (arch === 'sretLT' ? SRET_LT.depth : 12),
    heads: opts.heads ?? (arch === 'sretLT' ? SRET_LT.heads : 3),
  };
  const input = tf.input({ name: 'input', shape: [opts.inputSize, opts.inputSize, opts.channels] });
  const output = builder({ init: new SeededInit(opts.seed) }, input, args);
  return ownSharedLayers(tf.model({ name: arch, inputs: input, outputs: output }));
}

export interface LayerSummary {
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
  /** 2 x multiply-adds for one image at the summary's input size (flops.ts). */
  flops: number;
}

export interface ModelSummary {
  /** All weights, BN moving statistics included (tfjs countParams). */
  params: number;
  /** Trainable weights only: what PyTorch's sum(p.numel() for p in model.parameters()) counts. */
  trainableParams: number;
  inputSize: number;
  /** Forward FLOPs per image at inputSize. */
  flops: number;
  layers: LayerSummary[];
}

/** Layers, parameters and FLOPs; `inputSize` (default: the built one) only changes shapes and FLOPs. */
export function describeModel(model: tf.LayersModel, inputSize?: number): ModelSummary {
  const costs = modelFlops(model, inputSize);
  const layers = model.layers.map((layer, i) => ({
    name: layer.name,
    type: layer.getClassName(),
    outputShape: costs[i].outputShape,
    params: layer.countParams(),
    flops: costs[i].flops,
  }));
  return {
    params: model.countParams(),
    trainableParams: model.trainableWeights.reduce(
      (s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
      0,
    ),
    inputSize: inputSize ?? (model.inputs[0].shape[1] as number),
    flops: layers.reduce((s, l) => s + l.flops, 0),
    layers,
  };
}
