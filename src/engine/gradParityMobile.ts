/**
 * Gradient parity cases for the layers only the mobile students use (models/mobileBlocks.ts): SiLU, the
 * squeeze-and-excitation path (pool, dense, sigmoid, broadcast scale), the 5x5 and TF-'same' strided
 * depthwise convs, and the whole EfficientNetV2-B0 shape at a tiny width. Appended to GRAD_PARITY_CASES
 * (gradParity.ts). The whole FBNet shape is not a case: at a size the cpu reference computes in seconds its
 * deep stages see a few values per BatchNorm channel and ReLU kinks, which turn float32 reordering into
 * differences just over the tolerance at the stem on wasm (docs/fkd.md); its layers are all cases.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededInit } from '../models/common';
import { squeezeExcite } from '../models/mobileBlocks';
import { buildStudent } from '../models/students';
import type { Case } from './gradParityCase';

type Sym = tf.SymbolicTensor;
const L = tf.layers;
const one = (f: (x: Sym) => Sym) => (xs: Sym[]) => f(xs[0]);
const apply = (layer: tf.layers.Layer, x: Sym) => layer.apply(x) as Sym;

/** 16 px, not 8: at 8 px the last stages are 1x1, so BatchNorm normalises two values per channel. */
const wholeEfficientNetV2: Case = {
  layer: 'student efficientnetV2B0 (whole model)',
  inputs: [[2, 16, 16, 1]],
  loss: 'softCE',
  weightScale: 0.3,
  model: (xs) =>
    buildStudent('efficientnetV2B0', { inputSize: 16, channels: 1, numClasses: 4, seed: 1, width: 4 }).apply(
      xs[0],
    ) as Sym,
};

export const MOBILE_GRAD_PARITY_CASES: Case[] = [
  {
    layer: 'swish / SiLU',
    inputs: [[4, 10]],
    inputScale: 4,
    model: one((x) => apply(L.activation({ activation: 'swish' }), x)),
  },
  {
    layer: 'squeeze-excite (pool, dense, sigmoid, scale)',
    inputs: [[2, 4, 4, 8]],
    model: one((x) => squeezeExcite({ init: new SeededInit(1) }, x, 'se', 2, 'silu')),
  },
  {
    layer: 'depthwiseConv2d 5x5 stride 2 (torch padding)',
    inputs: [[2, 9, 9, 4]],
    model: one((x) =>
      apply(
        L.depthwiseConv2d({ kernelSize: 5, strides: 2, padding: 'valid', useBias: false }),
        apply(L.zeroPadding2d({ padding: 2 }), x),
      ),
    ),
  },
  {
    layer: "depthwiseConv2d 3x3 stride 2 (TF 'same')",
    inputs: [[2, 6, 6, 4]],
    model: one((x) =>
      apply(L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false }), x),
    ),
  },
  wholeEfficientNetV2,
];
