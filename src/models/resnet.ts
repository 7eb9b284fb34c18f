/**
 * ResNet students (He et al.), torchvision's layout and layer names (conv1, layer1_0_conv1, ..., fc):
 *  - resnet18: BasicBlock x [2, 2, 2, 2]; resnet50: Bottleneck (expansion 4, stride on the 3x3, "v1.5")
 *    x [3, 4, 6, 3]; stage widths w, 2w, 4w, 8w (w = 64 gives torchvision's 11,689,512 / 25,557,032
 *    parameters at 1000 classes);
 *  - the ImageNet stem (7x7/2 conv + 3x3/2 max-pool, 4x downsampling) or, for 28-64 px inputs, the
 *    CIFAR stem (3x3/1 conv, no pool);
 *  - strided convs pad symmetrically like PyTorch (common.ts torchConv).
 * resnetMini is the older, smaller student kept under its own names (existing checkpoints stay loadable).
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

/** ResNet BasicBlock (He et al.): two 3x3 convs + identity, or a 1x1 projection when the shape changes. */
function miniBlock(ctx: Ctx, x: Sym, name: string, filters: number, strides: number): Sym {
  const inChannels = x.shape[3];
  let y = relu(bn(conv(ctx, x, `${name}_conv1`, filters, 3, strides), `${name}_bn1`), `${name}_relu1`);
  y = bn(conv(ctx, y, `${name}_conv2`, filters, 3), `${name}_bn2`);
  const shortcut =
    strides !== 1 || inChannels !== filters
      ? bn(conv(ctx, x, `${name}_proj`, filters, 1, strides), `${name}_proj_bn`)
      : x;
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as Sym;
  return relu(sum, `${name}_out`);
}

/** ResNet-18's shape in miniature: 3x3 stem, one BasicBlock per stage at widths w, 2w, 4w. */
export function resnetMini(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  const width = a.width;
  let x = relu(bn(conv(ctx, input, 'stem_conv', width, 3), 'stem_bn'), 'stem_relu');
  x = miniBlock(ctx, x, 'stage1', width, 1);
  x = miniBlock(ctx, x, 'stage2', width * 2, 2);
  x = miniBlock(ctx, x, 'stage3', width * 4, 2);
  return logits(ctx, gap(x), a.numClasses);
}

/** 1x1 conv + BN projection shortcut when the stride or the channel count changes, else identity. */
function shortcut(ctx: Ctx, x: Sym, name: string, filters: number, strides: number): Sym {
  if (strides === 1 && x.shape[3] === filters) return x;
  return bn(torchConv(ctx, x, `${name}_downsample_0`, filters, 1, strides), `${name}_downsample_1`);
}

function residual(x: Sym, y: Sym, name: string): Sym {
  return relu(tf.layers.add({ name: `${name}_add` }).apply([y, x]) as Sym, `${name}_relu`);
}

/** torchvision BasicBlock: 3x3(stride) BN ReLU 3x3 BN, + shortcut, ReLU. */
function basicBlock(ctx: Ctx, x: Sym, name: string, planes: number, strides: number): Sym {
  let y = relu(bn(torchConv(ctx, x, `${name}_conv1`, planes, 3, strides), `${name}_bn1`), `${name}_relu1`);
  y = bn(torchConv(ctx, y, `${name}_conv2`, planes, 3), `${name}_bn2`);
  return residual(shortcut(ctx, x, name, planes, strides), y, name);
}

/** torchvision Bottleneck (v1.5): 1x1 BN ReLU 3x3(stride) BN ReLU 1x1(4 planes) BN, + shortcut, ReLU. */
function bottleneck(ctx: Ctx, x: Sym, name: string, planes: number, strides: number): Sym {
  let y = relu(bn(torchConv(ctx, x, `${name}_conv1`, planes, 1), `${name}_bn1`), `${name}_relu1`);
  y = relu(bn(torchConv(ctx, y, `${name}_conv2`, planes, 3, strides), `${name}_bn2`), `${name}_relu2`);
  y = bn(torchConv(ctx, y, `${name}_conv3`, planes * 4, 1), `${name}_bn3`);
  return residual(shortcut(ctx, x, name, planes * 4, strides), y, name);
}

type Block = typeof basicBlock;

function resnet(ctx: Ctx, input: Sym, a: BuildArgs, block: Block, layers: number[]): Sym {
  const w = a.width;
  let x: Sym;
  if (a.smallInput) {
    x = relu(bn(torchConv(ctx, input, 'conv1', w, 3), 'bn1'), 'relu');
  } else {
    x = relu(bn(torchConv(ctx, input, 'conv1', w, 7, 2), 'bn1'), 'relu');
    // PyTorch pads the pool with -inf; after a ReLU zeros never win a window either.
    x = torchPad(x, 'maxpool', 3, 2);
    x = tf.layers
      .maxPooling2d({ name: 'maxpool', poolSize: 3, strides: 2, padding: 'valid' })
      .apply(x) as Sym;
  }
  layers.forEach((n, stage) => {
    for (let i = 0; i < n; i++) {
      const strides = stage > 0 && i === 0 ? 2 : 1;
      x = block(ctx, x, `layer${stage + 1}_${i}`, w * 2 ** stage, strides);
    }
  });
  return logits(ctx, gap(x), a.numClasses);
}

export function resnet18(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  return resnet(ctx, input, a, basicBlock, [2, 2, 2, 2]);
}

export function resnet50(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  return resnet(ctx, input, a, bottleneck, [3, 4, 6, 3]);
}
