/**
 * NumPy arrays as FKD's label files hold them: a dtype (name + byte order), a shape and the raw
 * buffer. Decoded into JS typed arrays in C (row-major) order; float16 is widened to float32, which
 * is exact, and int64 to float64, which is exact below 2^53 (larger values are refused).
 */
import { fromFloat16Bits, toFloat16Bits } from '../float16';

export type DtypeName = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';

export interface Dtype {
  name: DtypeName;
  /** Bytes per element. */
  size: number;
  littleEndian: boolean;
}

export interface NdArray {
  dtype: DtypeName;
  shape: number[];
  /** Row-major values; bool and uint8 as 0/1 bytes. */
  values: Float32Array | Float64Array | Uint8Array;
}

const DTYPES: Record<string, [DtypeName, number]> = {
  f4: ['float32', 4],
  f2: ['float16', 2],
  f8: ['float64', 8],
  i8: ['int64', 8],
  i4: ['int32', 4],
  u1: ['uint8', 1],
  b1: ['bool', 1],
};

/** The pickle's dtype name and byte order ('<', '>', '|', '=') -> a Dtype, or a refusal. */
export function parseDtype(name: string, order: string): Dtype {
  const d = DTYPES[name];
  if (!d) throw new Error(`refused dtype '${name}' (FKD files use f4, f2, i8, b1)`);
  if (!['<', '>', '|', '='].includes(order)) throw new Error(`refused byte order '${order}'`);
  return { name: d[0], size: d[1], littleEndian: order !== '>' };
}

/** Largest array an FKD file can plausibly hold (500 crops x 1000 classes is 5e5). */
const MAX_ELEMENTS = 1 << 26;

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new Error(`refused shape (${shape.join(', ')})`);
    n *= s;
  }
  if (n > MAX_ELEMENTS) throw new Error(`refused shape (${shape.join(', ')}): ${n} elements`);
  return n;
}

/** Index of the C-order element `i` inside Fortran-order storage. */
function fortranIndex(i: number, shape: readonly number[]): number {
  let rest = i;
  let idx = 0;
  let stride = 1;
  const coords = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    coords[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  for (let d = 0; d < shape.length; d++) {
    idx += coords[d] * stride;
    stride *= shape[d];
  }
  return idx;
}

export function decodeArrayData(dt: Dtype, shape: number[], fortran: boolean, raw: Uint8Array): NdArray {
  const n = elementCount(shape);
  if (raw.length !== n * dt.size) {
    throw new Error(
      `array of shape (${shape.join(', ')}) ${dt.name} needs ${n * dt.size} bytes, the file has ${raw.length}`,
    );
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = dt.littleEndian;
  const read = (j: number): number => {
    const o = j * dt.size;
    switch (dt.name) {
      case 'float32':
        return dv.getFloat32(o, le);
      case 'float16':
        return fromFloat16Bits(dv.getUint16(o, le));
      case 'float64':
        return dv.getFloat64(o, le);
      case 'int32':
        return dv.getInt32(o, le);
      case 'int64': {
        const v = dv.getBigInt64(o, le);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
          throw new Error(`int64 value ${v} is out of range`);
        return Number(v);
      }
      case 'uint8':
      case 'bool':
        return raw[j];
    }
  };
  const permute = fortran && shape.length > 1;
  // The common case: a buffer of its own (the pickle's latin-1 decoding made it) becomes the array
  // as is; a slice of a larger buffer is copied, so the array does not keep that alive.
  const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
  if (dt.name === 'float32' && le && !permute && own && raw.buffer instanceof ArrayBuffer)
    return { dtype: dt.name, shape, values: new Float32Array(raw.buffer) };
  const values =
    dt.name === 'float32' || dt.name === 'float16'
      ? new Float32Array(n)
      : dt.name === 'bool' || dt.name === 'uint8'
        ? new Uint8Array(n)
        : new Float64Array(n);
  if ((dt.name === 'float32' && le) || dt.size === 1) {
    if (!permute) new Uint8Array(values.buffer).set(raw);
    else for (let i = 0; i < n; i++) values[i] = read(fortranIndex(i, shape));
  } else for (let i = 0; i < n; i++) values[i] = read(permute ? fortranIndex(i, shape) : i);
  if (dt.name === 'bool') {
    for (let i = 0; i < n; i++) if (values[i] > 1) throw new Error(`bool array holds byte ${values[i]}`);
  }
  return { dtype: dt.name, shape, values };
}

/** The little-endian bytes of `values` as `dtype` (the writer's side; float16 rounds to nearest even). */
export function encodeArrayData(dtype: DtypeName, values: ArrayLike<number>): Uint8Array {
  const size =
    dtype === 'float16'
      ? 2
      : dtype === 'float32' || dtype === 'int32'
        ? 4
        : dtype === 'bool' || dtype === 'uint8'
          ? 1
          : 8;
  // Little-endian hosts only, as every JS engine in use; a Float32Array's own bytes need no copy.
  if (dtype === 'float32') {
    const f = values instanceof Float32Array ? values : Float32Array.from(values);
    return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  }
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    switch (dtype) {
      case 'float16':
        dv.setUint16(2 * i, toFloat16Bits(v), true);
        break;
      case 'float64':
        dv.setFloat64(8 * i, v, true);
        break;
      case 'int32':
        dv.setInt32(4 * i, v, true);
        break;
      case 'int64':
        dv.setBigInt64(8 * i, BigInt(v), true);
        break;
      case 'uint8':
      case 'bool':
        out[i] = v;
        break;
    }
  }
  return out;
}

/** NumPy's short dtype name and byte-order character, as the pickle spells them. */
export function numpyDtypeName(dtype: DtypeName): { name: string; order: string } {
  const name = Object.keys(DTYPES).find((k) => DTYPES[k][0] === dtype)!;
  return { name, order: dtype === 'bool' || dtype === 'uint8' ? '|' : '<' };
}
