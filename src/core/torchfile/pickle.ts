/**
 * A restricted unpickler for what torch.save writes for a Python list of NumPy arrays (FKD's label
 * files, docs/fkd-files.md). A pickle is a program for a stack machine that can call any importable
 * Python function; this interpreter runs none. It knows a fixed set of opcodes (protocols 2 to 4) and
 * four globals, and evaluates their calls itself:
 *
 * - numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b') -> an empty array, filled by BUILD
 *   with the state (version, shape, dtype, fortran, raw bytes);
 * - numpy.dtype(name, False, True) -> a dtype, given its byte order by BUILD (3, '<', ...);
 * - _codecs.encode(str, 'latin1') -> bytes: protocol 2 has no bytes type, so NumPy's raw buffer
 *   arrives as a str of code points 0..255 (UTF-8 in the file) and latin-1 turns it back into bytes.
 *
 * Anything else (another global, opcode, dtype or argument shape) throws PickleRefused naming it.
 */
import { latin1FromUtf8 } from './latin1';
import { decodeArrayData, parseDtype, type Dtype, type NdArray } from './ndarray';

export class PickleRefused extends Error {
  override name = 'PickleRefused';
}

/** The callables a file may name; both NumPy 1 and NumPy 2 module paths of _reconstruct. */
const ALLOWED_GLOBALS = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
  '_codecs.encode',
]);

/** Guards against memory bombs in hostile files: far above what an FKD file needs. */
const MAX_STACK = 4096;
const MAX_MEMO = 1 << 20;

interface PyGlobal {
  kind: 'global';
  name: string;
}
interface PyList {
  kind: 'list';
  items: PyValue[];
}
interface PyTuple {
  kind: 'tuple';
  items: PyValue[];
}
interface PyBytes {
  kind: 'bytes';
  data: Uint8Array;
}
/** A str kept as its UTF-8 bytes, decoded only when needed (latin-1 buffers can be megabytes). */
interface PyStr {
  kind: 'str';
  utf8: Uint8Array;
}
/** An array between _reconstruct and its BUILD. */
interface PendingArray {
  kind: 'pending-array';
}
interface PendingDtype {
  kind: 'pending-dtype';
  name: string;
  dtype?: Dtype;
}
interface BuiltArray {
  kind: 'ndarray';
  array: NdArray;
}
interface Mark {
  kind: 'mark';
}

export type PyValue =
  | null
  | boolean
  | number
  | PyGlobal
  | PyList
  | PyTuple
  | PyBytes
  | PyStr
  | PendingArray
  | PendingDtype
  | BuiltArray;

const MARK: Mark = { kind: 'mark' };
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function pyStr(v: PyValue): string | undefined {
  return typeof v === 'object' && v !== null && v.kind === 'str' ? utf8.decode(v.utf8) : undefined;
}

function describe(v: PyValue | Mark): string {
  if (v === null) return 'None';
  if (typeof v !== 'object') return typeof v;
  if (v.kind === 'global') return `global ${v.name}`;
  return v.kind;
}

/** A str's UTF-8 -> its latin-1 bytes, refused unless every code point is below 256. */
function latin1Of(utf8: Uint8Array): Uint8Array {
  const bytes = latin1FromUtf8(utf8);
  if (!bytes) throw new PickleRefused('latin-1 encoding of a str with a code point above 255');
  return bytes;
}

/** A Python tuple of integers -> number[], or undefined. */
function intTuple(v: PyValue): number[] | undefined {
  if (typeof v !== 'object' || v === null || v.kind !== 'tuple') return undefined;
  if (!v.items.every((x) => typeof x === 'number' && Number.isInteger(x))) return undefined;
  return v.items as number[];
}

function callGlobal(fn: PyValue, args: PyValue): PyValue {
  if (typeof fn !== 'object' || fn === null || fn.kind !== 'global') {
    throw new PickleRefused(`REDUCE on ${describe(fn)} (only allowed globals can be called)`);
  }
  const a = typeof args === 'object' && args !== null && args.kind === 'tuple' ? args.items : undefined;
  if (!a) throw new PickleRefused(`REDUCE of ${fn.name} with ${describe(args)} arguments`);
  switch (fn.name) {
    case '_codecs.encode': {
      const s = a[0];
      if (
        a.length !== 2 ||
        typeof s !== 'object' ||
        s === null ||
        s.kind !== 'str' ||
        pyStr(a[1]) !== 'latin1'
      )
        throw new PickleRefused(`_codecs.encode with arguments other than (str, 'latin1')`);
      return { kind: 'bytes', data: latin1Of(s.utf8) };
    }
    case 'numpy.dtype': {
      const name = pyStr(a[0]);
      if (a.length !== 3 || name === undefined || a[1] !== false || a[2] !== true)
        throw new PickleRefused(`numpy.dtype with arguments other than (name, False, True)`);
      return { kind: 'pending-dtype', name };
    }
    case 'numpy.core.multiarray._reconstruct':
    case 'numpy._core.multiarray._reconstruct': {
      const cls = a[0];
      const shape = a.length === 3 ? intTuple(a[1]) : undefined;
      const tag = a[2];
      const okTag =
        typeof tag === 'object' &&
        tag !== null &&
        ((tag.kind === 'bytes' && tag.data.length === 1 && tag.data[0] === 0x62) || pyStr(tag) === 'b');
      if (
        typeof cls !== 'object' ||
        cls?.kind !== 'global' ||
        cls.name !== 'numpy.ndarray' ||
        !okTag ||
        !shape
      )
        throw new PickleRefused(`_reconstruct with arguments other than (numpy.ndarray, (0,), b'b')`);
      return { kind: 'pending-array' };
    }
    default:
      throw new PickleRefused(`call of ${fn.name}`);
  }
}

function build(obj: PyValue, state: PyValue): PyValue {
  if (typeof obj !== 'object' || obj === null) throw new PickleRefused(`BUILD on ${describe(obj)}`);
  const st = typeof state === 'object' && state !== null && state.kind === 'tuple' ? state.items : undefined;
  if (obj.kind === 'pending-dtype') {
    // NumPy's dtype state: (3, byteorder, subarray, names, fields, elsize, alignment, flags).
    const order = st ? pyStr(st[1]) : undefined;
    if (!st || st[0] !== 3 || order === undefined || st[2] !== null || st[3] !== null || st[4] !== null)
      throw new PickleRefused(`dtype '${obj.name}' with a structured or unknown state`);
    obj.dtype = parseDtype(obj.name, order);
    return obj;
  }
  if (obj.kind === 'pending-array') {
    // NumPy's array state: (1, shape, dtype, is_fortran, raw data).
    const shape = st ? intTuple(st[1]) : undefined;
    const dt = st?.[2];
    const raw = st?.[4];
    if (!st || st.length !== 5 || st[0] !== 1 || !shape || typeof st[3] !== 'boolean')
      throw new PickleRefused('ndarray with an unknown state');
    if (typeof dt !== 'object' || dt === null || dt.kind !== 'pending-dtype' || !dt.dtype)
      throw new PickleRefused(`ndarray whose dtype is ${describe(dt ?? null)}`);
    const bytes =
      typeof raw === 'object' && raw !== null && raw.kind === 'bytes'
        ? raw.data
        : typeof raw === 'object' && raw !== null && raw.kind === 'str'
          ? latin1Of(raw.utf8)
          : undefined;
    if (!bytes)
      throw new PickleRefused(`ndarray data given as ${describe(raw ?? null)} (object arrays are refused)`);
    return { kind: 'ndarray', array: decodeArrayData(dt.dtype, shape, st[3], bytes) };
  }
  throw new PickleRefused(`BUILD on ${describe(obj)}`);
}

/**
 * Run the restricted pickle in `data`; returns the top-level value (for FKD, a list of ndarrays).
 * Throws PickleRefused for anything outside the subset, Error for a malformed stream.
 */
export function unpickle(data: Uint8Array): PyValue {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: (PyValue | Mark)[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > data.length) throw new Error(`pickle truncated at byte ${pos} (needs ${n} more)`);
  };
  const u8 = () => (need(1), data[pos++]);
  const u32 = () => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const slice = (n: number) => (need(n), (pos += n), data.subarray(pos - n, pos));
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 256) throw new Error(`pickle truncated in a GLOBAL at byte ${pos}`);
    const s = utf8.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const push = (v: PyValue | Mark) => {
    if (stack.length >= MAX_STACK) throw new PickleRefused(`stack deeper than ${MAX_STACK}`);
    stack.push(v);
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new Error(`pickle stack underflow at byte ${pos}`);
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new Error(`pickle has no MARK before byte ${pos}`);
    return stack.splice(at).slice(1) as PyValue[];
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new Error(`pickle stack empty at byte ${pos}`);
    return v as PyValue;
  };
  const memoPut = (i: number) => {
    if (memo.size >= MAX_MEMO) throw new PickleRefused(`more than ${MAX_MEMO} memo entries`);
    memo.set(i, top());
  };
  const memoGet = (i: number) => {
    if (!memo.has(i)) throw new Error(`pickle memo ${i} read before it was written`);
    push(memo.get(i)!);
  };
  const global = (name: string) => {
    if (!ALLOWED_GLOBALS.has(name)) throw new PickleRefused(`global '${name}'`);
    push({ kind: 'global', name });
  };
  const appendTo = (list: PyValue, items: PyValue[]) => {
    if (typeof list !== 'object' || list === null || list.kind !== 'list')
      throw new PickleRefused(`APPEND to ${describe(list)}`);
    list.items.push(...items);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: {
        const proto = u8();
        if (proto < 2 || proto > 4) throw new PickleRefused(`pickle protocol ${proto} (2 to 4 are read)`);
        break;
      }
      case 0x95: // FRAME: a length prefix only
        need(8);
        pos += 8;
        break;
      case 0x2e: {
        // STOP
        const v = pop();
        if (stack.length !== 0) throw new Error(`pickle left ${stack.length} values on the stack`);
        return v;
      }
      case 0x28:
        push(MARK);
        break; //
      case 0x5d:
        push({ kind: 'list', items: [] });
        break; // EMPTY_LIST
      case 0x29:
        push({ kind: 'tuple', items: [] });
        break; // EMPTY_TUPLE
      case 0x4e:
        push(null);
        break; // NONE
      case 0x88:
        push(true);
        break; //
      case 0x89:
        push(false);
        break; //
      case 0x4b:
        push(u8());
        break; // BININT1
      case 0x4d:
        need(2);
        push(dv.getUint16(pos, true));
        pos += 2;
        break; // BININT2
      case 0x4a:
        need(4);
        push(dv.getInt32(pos, true));
        pos += 4;
        break; // BININT
      case 0x58:
        push({ kind: 'str', utf8: slice(u32()) });
        break; // BINUNICODE
      case 0x8c:
        push({ kind: 'str', utf8: slice(u8()) });
        break; // SHORT_BINUNICODE
      case 0x42:
        push({ kind: 'bytes', data: slice(u32()) });
        break; // BINBYTES
      case 0x43:
        push({ kind: 'bytes', data: slice(u8()) });
        break; // SHORT_BINBYTES
      case 0x71:
        memoPut(u8());
        break; // BINPUT
      case 0x72:
        memoPut(u32());
        break; // LONG_BINPUT
      case 0x94:
        memoPut(memo.size);
        break; // MEMOIZE
      case 0x68:
        memoGet(u8());
        break; // BINGET
      case 0x6a:
        memoGet(u32());
        break; // LONG_BINGET
      case 0x63: {
        // GLOBAL "module\nname\n"
        const mod = line();
        global(`${mod}.${line()}`);
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pyStr(pop());
        const mod = pyStr(pop());
        if (name === undefined || mod === undefined) throw new PickleRefused('STACK_GLOBAL without two strs');
        global(`${mod}.${name}`);
        break;
      }
      case 0x74:
        push({ kind: 'tuple', items: popMark() });
        break; // TUPLE
      case 0x85:
        push({ kind: 'tuple', items: [pop()] });
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        push({ kind: 'tuple', items: [pop(), b] });
        break;
      } //
      case 0x87: {
        const c = pop();
        const b = pop();
        push({ kind: 'tuple', items: [pop(), b, c] });
        break;
      } //
      case 0x52: {
        const args = pop();
        push(callGlobal(pop(), args));
        break;
      } // REDUCE
      case 0x62: {
        const state = pop();
        push(build(pop(), state));
        break;
      } // BUILD
      case 0x61: {
        const v = pop();
        appendTo(top(), [v]);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        appendTo(top(), items);
        break;
      } // APPENDS
      default:
        throw new PickleRefused(`opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
    }
  }
}
