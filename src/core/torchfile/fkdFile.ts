/**
 * FKD's per-image soft-label file (docs/fkd-files.md, One file): torch.save of the list
 * [coords (N, 4), flip (N,), label], NumPy arrays, float32 or float16 (`--use_fp16`). coords are
 * (top/H, left/W, h/H, w/W); the label's shape says its type: hard (N,) int64, smoothing (N, 2) =
 * [index, p_max], marginal smoothing / renorm top-k (N, 2, k) = [indices as floats; probabilities],
 * ori (N, C). MS and MR share a shape, so which one a file holds is the caller's `labelType`.
 */
import { readTorchSaveContainer, writeTorchSaveWith } from './container';
import { encodeArrayData, type NdArray } from './ndarray';
import { unpickle, type PyValue } from './pickle';
import { fillPickle, pickleLength, pickleTemplate } from './pickleWriter';

export type FkdLabelKind = 'hard' | 'smoothing' | 'marginal_smoothing' | 'marginal_renorm' | 'ori';
export type FkdPrecision = 'f32' | 'f16';

export interface FkdLabelFile {
  kind: FkdLabelKind;
  /** Stored slots per crop: 1 for hard and smoothing, k for top-k, C for ori. */
  k: number;
  precision: FkdPrecision;
  numCrops: number;
  /** 4·N (top/H, left/W, h/H, w/W) as stored (float16 widened exactly). */
  coords: Float32Array;
  flip: Uint8Array;
  /** N·k class ids (0..k−1 per crop for ori). */
  indices: Uint16Array;
  /** N·k stored probabilities (1 for hard). */
  probs: Float32Array;
}

export class FkdFileError extends Error {
  override name = 'FkdFileError';
}

export interface ReadFkdOptions {
  /** The dataset's class count: indices and k are checked against it. */
  numClasses?: number;
  /** What the user says the files hold; MS and MR cannot be told apart by shape. */
  labelKind?: FkdLabelKind;
}

/** Slack for float32/float16 rounding of fractions that should be inside [0, 1]. */
const EPS = 1e-3;
/** Python's tuple spelling, e.g. (3,) and (4, 2, 5). */
const shapeStr = (s: readonly number[]) => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;

function asArrays(v: PyValue): NdArray[] {
  if (typeof v !== 'object' || v === null || v.kind !== 'list')
    throw new Error(
      `top-level value is ${v === null ? 'None' : typeof v === 'object' ? v.kind : typeof v}, not a list`,
    );
  if (v.items.length !== 3)
    throw new Error(`expected a list of 3 arrays [coords, flip, label], got ${v.items.length} items`);
  return v.items.map((x, i) => {
    if (typeof x !== 'object' || x === null || x.kind !== 'ndarray')
      throw new Error(`item ${i} of the list is not a NumPy array`);
    return x.array;
  });
}

function precisionOf(a: NdArray, what: string): FkdPrecision {
  if (a.dtype === 'float32') return 'f32';
  if (a.dtype === 'float16') return 'f16';
  throw new Error(`${what} is ${a.dtype}; FKD writes float32 or float16`);
}

function classIndex(v: number, crop: number, numClasses: number | undefined): number {
  if (!Number.isInteger(v) || v < 0 || v > 65535)
    throw new Error(`crop ${crop}: class index ${v} is not a valid index`);
  if (numClasses !== undefined && v >= numClasses)
    throw new Error(`crop ${crop}: class index ${v} is out of range for ${numClasses} classes`);
  return v;
}

function inferKind(label: NdArray, n: number, opts: ReadFkdOptions): FkdLabelKind {
  const s = label.shape;
  if (s[0] !== n) throw new Error(`label has ${s[0]} rows but coords has ${n} crops`);
  const want = opts.labelKind;
  if (s.length === 1) return 'hard';
  if (s.length === 3 && s[1] === 2)
    return want === 'marginal_renorm' ? 'marginal_renorm' : 'marginal_smoothing';
  if (s.length === 2 && s[1] === 2 && want !== 'ori') return 'smoothing';
  if (s.length === 2 && s[1] > 2) return 'ori';
  if (s.length === 2 && s[1] === 2) return 'ori';
  throw new Error(`label shape ${shapeStr(s)} is none of FKD's: (N,), (N, 2), (N, 2, k), (N, C)`);
}

/** Whether ids[at .. at + k) holds a class twice (pairwise for FKD's small k, a Set beyond). */
function repeats(ids: Uint16Array, at: number, k: number): boolean {
  if (k > 16) return new Set(ids.subarray(at, at + k)).size !== k;
  for (let a = at + 1; a < at + k; a++) for (let b = at; b < a; b++) if (ids[a] === ids[b]) return true;
  return false;
}

/** Check and flatten FKD's three arrays; throws with the reason (without the file name). */
export function parseFkdArrays(arrays: NdArray[], opts: ReadFkdOptions = {}): FkdLabelFile {
  const [coords, flip, label] = arrays;
  if (coords.shape.length !== 2 || coords.shape[1] !== 4)
    throw new Error(`coords shape ${shapeStr(coords.shape)} is not (N, 4)`);
  const n = coords.shape[0];
  if (n < 1) throw new Error('the file holds no crops');
  precisionOf(coords, 'coords');
  if (flip.shape.length !== 1 || flip.shape[0] !== n)
    throw new Error(`flip shape ${shapeStr(flip.shape)} is not (${n},)`);
  if (flip.dtype !== 'bool' && flip.dtype !== 'uint8') throw new Error(`flip is ${flip.dtype}, not bool`);
  const cv = coords.values as Float32Array;
  for (let i = 0; i < n; i++) {
    const t = cv[4 * i];
    const l = cv[4 * i + 1];
    const h = cv[4 * i + 2];
    const w = cv[4 * i + 3];
    // Written so that NaN fails every comparison: each must hold, not merely not fail.
    const ok = t >= 0 && l >= 0 && h > 0 && w > 0 && t <= 1 && l <= 1 && h <= 1 && w <= 1;
    if (!ok || t + h > 1 + EPS || l + w > 1 + EPS)
      throw new Error(`crop ${i}: coords (${t}, ${l}, ${h}, ${w}) are not a box inside [0, 1]`);
  }
  const fv = flip.values as Uint8Array;
  for (let i = 0; i < n; i++) if (fv[i] > 1) throw new Error(`crop ${i}: flip ${fv[i]} is not 0 or 1`);

  const kind = inferKind(label, n, opts);
  if (opts.labelKind && opts.labelKind !== kind)
    throw new Error(`label shape ${shapeStr(label.shape)} is ${kind}, expected ${opts.labelKind}`);
  const C = opts.numClasses;
  const lv = label.values;
  let k: number;
  let precision: FkdPrecision;
  let indices: Uint16Array;
  let probs: Float32Array;
  if (kind === 'hard') {
    if (label.dtype !== 'int64' && label.dtype !== 'int32')
      throw new Error(`hard label is ${label.dtype}, expected int64`);
    k = 1;
    precision = precisionOf(coords, 'coords');
    indices = Uint16Array.from(lv, (v, i) => classIndex(v, i, C));
    probs = new Float32Array(n).fill(1);
  } else {
    precision = precisionOf(label, 'label');
    k = kind === 'smoothing' ? 1 : kind === 'ori' ? label.shape[1] : label.shape[2];
    if (k < 1) throw new Error('label has no classes');
    if (C !== undefined && (kind === 'ori' ? k !== C : k > C))
      throw new Error(
        `label ${shapeStr(label.shape)} stores ${k} classes per crop; the dataset has ${C} classes`,
      );
    indices = new Uint16Array(n * k);
    probs = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        // smoothing: [index, p]; top-k: [[indices], [probs]]; ori: probabilities per class.
        const idx = kind === 'ori' ? j : kind === 'smoothing' ? lv[2 * i] : lv[i * 2 * k + j];
        const p =
          kind === 'ori' ? lv[i * k + j] : kind === 'smoothing' ? lv[2 * i + 1] : lv[i * 2 * k + k + j];
        if (!Number.isFinite(p) || p < 0 || p > 1 + EPS)
          throw new Error(`crop ${i}: probability ${p} is not in [0, 1]`);
        indices[i * k + j] = classIndex(idx, i, C);
        probs[i * k + j] = p;
        sum += p;
      }
      if (kind !== 'ori' && k > 1 && repeats(indices, i * k, k))
        throw new Error(`crop ${i}: the top-${k} class indices repeat a class`);
      if (kind !== 'marginal_renorm' && sum > 1 + EPS)
        throw new Error(`crop ${i}: stored probabilities sum to ${sum} > 1`);
    }
  }
  return { kind, k, precision, numCrops: n, coords: cv, flip: fv, indices, probs };
}

/** Read one FKD label file. Every refusal is an FkdFileError starting with `fileName`. */
export function readFkdLabelFile(
  bytes: Uint8Array,
  fileName: string,
  opts: ReadFkdOptions = {},
): FkdLabelFile {
  try {
    return parseFkdArrays(asArrays(unpickle(readTorchSaveContainer(bytes))), opts);
  } catch (e) {
    const err = e as Error;
    const what = err.name === 'PickleRefused' ? `refused: the pickle uses ${err.message}` : err.message;
    throw new FkdFileError(`${fileName}: ${what}`, { cause: e });
  }
}

/** The three arrays FKD's generator saves, from flat values. */
export function fkdArrays(f: FkdLabelFile): NdArray[] {
  const fdt = f.precision === 'f16' ? 'float16' : 'float32';
  const n = f.numCrops;
  let label: NdArray;
  if (f.kind === 'hard') label = { dtype: 'int64', shape: [n], values: Float64Array.from(f.indices) };
  else if (f.kind === 'ori') label = { dtype: fdt, shape: [n, f.k], values: f.probs };
  else if (f.kind === 'smoothing') {
    const v = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      v[2 * i] = f.indices[i];
      v[2 * i + 1] = f.probs[i];
    }
    label = { dtype: fdt, shape: [n, 2], values: v };
  } else {
    const k = f.k;
    const v = new Float32Array(2 * k * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        v[i * 2 * k + j] = f.indices[i * k + j];
        v[i * 2 * k + k + j] = f.probs[i * k + j];
      }
    }
    label = { dtype: fdt, shape: [n, 2, k], values: v };
  }
  return [
    { dtype: fdt, shape: [n, 4], values: f.coords },
    { dtype: 'bool', shape: [n], values: f.flip },
    label,
  ];
}

/** Pickle templates by array dtypes and shapes: one label set has one, so this stays small. */
const templates = new Map<string, Uint8Array[]>();

function templateFor(arrays: readonly NdArray[]): Uint8Array[] {
  const key = arrays.map((a) => `${a.dtype}:${a.shape.join(',')}`).join('|');
  let t = templates.get(key);
  if (!t) {
    if (templates.size >= 16) templates.clear();
    t = pickleTemplate(arrays);
    templates.set(key, t);
  }
  return t;
}

/** One FKD label file (torch.save bytes) that torch.load reads back as FKD's generator wrote it. */
export function writeFkdLabelFile(f: FkdLabelFile, stem: string): Uint8Array {
  const arrays = fkdArrays(f);
  const parts = templateFor(arrays);
  const raws = arrays.map((a) => encodeArrayData(a.dtype, a.values));
  return writeTorchSaveWith(stem, pickleLength(parts, raws), (out, at) => fillPickle(parts, raws, out, at));
}

/** The `--soft_label_type` FKD's trainer accepts for this kind (its MR name is 'marginal_renorm'). */
export function fkdLabelTypeName(kind: FkdLabelKind, k: number): string {
  if (kind === 'marginal_smoothing') return `marginal_smoothing_k${k}`;
  return kind;
}
