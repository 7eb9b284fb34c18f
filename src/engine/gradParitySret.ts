/**
 * Gradient-parity cases for what SReT adds to the layer set (gradParity.ts runs them with the others):
 * the learnable-coefficient residual, the 2-D position embedding, attention sliced into token groups,
 * the multiplier-2 depthwise conv that pools between stages, the token average pool, and a whole tiny
 * SReT-LT with its shared recursive blocks.
 */
import * as tf from '@tensorflow/tfjs';
import { LayerNorm } from '../models/layerNorm';
import { CoefficientAdd, PosEmbed2D } from '../models/sret';
import { buildStudent } from '../models/students';
import { MultiHeadSelfAttention } from '../models/vit';
import type { Case } from './gradParityCase';

type Sym = tf.SymbolicTensor;
const L = tf.layers;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

export const SRET_GRAD_PARITY_CASES: Case[] = [
  {
    layer: 'SReT learnable residual (a x + b f)',
    inputs: [
      [2, 5, 8],
      [2, 5, 8],
    ],
    model: (xs) => apply(new CoefficientAdd({}), xs),
  },
  {
    layer: 'LayerNorm (one op, written-out gradient)',
    inputs: [[2, 5, 8]],
    model: (xs) => apply(new LayerNorm({ epsilon: 1e-6 }), xs[0]),
  },
  {
    layer: 'SReT 2-D position embedding',
    inputs: [[2, 3, 3, 4]],
    model: (xs) => apply(new PosEmbed2D({ seed: 5 }), xs[0]),
  },
  {
    layer: 'sliced group self-attention [N, G, T, D]',
    inputs: [[2, 3, 4, 8]],
    model: (xs) => apply(new MultiHeadSelfAttention({ numHeads: 2, seeds: [6, 7] }), xs[0]),
  },
  {
    layer: 'depthwiseConv2d 3x3 stride 2, multiplier 2 (SReT pooling)',
    inputs: [[2, 6, 6, 4]],
    model: (xs) =>
      apply(
        L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', depthMultiplier: 2 }),
        apply(L.zeroPadding2d({ padding: 1 }), xs[0]),
      ),
  },
  {
    layer: 'globalAveragePooling1d (tokens)',
    inputs: [[2, 5, 8]],
    model: (xs) => apply(L.globalAveragePooling1d({}), xs[0]),
  },
  {
    layer: 'student sretLT (whole model)',
    inputs: [[2, 28, 28, 1]],
    loss: 'softCE',
    weightScale: 0.3,
    model: (xs) => {
      const m = buildStudent('sretLT', {
        inputSize: 28,
        channels: 1,
        numClasses: 4,
        seed: 1,
        width: 4,
        depth: 3,
      });
      return m.apply(xs[0]) as Sym;
    },
  },
];
