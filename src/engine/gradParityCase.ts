import type * as tf from '@tensorflow/tfjs';

/** One gradient-parity case; its own module so case lists in other files import it without a circle. */
export interface Case {
  layer: string;
  /** Input shapes (batch included); the inputs are variables so their gradients are checked too. */
  inputs: number[][];
  inputScale?: number;
  /** The model under test; its weights are overwritten with PRNG values. Absent: identity (loss case). */
  model?: (inputs: tf.SymbolicTensor[]) => tf.SymbolicTensor;
  /** Loss on the output: default sum(y * R) with a fixed random R (a generic upstream gradient). */
  loss?: 'softCE';
  weightScale?: number;
}
