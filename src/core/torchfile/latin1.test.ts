import { describe, expect, it } from 'vitest';
import { latin1FromUtf8, latin1ToUtf8 } from './latin1';

const utf8Of = (raw: Uint8Array) => {
  const out = new Uint8Array(2 * raw.length + 1);
  return out.slice(0, latin1ToUtf8(raw, out, 0));
};

describe('latin-1 buffers as pickled strs', () => {
  it("writes what Python's str(bytes, 'latin1').encode('utf-8') gives, and reads it back", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const viaString = new TextEncoder().encode(String.fromCharCode(...all));
    expect(utf8Of(all)).toEqual(viaString);
    expect(latin1FromUtf8(viaString)).toEqual(all);
    // Random bytes at every length, and the decoded buffer is a buffer of its own.
    let s = 7;
    for (let n = 0; n < 70; n++) {
      const raw = Uint8Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24);
      const back = latin1FromUtf8(utf8Of(raw))!;
      expect(back).toEqual(raw);
      expect(back.byteLength).toBe(back.buffer.byteLength);
    }
  });

  it('refuses code points above 255 and broken UTF-8', () => {
    const enc = new TextEncoder();
    expect(latin1FromUtf8(enc.encode('aĀb'))).toBeUndefined(); // U+0100
    expect(latin1FromUtf8(enc.encode('€'))).toBeUndefined();
    expect(latin1FromUtf8(Uint8Array.of(0x41, 0xc3))).toBeUndefined(); // a lead byte at the end
    expect(latin1FromUtf8(Uint8Array.of(0x80, 0x41))).toBeUndefined(); // a lone continuation byte
    expect(latin1FromUtf8(Uint8Array.of(0xc3, 0x41))).toBeUndefined(); // a lead without continuation
    expect(latin1FromUtf8(Uint8Array.of(0xc3, 0xa9, 0x41))).toEqual(Uint8Array.of(0xe9, 0x41));
  });
});
