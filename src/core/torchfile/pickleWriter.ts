/**
 * Pickle a list of NumPy arrays the way torch.save (protocol 2) does, byte for byte: the same opcodes,
 * the same memo numbering (globals, the b'b' tag, dtypes, the 'latin1' and byte-order strings are
 * written once and fetched by BINGET after), the raw buffers as latin-1 strs through _codecs.encode.
 * Checked against files torch itself wrote (torchfile.test.ts). Every file of one label set pickles the
 * same opcodes around its three buffers, so the pickle is built once per shape (pickleTemplate) and
 * only the buffers are written per file (fillPickle).
 */
import { latin1ToUtf8 } from './latin1';
import { encodeArrayData, numpyDtypeName, type DtypeName, type NdArray } from './ndarray';

class Out {
  private buf = new Uint8Array(1024);
  length = 0;
  private grow(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(...bs: number[]) {
    this.grow(bs.length);
    for (const b of bs) this.buf[this.length++] = b;
  }
  u32(v: number) {
    this.byte(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  bytes(b: Uint8Array) {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const enc = new TextEncoder();

/** What the pickle needs of an array besides its buffer. */
export interface ArrayHead {
  dtype: DtypeName;
  shape: readonly number[];
}

/**
 * The pickle of a list of arrays with these heads, cut where each array's buffer goes: parts[i] ends
 * with the BINUNICODE opcode of array i's buffer (its u32 length and bytes follow); the last part
 * closes the list.
 */
export function pickleTemplate(heads: readonly ArrayHead[]): Uint8Array[] {
  const o = new Out();
  const cuts: number[] = [];
  let next = 0;
  const named = new Map<string, number>();
  const put = () => {
    const i = next++;
    if (i < 256) o.byte(0x71, i);
    else {
      o.byte(0x72);
      o.u32(i);
    }
    return i;
  };
  const get = (i: number) => {
    if (i < 256) o.byte(0x68, i);
    else {
      o.byte(0x6a);
      o.u32(i);
    }
  };
  /** Write `key` once (by `write`, then memoised), later as a BINGET. */
  const once = (key: string, write: () => void) => {
    const at = named.get(key);
    if (at !== undefined) return get(at);
    write();
    named.set(key, put());
  };
  const int = (v: number) => {
    if (v >= 0 && v <= 0xff) o.byte(0x4b, v);
    else if (v >= 0 && v <= 0xffff) o.byte(0x4d, v & 0xff, v >> 8);
    else {
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
        throw new Error(`integer ${v} out of range`);
      o.byte(0x4a);
      o.u32(v >>> 0);
    }
  };
  const str = (utf8: Uint8Array) => {
    o.byte(0x58);
    o.u32(utf8.length);
    o.bytes(utf8);
  };
  const global = (mod: string, name: string) =>
    once(`g:${mod}.${name}`, () => o.bytes(enc.encode(`c${mod}\n${name}\n`)));
  const tuple = (items: readonly number[]) => {
    if (items.length === 0) return o.byte(0x29);
    if (items.length > 3) o.byte(0x28);
    items.forEach(int);
    o.byte(items.length > 3 ? 0x74 : [0, 0x85, 0x86, 0x87][items.length]);
    put();
  };
  const latin1 = () => once('s:latin1', () => str(enc.encode('latin1')));
  const bytesObj = () => {
    global('_codecs', 'encode');
    o.byte(0x58);
    cuts.push(o.length);
    put();
    latin1();
    o.byte(0x86);
    put();
    o.byte(0x52);
    put();
  };

  o.byte(0x80, 2, 0x5d);
  put();
  o.byte(0x28);
  for (const a of heads) {
    if (a.shape.some((d) => d === 0)) throw new Error('cannot write an empty array');
    const dt = numpyDtypeName(a.dtype);
    global('numpy.core.multiarray', '_reconstruct');
    global('numpy', 'ndarray');
    tuple([0]);
    once('b:b', () => {
      // b'b' is itself pickled as _codecs.encode('b', 'latin1').
      global('_codecs', 'encode');
      str(enc.encode('b'));
      put();
      latin1();
      o.byte(0x86);
      put();
      o.byte(0x52);
    });
    o.byte(0x87);
    put();
    o.byte(0x52);
    put();
    o.byte(0x28);
    int(1);
    tuple(a.shape);
    const seen = named.get(`d:${dt.name}`);
    if (seen !== undefined) get(seen);
    else {
      global('numpy', 'dtype');
      str(enc.encode(dt.name));
      put();
      o.byte(0x89, 0x88, 0x87);
      put();
      o.byte(0x52);
      // The dtype object is memoised before BUILD gives it its state; later arrays fetch it whole.
      named.set(`d:${dt.name}`, put());
      o.byte(0x28);
      int(3);
      once(`s:${dt.order}`, () => str(enc.encode(dt.order)));
      o.byte(0x4e, 0x4e, 0x4e);
      int(-1);
      int(-1);
      int(0);
      o.byte(0x74);
      put();
      o.byte(0x62);
    }
    o.byte(0x89);
    bytesObj();
    o.byte(0x74);
    put();
    o.byte(0x62);
  }
  o.byte(0x65, 0x2e);
  const all = o.result();
  return [0, ...cuts].map((from, i) => all.slice(from, i < cuts.length ? cuts[i] : all.length));
}

/** Length of the pickle fillPickle writes for these buffers (a byte >= 0x80 takes two). */
export function pickleLength(parts: readonly Uint8Array[], raws: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  for (const r of raws) {
    let high = 0;
    for (let i = 0; i < r.length; i++) high += r[i] >>> 7;
    n += 4 + r.length + high;
  }
  return n;
}

/** The template's pickle with `raws` (array i's little-endian buffer) written at `out[at]`; returns the end. */
export function fillPickle(
  parts: readonly Uint8Array[],
  raws: readonly Uint8Array[],
  out: Uint8Array,
  at = 0,
): number {
  if (raws.length !== parts.length - 1)
    throw new Error(`the pickle has ${parts.length - 1} arrays, ${raws.length} buffers given`);
  let n = at;
  for (let i = 0; i < raws.length; i++) {
    out.set(parts[i], n);
    n += parts[i].length;
    const start = n + 4;
    const end = latin1ToUtf8(raws[i], out, start);
    const len = end - start;
    out[n] = len & 0xff;
    out[n + 1] = (len >>> 8) & 0xff;
    out[n + 2] = (len >>> 16) & 0xff;
    out[n + 3] = len >>> 24;
    n = end;
  }
  out.set(parts[raws.length], n);
  return n + parts[raws.length].length;
}

export function pickleArrayList(arrays: readonly NdArray[]): Uint8Array {
  if (arrays.some((a) => a.values.length === 0)) throw new Error('cannot write an empty array');
  const parts = pickleTemplate(arrays);
  const raws = arrays.map((a) => encodeArrayData(a.dtype, a.values));
  const out = new Uint8Array(pickleLength(parts, raws));
  fillPickle(parts, raws, out);
  return out;
}
