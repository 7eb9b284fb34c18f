/**
 * NumPy's raw buffers in a protocol-2 pickle: there is no bytes type, so torch.save writes each buffer
 * as a str of code points 0..255 (UTF-8 in the file, a byte >= 0x80 taking two) and reads it back with
 * latin-1. Both directions run over every byte of every label file, so neither branches per byte
 * (array buffers are random bytes, so a branch would be a coin toss).
 */

/**
 * UTF-8 bytes of a str whose code points are all < 256 -> those code points as bytes, in a buffer of
 * their own, or undefined if a code point is 256 or more (or the UTF-8 is broken): a lead byte
 * 0xc2/0xc3 and its continuation make one byte, anything else invalid sets `bad`.
 */
export function latin1FromUtf8(b: Uint8Array): Uint8Array | undefined {
  const len = b.length;
  const out = new Uint8Array(len);
  let bad = 0;
  let n = 0;
  let i = 0;
  for (; i < len - 1;) {
    const c = b[i];
    const d = b[i + 1];
    const hi = c >>> 7;
    const mask = (0 - hi) | 0;
    bad |= hi * (((c & 0xfe) ^ 0xc2) | ((d & 0xc0) ^ 0x80));
    out[n++] = (c & ~mask) | ((((c & 3) << 6) | (d & 0x3f)) & mask);
    i += 1 + hi;
  }
  if (i < len) {
    // The last byte alone: only ASCII can stand there.
    bad |= b[i] >>> 7;
    out[n++] = b[i];
  }
  // A copy of the exact length: one pass and a memcpy beat counting the pairs first.
  return bad === 0 ? out.slice(0, n) : undefined;
}

/** The first UTF-8 byte of each code point 0..255 (the second, if any, is 0x80 | (b & 0x3f)). */
const UTF8_LEAD = Uint8Array.from({ length: 256 }, (_, b) => (b < 0x80 ? b : 0xc0 | (b >> 6)));

/**
 * Latin-1 bytes as the UTF-8 of the str Python makes of them (bytes >= 0x80 take two bytes), written
 * at `out[at]`; returns the end. Branch-free: both bytes are always stored and the position moves by
 * one or two, so a one-byte code point's spare byte is overwritten by what follows.
 */
export function latin1ToUtf8(raw: Uint8Array, out: Uint8Array, at: number): number {
  let n = at;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    out[n] = UTF8_LEAD[b];
    out[n + 1] = 0x80 | (b & 0x3f);
    n += 1 + (b >>> 7);
  }
  return n;
}
