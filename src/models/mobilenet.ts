/**
 * MobileNetV2 students (Sandler et al.), torchvision's layout: 3x3/2 stem (32), the inverted residual
 * settings (t, c, n, s) below, 1x1 head conv (1280) and the linear classifier; channel counts are
 * `makeDivisible(c * widthMultiplier, 8)` and the head max(1, multiplier) * 1280 (3,504,872 parameters at
 * 1.0 / 1000 classes). torchvision's Dropout(0.2) before the classifier is left out: tfjs would draw it
 * unseeded, and FKD's soft labels are the regulariser of the reference recipe.
 * smallInput (28-64 px): stem stride 1 and the first stride-2 stage at stride 1 (total stride 8, not 32).
 * mobilenetMini is the older, smaller student kept under its own names.
 */
import * as tf from '@tensorflow/tfjs';
import {
  bn,
  conv,
  gap,
  logits,
  relu,
  torchConv,
  torchPad,
  type BuildArgs,
  type Ctx,
  type Sym,
} from './common';

/** torchvision's _make_divisible: round to a multiple of 8, never dropping more than 10%. */
export function makeDivisible(v: number, divisor = 8): number {
  let next = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (next < 0.9 * v) next += divisor;
  return next;
}

interface IrNames {
  expand: string;
  dw: string;
  project: string;
  add: string;
}

/** Inverted residual: 1x1 expand (BN, ReLU6) -> 3x3 depthwise (BN, ReLU6) -> 1x1 linear project (BN). */
function invertedResidual(
  ctx: Ctx,
  x: Sym,
  n: IrNames,
  expand: number,
  filters: number,
  strides: number,
  torchPadding: boolean,
): Sym {
  const inChannels = x.shape[3] as number;
  const pointwise = torchPadding ? torchConv : conv;
  let y = x;
  if (expand !== 1) {
    y = relu(
      bn(pointwise(ctx, y, n.expand, inChannels * expand, 1), `${n.expand}_bn`),
      `${n.expand}_relu`,
      6,
    );
  }
  if (torchPadding) y = torchPad(y, n.dw, 3, strides);
  y = tf.layers
    .depthwiseConv2d({
      name: n.dw,
      kernelSize: 3,
      strides,
      padding: torchPadding && strides !== 1 ? 'valid' : 'same',
      useBias: false,
      depthwiseInitializer: ctx.init.conv(),
    })
    .apply(y) as Sym;
  y = relu(bn(y, `${n.dw}_bn`), `${n.dw}_relu`, 6);
  y = bn(pointwise(ctx, y, n.project, filters, 1), `${n.project}_bn`);
  if (strides === 1 && inChannels === filters) {
    y = tf.layers.add({ name: n.add }).apply([x, y]) as Sym;
  }
  return y;
}

function names(prefix: string): IrNames {
  return {
    expand: `${prefix}_expand`,
    dw: `${prefix}_dw`,
    project: `${prefix}_project`,
    add: `${prefix}_add`,
  };
}

/** MobileNetV2's building blocks in miniature: stem w, blocks (t,c,s) = (1,w,1) (4,2w,2) (4,2w,1) (4,4w,2). */
export function mobilenetMini(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  const width = a.width;
  let x = relu(bn(conv(ctx, input, 'stem_conv', width, 3), 'stem_bn'), 'stem_relu', 6);
  x = invertedResidual(ctx, x, names('block1'), 1, width, 1, false);
  x = invertedResidual(ctx, x, names('block2'), 4, width * 2, 2, false);
  x = invertedResidual(ctx, x, names('block3'), 4, width * 2, 1, false);
  x = invertedResidual(ctx, x, names('block4'), 4, width * 4, 2, false);
  x = relu(bn(conv(ctx, x, 'head_conv', width * 8, 1), 'head_bn'), 'head_relu', 6);
  return logits(ctx, gap(x), a.numClasses);
}

/** (expansion t, output channels c, repeats n, first stride s), torchvision's table. */
const SETTINGS: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export function mobilenetV2(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  const wm = a.widthMultiplier;
  const stemStride = a.smallInput ? 1 : 2;
  let x = relu(
    bn(torchConv(ctx, input, 'stem_conv', makeDivisible(32 * wm), 3, stemStride), 'stem_bn'),
    'stem_relu',
    6,
  );
  let block = 0;
  SETTINGS.forEach(([t, c, n, s], stage) => {
    const out = makeDivisible(c * wm);
    const firstStride = a.smallInput && stage === 1 ? 1 : s;
    for (let i = 0; i < n; i++) {
      block += 1;
      x = invertedResidual(ctx, x, names(`ir${block}`), t, out, i === 0 ? firstStride : 1, true);
    }
  });
  const head = makeDivisible(1280 * Math.max(1, wm));
  x = relu(bn(torchConv(ctx, x, 'head_conv', head, 1), 'head_bn'), 'head_relu', 6);
  return logits(ctx, gap(x), a.numClasses);
}
