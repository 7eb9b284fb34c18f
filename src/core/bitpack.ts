/**
 * Little-endian bit streams for the packed label record (docs/label-record.md).
 *
 * Bits are written LSB-first: the first field occupies the lowest bits of byte 0, and a field that
 * crosses a byte boundary continues in the low bits of the next byte. Fields are 0..32 bits wide.
 * The accumulator is a 32-bit integer holding < 8 pending bits plus at most 24 new ones, so fields
 * wider than 24 bits go in two halves: every step is a shift or mask, never a float division.
 */

/** Bits needed to store every integer in [0, maxValue] (0 for maxValue = 0). */
export function bitsFor(maxValue: number): number {
  if (!Number.isInteger(maxValue) || maxValue < 0) throw new RangeError(`bitsFor: bad maxValue ${maxValue}`);
  let bits = 0;
  while (2 ** bits <= maxValue) bits += 1;
  return bits;
}

/** 2^bits for bits 0..32, as exact doubles. */
const POW2 = Float64Array.from({ length: 33 }, (_, i) => 2 ** i);
/** Widest field the integer accumulator takes in one go. */
const SPLIT = 24;

/** One float32's bits, for the 32-bit probability fields without a DataView round trip. */
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

function checkWidth(bits: number): void {
  if ((bits | 0) !== bits || bits < 0 || bits > 32) throw new RangeError(`bit width ${bits} not in 0..32`);
}

export class BitWriter {
  private readonly bytes: Uint8Array;
  private pos = 0; // next byte to write
  private acc = 0; // pending bits, value < 2^nacc, nacc < 8 between calls
  private nacc = 0;
  private readonly capacityBits: number;
  private bitsWritten = 0;

  /** `byteLength` must be at least ceil(total bits / 8); writing past it throws. */
  constructor(byteLength: number) {
    this.bytes = new Uint8Array(byteLength);
    this.capacityBits = byteLength * 8;
  }

  write(value: number, bits: number): void {
    checkWidth(bits);
    if (!(value >= 0 && value < POW2[bits]) || Math.floor(value) !== value)
      throw new RangeError(`value ${value} does not fit in ${bits} bits`);
    this.bitsWritten += bits;
    if (this.bitsWritten > this.capacityBits) throw new RangeError('BitWriter: buffer overflow');
    if (bits > SPLIT) {
      this.put(value & 0xffff, 16);
      this.put(Math.floor(value / 65536), bits - 16);
    } else this.put(value, bits);
  }

  /** A float32 as its 32 IEEE bits (`x` is rounded to float32 first). */
  writeFloat32(x: number): void {
    this.bitsWritten += 32;
    if (this.bitsWritten > this.capacityBits) throw new RangeError('BitWriter: buffer overflow');
    F32[0] = x;
    const v = U32[0];
    this.put(v & 0xffff, 16);
    this.put(v >>> 16, 16);
  }

  private put(value: number, bits: number): void {
    let acc = this.acc | (value << this.nacc);
    let nacc = this.nacc + bits;
    const bytes = this.bytes;
    while (nacc >= 8) {
      bytes[this.pos++] = acc & 0xff;
      acc >>>= 8;
      nacc -= 8;
    }
    this.acc = acc;
    this.nacc = nacc;
  }

  /** Flush the last partial byte (zero-padded high bits) and return the buffer. */
  finish(): Uint8Array {
    if (this.nacc > 0) {
      this.bytes[this.pos++] = this.acc;
      this.acc = 0;
      this.nacc = 0;
    }
    return this.bytes;
  }
}

export class BitReader {
  private pos: number;
  private readonly end: number;
  private acc = 0; // unread bits, value < 2^nacc, nacc < 8 between calls
  private nacc = 0;

  constructor(
    private readonly bytes: Uint8Array,
    byteOffset = 0,
    byteLength = bytes.length - byteOffset,
  ) {
    this.pos = byteOffset;
    this.end = byteOffset + byteLength;
  }

  read(bits: number): number {
    checkWidth(bits);
    if (bits > SPLIT) {
      const lo = this.take(16);
      return this.take(bits - 16) * 65536 + lo;
    }
    return this.take(bits);
  }

  /** 32 bits as the float32 they encode (the inverse of BitWriter.writeFloat32). */
  readFloat32(): number {
    const lo = this.take(16);
    U32[0] = lo | (this.take(16) << 16);
    return F32[0];
  }

  private take(bits: number): number {
    let acc = this.acc;
    let nacc = this.nacc;
    while (nacc < bits) {
      if (this.pos >= this.end) throw new RangeError('BitReader: read past the end of the data');
      acc |= this.bytes[this.pos++] << nacc;
      nacc += 8;
    }
    const value = acc & ((1 << bits) - 1);
    this.acc = acc >>> bits;
    this.nacc = nacc - bits;
    return value;
  }
}
