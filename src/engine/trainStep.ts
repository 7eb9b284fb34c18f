/**
 * The one synchronous, tidy'd training step shared by FKD, vanilla and online KD (architecture.md:
 * "the same step code", so the speed table compares like with like). Vanilla passes one-hot targets
 * (soft CE with a one-hot target is ordinary CE); online KD passes softmax(teacher logits / T_gen).
 * Pitfalls guarded: tidy is sync-only (1), so the step returns a kept scalar and the caller awaits
 * loss.data() every K steps; BatchNormalization only trains with {training: true} (5), and its moving
 * mean/variance are then updated inside BatchNormalization.call.
 */
import * as tf from '@tensorflow/tfjs';
import { hardCrossEntropy, softCrossEntropy } from './loss';
import { adamW, sgdMomentum, type Optimizer, type OptimizerWeight, type ParamSlot } from './optimizers';
import { patchBatchNormTraining } from './kernels/batchNormTrain';
import { patchReLUMax } from './kernels/reluMaxGrad';

export interface TrainerOptions {
  optimizer: 'sgd' | 'adamw';
  lr: number;
  /** SGD only; default 0.9 (docs/fkd.md, Optimisers). */
  momentum?: number;
  /** SGD only: Nesterov momentum as torch.optim.SGD(nesterov=True). Default false. */
  nesterov?: boolean;
  /** Default 1e-4 for SGD (all params), 0.05 for AdamW (>1-D params only), as the two recipes. */
  weightDecay?: number;
  /** Divides the student logits only; no T^2 (docs/fkd.md, Loss). Default 1. */
  temperature?: number;
}

export interface Trainer {
  /** forward (training mode) + soft CE + update, inside one tf.tidy. Caller disposes the returned loss. */
  step(x: tf.Tensor4D, targets: tf.Tensor2D): tf.Scalar;
  /**
   * The same step, also counting crops whose arg-max equals their hard label (training top-1 is logged
   * against hard labels, docs/fkd.md). Returns [loss, correct]; caller disposes.
   */
  stepWithAccuracy(x: tf.Tensor4D, targets: tf.Tensor2D, labels: Int32Array): tf.Tensor1D;
  /** Takes effect on the next step; the optimiser state is kept (per-pass cosine staircase, 2.3). */
  setLearningRate(lr: number): void;
  /** Logits in inference mode (BN uses moving statistics). Caller disposes. */
  evaluate(x: tf.Tensor4D): tf.Tensor2D;
  /** Logits and hard-label CE (validation loss, 2.7), inference mode. Caller disposes both. */
  evaluateLoss(x: tf.Tensor4D, labels: Int32Array | tf.Tensor1D): { logits: tf.Tensor2D; loss: tf.Scalar };
  optimizerWeights(): Promise<OptimizerWeight[]>;
  setOptimizerWeights(weights: OptimizerWeight[]): void;
  dispose(): void;
}

/** The model's trainable parameters under their stable names; 1-D ones (bias, BN gamma/beta) flagged. */
export function trainableSlots(model: tf.LayersModel, decayOneDim: boolean): ParamSlot[] {
  return model.trainableWeights.map((w) => ({
    name: w.originalName,
    variable: w.read() as tf.Variable,
    decay: decayOneDim || w.shape.length > 1,
  }));
}

export function createTrainer(model: tf.LayersModel, opts: TrainerOptions): Trainer {
  // BatchNorm's training forward and gradient as one op (kernels/batchNormTrain.ts: dozens of small
  // kernels otherwise) and ReLU6 as one op with a cheap gradient (kernels/reluMaxGrad.ts, MobileNets).
  patchBatchNormTraining();
  patchReLUMax();
  const temperature = opts.temperature ?? 1;
  const isSgd = opts.optimizer === 'sgd';
  // SGD recipe decays everything (train_FKD.py); timm's AdamW exempts 1-D params.
  const params = trainableSlots(model, isSgd);
  const variables = params.map((p) => p.variable);
  const optimizer: Optimizer = isSgd
    ? sgdMomentum({
        lr: opts.lr,
        momentum: opts.momentum ?? 0.9,
        weightDecay: opts.weightDecay ?? 1e-4,
        nesterov: opts.nesterov ?? false,
      })
    : adamW({ lr: opts.lr, weightDecay: opts.weightDecay ?? 0.05 });

  return {
    step(x, targets) {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.apply(x, { training: true }) as tf.Tensor2D;
          return softCrossEntropy(logits, targets, temperature);
        }, variables);
        optimizer.apply(params, grads);
        return value;
      });
    },
    stepWithAccuracy(x, targets, labels) {
      return tf.tidy(() => {
        let correct: tf.Scalar | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.apply(x, { training: true }) as tf.Tensor2D;
          // tf.keep lets it out of the gradient tape's tidy; disposed by hand once stacked (keep outlives tidies).
          correct = tf.keep(
            tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels, 'int32')), 'float32')),
          );
          return softCrossEntropy(logits, targets, temperature);
        }, variables);
        optimizer.apply(params, grads);
        const out = tf.stack([value, correct!]) as tf.Tensor1D;
        (correct as tf.Scalar | null)?.dispose();
        return out;
      });
    },
    setLearningRate(lr) {
      if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`invalid learning rate ${lr}`);
      optimizer.lr = lr;
    },
    evaluate(x) {
      return tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor2D);
    },
    evaluateLoss(x, labels) {
      return tf.tidy(() => {
        const logits = model.apply(x, { training: false }) as tf.Tensor2D;
        const labelTensor = labels instanceof tf.Tensor ? labels : tf.tensor1d(labels, 'int32');
        return { logits, loss: hardCrossEntropy(logits, labelTensor) };
      });
    },
    optimizerWeights() {
      return optimizer.getState();
    },
    setOptimizerWeights(weights) {
      optimizer.setState(weights);
    },
    dispose() {
      optimizer.dispose();
    },
  };
}
