/**
 * Little-endian bit streams for the packed label record (docs/label-record.md).
 *
 * Bits are written LSB-first: the first field occupies the lowest bits of byte 0, and a field that
 * crosses a byte boundary continues in the low bits of the next byte. Fields are 0..32 bits wide.
 * The accumulator is a plain JS number (exact up to 2^53), which holds < 8 pending bits plus one
 * 32-bit field, so no BigInt is needed.
 */

/** Bits needed to store every integer in [0, maxValue] (0 for maxValue = 0). */
export function bitsFor(maxValue: number): number {
  if (!Number.isInteger(maxValue) || maxValue < 0) throw new RangeError(`bitsFor: bad maxValue ${maxValue}`);
  let bits = 0;
  while (2 ** bits <= maxValue) bits += 1;
  return bits;
}

function checkWidth(bits: number): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > 32)
    throw new RangeError(`bit width ${bits} not in 0..32`);
}

export class BitWriter {
  private readonly bytes: Uint8Array;
  private pos = 0; // next byte to write
  private acc = 0; // pending bits, value < 2^nacc
  private nacc = 0;
  private bitsWritten = 0;

  /** `byteLength` must be at least ceil(total bits / 8); writing past it throws. */
  constructor(byteLength: number) {
    this.bytes = new Uint8Array(byteLength);
  }

  write(value: number, bits: number): void {
    checkWidth(bits);
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
      throw new RangeError(`value ${value} does not fit in ${bits} bits`);
    }
    this.bitsWritten += bits;
    if (this.bitsWritten > this.bytes.length * 8) throw new RangeError('BitWriter: buffer overflow');
    this.acc += value * 2 ** this.nacc;
    this.nacc += bits;
    while (this.nacc >= 8) {
      this.bytes[this.pos++] = this.acc % 256;
      this.acc = Math.floor(this.acc / 256);
      this.nacc -= 8;
    }
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
  private acc = 0;
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
    while (this.nacc < bits) {
      if (this.pos >= this.end) throw new RangeError('BitReader: read past the end of the data');
      this.acc += this.bytes[this.pos++] * 2 ** this.nacc;
      this.nacc += 8;
    }
    const scale = 2 ** bits;
    const value = this.acc % scale;
    this.acc = Math.floor(this.acc / scale);
    this.nacc -= bits;
    return value;
  }
}
