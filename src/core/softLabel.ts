/**
 * FKD soft-label codecs (Shen & Xing, ECCV 2022; reference sections 1.4 and 4.2).
 *
 * The teacher's softmax p over C classes is compressed per crop and rebuilt into a dense target q at
 * training time (the reference's "Recover_soft_label"):
 *
 * | codec     | stored per crop                      | rebuilt q                                            |
 * |-----------|--------------------------------------|------------------------------------------------------|
 * | hard      | argmax index                         | one-hot                                              |
 * | smoothing | argmax index, p_max                  | p_max there, (1 − p_max)/(C − 1) elsewhere           |
 * | msTopK    | top-k indices + their p (descending) | stored p there, (1 − Σ stored)/(C − k) elsewhere (MS) |
 * | mrTopK    | top-k indices + p_i / Σ top-k        | p_i / max(Σ p, 1e-12) there, 0 elsewhere (MR)        |
 * | full      | all C probabilities                  | as stored, renormalised                              |
 *
 * Top-k order: descending probability, ties broken by the lower class index. torch.topk on CPU is
 * deterministic but its tie order is an artefact of its partial sort (e.g. [3,4,1,0,2] for five
 * zeros), so we do not copy it; fixtures compare tie groups as sets (tools/reference/gen_core_b.py).
 *
 * MR stores the already-normalised p_i / Σ (the reference stores raw p and normalises on load; both
 * rebuild the same q because recovery still divides by the sum). Normalising first lets quantised MR
 * labels keep an absolute error bound even for flat teachers, where Σ top-k is tiny.
 *
 * Precision of the stored probabilities, and the bound on max |q_rebuilt − q_exact| that
 * `recoveredErrorBound` returns (tested against torch fixtures; derivations in docs/label-record.md):
 * - f32: float32 rounding, ≤ 1e-6.
 * - f16: IEEE half (float16.ts), relative 2^-11 per value; renormalisation at most doubles it: ≤ 1e-3.
 * - q16 / q8: integer codes c on a uniform grid p ≈ c / M, M = 65535 / 1023. Codes come from
 *   largest-remainder rounding (each c is ⌊pM⌋ or ⌊pM⌋+1, and Σc = round(Σp·M)), so every stored value
 *   is within 1/M of the exact one (1.53e-5 / 9.78e-4) and a normalised set still sums to exactly 1.
 *   Because sorted top-k probabilities satisfy p_i ≤ 1/i, code i needs only bitsFor(⌊M/i⌋) bits:
 *   q8 with k = 5 packs into 10+9+9+8+8 = 44 bits, q16 into 16+15+15+14+14. The names say "about 8 /
 *   16 bits per probability", not the width of the first code. Bound: 1/M + 1e-7 (float32 storage).
 * - hard is exact for every precision (no probabilities are stored).
 */
import { bitsFor } from './bitpack';
import { roundToFloat16 } from './float16';

export type Codec = 'hard' | 'smoothing' | 'msTopK' | 'mrTopK' | 'full';
export type Precision = 'f32' | 'f16' | 'q16' | 'q8';

/** `k` matters only for msTopK / mrTopK; hard and smoothing store 1 value, full stores C. */
export interface CodecSpec {
  codec: Codec;
  k: number;
  precision: Precision;
  numClasses: number;
}

export interface EncodedLabel {
  /** Class ids, length storedK(spec); for `full` the identity 0..C−1. */
  indices: Uint16Array;
  /** Stored probabilities after the precision round trip; for `hard` the single value 1. */
  probs: Float32Array;
}

export const CODECS: readonly Codec[] = ['hard', 'smoothing', 'msTopK', 'mrTopK', 'full'];
export const PRECISIONS: readonly Precision[] = ['f32', 'f16', 'q16', 'q8'];

/** Quantisation levels M of the q precisions (values are c / M); 0 for the float precisions. */
export function quantLevels(precision: Precision): number {
  return precision === 'q16' ? 65535 : precision === 'q8' ? 1023 : 0;
}

/** Number of (index, prob) slots stored per crop. */
export function storedK(spec: CodecSpec): number {
  if (spec.codec === 'hard' || spec.codec === 'smoothing') return 1;
  if (spec.codec === 'full') return spec.numClasses;
  return spec.k;
}

/** Throws a descriptive Error for an unusable spec (also used by the record decoder). */
export function validateSpec(spec: CodecSpec): void {
  if (!CODECS.includes(spec.codec)) throw new Error(`unknown codec '${String(spec.codec)}'`);
  if (!PRECISIONS.includes(spec.precision)) throw new Error(`unknown precision '${String(spec.precision)}'`);
  const c = spec.numClasses;
  // Indices are Uint16; smoothing divides by C − 1.
  if (!Number.isInteger(c) || c < 2 || c > 65536) throw new Error(`numClasses ${c} not in 2..65536`);
  if (
    (spec.codec === 'msTopK' || spec.codec === 'mrTopK') &&
    (!Number.isInteger(spec.k) || spec.k < 1 || spec.k > c)
  ) {
    throw new Error(`top-k codec needs 1 <= k <= numClasses, got k=${spec.k}`);
  }
}

/** The spec with k replaced by storedK (how records store it). */
export function normalizeSpec(spec: CodecSpec): CodecSpec {
  validateSpec(spec);
  return { ...spec, k: storedK(spec) };
}

/** Top-k codecs and smoothing store probabilities sorted descending, so slot i (0-based) has p ≤ 1/(i+1). */
function isSorted(codec: Codec): boolean {
  return codec !== 'full';
}

/** Bits of stored probability slot `slot` (0-based) in a packed record. */
export function probFieldBits(spec: CodecSpec, slot: number): number {
  if (spec.codec === 'hard') return 0;
  if (spec.precision === 'f32') return 32;
  if (spec.precision === 'f16') return 16;
  const m = quantLevels(spec.precision);
  return bitsFor(isSorted(spec.codec) ? Math.floor(m / (slot + 1)) : m);
}

/** Bound on max |rebuilt q − exact q| for this spec (see the file comment and docs/label-record.md). */
export function recoveredErrorBound(spec: CodecSpec): number {
  if (spec.codec === 'hard') return 0;
  if (spec.precision === 'f32') return 1e-6;
  if (spec.precision === 'f16') return 1e-3;
  return 1 / quantLevels(spec.precision) + 1e-7;
}

/** Numerically stable softmax(logits / T): max subtraction, float64 accumulation, float32 result. */
export function softmax(logits: ArrayLike<number>, temperature = 1): Float32Array {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i] / temperature);
  const e = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    e[i] = Math.exp(logits[i] / temperature - max);
    sum += e[i];
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = e[i] / sum;
  return out;
}

/** Indices of the k largest values, descending; ties go to the lower index. */
export function topKIndices(values: ArrayLike<number>, k: number): number[] {
  const before = (a: number, b: number) => values[a] > values[b] || (values[a] === values[b] && a < b);
  if (k > 16) {
    const all = Array.from({ length: values.length }, (_, i) => i);
    all.sort((a, b) => (before(a, b) ? -1 : 1));
    return all.slice(0, k);
  }
  // Insertion into a short sorted list: O(C·k), cheaper than a full sort for the usual k = 5.
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (top.length === k && !before(i, top[k - 1])) continue;
    let j = Math.min(top.length, k - 1);
    top[j] = i;
    while (j > 0 && before(i, top[j - 1])) {
      top[j] = top[j - 1];
      top[j - 1] = i;
      j--;
    }
  }
  return top;
}

/**
 * Largest-remainder rounding of `values` to integer codes on the grid 1/M with Σ codes = target.
 * Each code is ⌊vM⌋ or ⌊vM⌋ + 1, so |c/M − v| < 1/M. Ties go to the lower position, which keeps codes
 * non-increasing for non-increasing input (needed for the p_i ≤ 1/i bit widths).
 */
export function largestRemainderCodes(values: ArrayLike<number>, m: number, target: number): Uint32Array {
  const n = values.length;
  const codes = new Uint32Array(n);
  const rem = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const scaled = Math.min(Math.max(values[i], 0), 1) * m;
    codes[i] = Math.floor(scaled);
    rem[i] = scaled - codes[i];
    total += codes[i];
  }
  let need = target - total;
  if (need !== 0) {
    const order = Array.from({ length: n }, (_, i) => i);
    if (need > 0) order.sort((a, b) => rem[b] - rem[a] || a - b);
    else order.sort((a, b) => rem[a] - rem[b] || b - a);
    for (let j = 0; j < n && need !== 0; j++) {
      const i = order[j];
      if (need > 0 && codes[i] < m) {
        codes[i]++;
        need--;
      } else if (need < 0 && codes[i] > 0) {
        codes[i]--;
        need++;
      }
    }
  }
  return codes;
}

/** Round selected probabilities to the spec's precision. `normalised` sets must sum to 1. */
function applyPrecision(values: Float64Array, precision: Precision, normalised: boolean): Float32Array {
  const out = new Float32Array(values.length);
  if (precision === 'f32' || precision === 'f16') {
    for (let i = 0; i < values.length; i++) {
      out[i] = precision === 'f16' ? roundToFloat16(values[i]) : values[i];
    }
    return out;
  }
  const m = quantLevels(precision);
  let sum = 0;
  for (const v of values) sum += v;
  const target = normalised ? m : Math.min(m, Math.max(0, Math.round(sum * m)));
  const codes = largestRemainderCodes(values, m, target);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] / m;
  return out;
}

/** Compress one crop's teacher probabilities (length C) per `spec`. */
export function encodeSoftLabel(probs: ArrayLike<number>, spec: CodecSpec): EncodedLabel {
  validateSpec(spec);
  const c = spec.numClasses;
  if (probs.length !== c) throw new Error(`expected ${c} probabilities, got ${probs.length}`);
  let sum = 0;
  for (let i = 0; i < c; i++) {
    if (!Number.isFinite(probs[i]) || probs[i] < 0)
      throw new Error(`probability ${i} is invalid: ${probs[i]}`);
    sum += probs[i];
  }
  if (!(sum > 0)) throw new Error('probabilities must have a positive sum');
  if (spec.codec === 'full') {
    const values = Float64Array.from(probs, (p) => (spec.precision.startsWith('q') ? p / sum : p));
    const indices = Uint16Array.from({ length: c }, (_, i) => i);
    return { indices, probs: applyPrecision(values, spec.precision, true) };
  }
  const top = topKIndices(probs, storedK(spec));
  const indices = Uint16Array.from(top);
  if (spec.codec === 'hard') return { indices, probs: Float32Array.of(1) };
  const values = Float64Array.from(top, (i) => probs[i]);
  if (spec.codec === 'mrTopK') {
    const topSum = values.reduce((a, b) => a + b, 0);
    for (let i = 0; i < values.length; i++) values[i] /= Math.max(topSum, 1e-12);
  }
  return { indices, probs: applyPrecision(values, spec.precision, spec.codec === 'mrTopK') };
}

/** Rebuild the dense C-vector target (sums to 1) from one encoded crop label. */
export function recoverSoftLabel(enc: EncodedLabel, spec: CodecSpec, out?: Float32Array): Float32Array {
  validateSpec(spec);
  const c = spec.numClasses;
  const k = storedK(spec);
  const q = out ?? new Float32Array(c);
  if (q.length !== c) throw new Error(`output length ${q.length} != numClasses ${c}`);
  if (enc.indices.length !== k || enc.probs.length !== k) {
    throw new Error(
      `encoded label has ${enc.indices.length} indices / ${enc.probs.length} probs, expected ${k}`,
    );
  }
  for (let j = 0; j < k; j++) {
    if (enc.indices[j] >= c) throw new Error(`class index ${enc.indices[j]} >= numClasses ${c}`);
  }
  const p = (j: number) => Math.max(0, enc.probs[j]); // quantisation never goes negative; corrupt data might
  switch (spec.codec) {
    case 'hard':
      q.fill(0);
      q[enc.indices[0]] = 1;
      return q;
    case 'full':
      q.fill(0);
      for (let j = 0; j < k; j++) q[enc.indices[j]] = p(j);
      break;
    case 'mrTopK': {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += p(j);
      q.fill(0);
      for (let j = 0; j < k; j++) q[enc.indices[j]] = p(j) / Math.max(sum, 1e-12);
      break;
    }
    case 'smoothing':
    case 'msTopK': {
      // Marginal smoothing: the mass the top-k leave out is spread evenly over the other C − k classes.
      let sum = 0;
      for (let j = 0; j < k; j++) sum += p(j);
      q.fill(k < c ? Math.max(0, 1 - sum) / (c - k) : 0);
      for (let j = 0; j < k; j++) q[enc.indices[j]] = p(j);
      break;
    }
  }
  // Float rounding or a clamped leftover can leave drift; the loss expects a distribution.
  let total = 0;
  for (let i = 0; i < c; i++) total += q[i];
  if (!(total > 0)) q.fill(1 / c);
  else if (total !== 1) for (let i = 0; i < c; i++) q[i] /= total;
  return q;
}

/** Rebuild n targets into one crop-major [n × C] array (the trainer's batch layout). */
export function recoverSoftLabels(encs: readonly EncodedLabel[], spec: CodecSpec): Float32Array {
  const c = spec.numClasses;
  const out = new Float32Array(encs.length * c);
  encs.forEach((e, i) => recoverSoftLabel(e, spec, out.subarray(i * c, (i + 1) * c)));
  return out;
}

/**
 * Map the reference's `--label_type` names. Both 'marginal_renorm_k5' (generator) and 'marginal_renorm'
 * (the only name its trainer recognises: docs/fkd.md, Where the reference code is wrong) mean MR
 * top-5. 'ori' (full) returns k = 0: full always stores all C classes (see storedK).
 */
export function codecFromReferenceName(name: string): { codec: Codec; k: number } {
  const n = name.trim().toLowerCase();
  if (n === 'hard') return { codec: 'hard', k: 1 };
  if (n === 'smoothing') return { codec: 'smoothing', k: 1 };
  if (n === 'ori') return { codec: 'full', k: 0 };
  if (n === 'marginal_renorm') return { codec: 'mrTopK', k: 5 };
  const m = /^marginal_(smoothing|renorm)_k([1-9]\d*)$/.exec(n);
  if (m) return { codec: m[1] === 'smoothing' ? 'msTopK' : 'mrTopK', k: Number(m[2]) };
  throw new Error(
    `unknown FKD label type '${name}' (expected hard, smoothing, marginal_smoothing_k<N>, ` +
      `marginal_renorm_k<N>, marginal_renorm or ori)`,
  );
}
