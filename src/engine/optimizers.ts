/**
 * The two optimiser recipes of docs/fkd.md (Optimisers), written out instead of using tf.train.*:
 *  - tfjs has no AdamW, and its Adam uses epsilon 1e-7 inside the sqrt-free form of Keras;
 *  - tfjs's MomentumOptimizer keys its buffers by position and names them after the unstable unique
 *    variable names, which makes checkpoints fragile; ours are keyed by the weight's original name.
 * The learning rate is a plain number read on every apply(), so a per-pass cosine schedule just sets
 * `lr` (no optimiser rebuild, no tf.variable). Everything here is synchronous and meant to run inside
 * the train step's tf.tidy; only the state variables outlive it.
 */
import * as tf from '@tensorflow/tfjs';

/** One trainable parameter: its stable checkpoint name, its variable, and whether weight decay hits it. */
export interface ParamSlot {
  name: string;
  variable: tf.Variable;
  decay: boolean;
}

/** One optimiser state tensor in a checkpoint. */
export interface OptimizerWeight {
  name: string;
  shape: number[];
  data: ArrayBuffer;
}

export interface Optimizer {
  lr: number;
  /** Updates the parameters in place from grads keyed by variable.name. Call inside tf.tidy. */
  apply(params: ParamSlot[], grads: tf.NamedTensorMap): void;
  getState(): Promise<OptimizerWeight[]>;
  setState(weights: OptimizerWeight[]): void;
  dispose(): void;
}

const ITERATIONS = 'iterations';

/** Named, lazily created state buffers (zeros shaped like their parameter), kept outside any tidy. */
class Buffers {
  private readonly vars = new Map<string, tf.Variable>();
  get(key: string, like: tf.Tensor): tf.Variable {
    let v = this.vars.get(key);
    if (!v) {
      // tf.variable does not dispose its initial value (docs/tfjs-notes.md), so build it inside a tidy.
      v = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      this.vars.set(key, v);
    }
    return v;
  }
  async save(): Promise<OptimizerWeight[]> {
    const out: OptimizerWeight[] = [];
    for (const [name, v] of this.vars) {
      const values = await v.data();
      out.push({ name, shape: v.shape.slice(), data: Float32Array.from(values as Float32Array).buffer });
    }
    return out;
  }
  load(weights: OptimizerWeight[]): void {
    this.dispose();
    for (const w of weights) {
      if (w.name === ITERATIONS) continue;
      const v = tf.tidy(() => tf.variable(tf.tensor(new Float32Array(w.data), w.shape, 'float32'), false));
      this.vars.set(w.name, v);
    }
  }
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

function iterationsWeight(t: number): OptimizerWeight {
  return { name: ITERATIONS, shape: [], data: Float32Array.of(t).buffer };
}

function readIterations(weights: OptimizerWeight[]): number {
  const w = weights.find((x) => x.name === ITERATIONS);
  return w ? new Float32Array(w.data)[0] : 0;
}

/**
 * torch.optim.SGD(momentum, weight_decay, nesterov), dampening 0: g += wd * p (coupled L2, on ALL
 * parameters as the released train_FKD.py does); buf = momentum * buf + g; then p -= lr * buf, or with
 * Nesterov p -= lr * (g + momentum * buf) (PyTorch's formula, the look-ahead on the fresh buffer).
 */
export function sgdMomentum(opts: {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov?: boolean;
}): Optimizer {
  if (opts.nesterov && !(opts.momentum > 0)) throw new Error('Nesterov momentum requires a momentum > 0');
  const buffers = new Buffers();
  let iterations = 0;
  const opt: Optimizer = {
    lr: opts.lr,
    apply(params, grads) {
      for (const p of params) {
        const g0 = grads[p.variable.name];
        if (!g0) continue; // no path from the loss: PyTorch skips params whose grad is None
        const g = opts.weightDecay > 0 && p.decay ? tf.add(g0, tf.mul(p.variable, opts.weightDecay)) : g0;
        const buf = buffers.get(`${p.name}/momentum`, p.variable);
        const next = tf.add(tf.mul(buf, opts.momentum), g);
        buf.assign(next);
        const step = opts.nesterov ? tf.add(g, tf.mul(next, opts.momentum)) : next;
        p.variable.assign(tf.sub(p.variable, tf.mul(step, opt.lr)));
      }
      iterations++;
    },
    async getState() {
      return [iterationsWeight(iterations), ...(await buffers.save())];
    },
    setState(weights) {
      iterations = readIterations(weights);
      buffers.load(weights);
    },
    dispose() {
      buffers.dispose();
    },
  };
  return opt;
}

/**
 * torch.optim.AdamW as timm builds it: decoupled decay p *= (1 - lr * wd) applied only to parameters with
 * more than one dimension (timm exempts biases and norm weights), then the bias-corrected Adam step
 * p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps). PyTorch decays before the Adam step; we keep its order.
 */
export function adamW(opts: {
  lr: number;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}): Optimizer {
  const beta1 = opts.beta1 ?? 0.9;
  const beta2 = opts.beta2 ?? 0.999;
  const eps = opts.epsilon ?? 1e-8;
  const buffers = new Buffers();
  let t = 0;
  const opt: Optimizer = {
    lr: opts.lr,
    apply(params, grads) {
      t++;
      const bc1 = 1 - beta1 ** t;
      const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
      for (const p of params) {
        const g = grads[p.variable.name];
        if (!g) continue;
        const m = buffers.get(`${p.name}/m`, p.variable);
        const v = buffers.get(`${p.name}/v`, p.variable);
        const mNext = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const vNext = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(mNext);
        v.assign(vNext);
        let value: tf.Tensor = p.variable;
        if (p.decay && opts.weightDecay > 0) value = tf.mul(value, 1 - opt.lr * opts.weightDecay);
        const denom = tf.add(tf.div(tf.sqrt(vNext), bc2Sqrt), eps);
        p.variable.assign(tf.sub(value, tf.mul(tf.div(mNext, denom), opt.lr / bc1)));
      }
    },
    async getState() {
      return [iterationsWeight(t), ...(await buffers.save())];
    },
    setState(weights) {
      t = readIterations(weights);
      buffers.load(weights);
    },
    dispose() {
      buffers.dispose();
    },
  };
  return opt;
}
