import { describe, expect, it } from 'vitest';
import {
  decodePackEntry,
  encodePackEntry,
  PACK_ENTRY_BYTES,
  packDirName,
  packFileName,
  placeInPack,
  planPack,
} from './pack';

describe('pack entries', () => {
  it('round-trip at any position, offsets past 4 GiB included', () => {
    const view = new DataView(new ArrayBuffer(PACK_ENTRY_BYTES * 3));
    const entries = [
      { pack: 0, length: 0, offset: 0 },
      { pack: 7, length: 123_456, offset: 2 ** 33 + 17 },
      { pack: 2 ** 32 - 1, length: 2 ** 32 - 1, offset: Number.MAX_SAFE_INTEGER },
    ];
    entries.forEach((e, i) => encodePackEntry(view, i * PACK_ENTRY_BYTES, e));
    expect(entries.map((_, i) => decodePackEntry(view, i * PACK_ENTRY_BYTES))).toEqual(entries);
  });

  it('are little-endian with the offset split low word first', () => {
    const view = new DataView(new ArrayBuffer(PACK_ENTRY_BYTES));
    encodePackEntry(view, 0, { pack: 1, length: 2, offset: 2 ** 32 + 3 });
    expect([...new Uint8Array(view.buffer)]).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('refuse values the width cannot hold', () => {
    const view = new DataView(new ArrayBuffer(PACK_ENTRY_BYTES));
    expect(() => encodePackEntry(view, 0, { pack: 0, length: 2 ** 32, offset: 0 })).toThrow(RangeError);
    expect(() => encodePackEntry(view, 0, { pack: 0, length: 1, offset: -1 })).toThrow(RangeError);
    expect(() => encodePackEntry(view, 0, { pack: 0, length: 1, offset: 0.5 })).toThrow(RangeError);
  });
});

describe('placing images', () => {
  it('appends to the current file and starts the next one rather than cross the limit', () => {
    let cur = { pack: 0, offset: 0 };
    const out = [];
    for (const len of [40, 50, 20, 100, 5]) {
      const { entry, next } = placeInPack(cur, len, 100);
      out.push(entry);
      cur = next;
    }
    expect(out).toEqual([
      { pack: 0, length: 40, offset: 0 },
      { pack: 0, length: 50, offset: 40 },
      { pack: 1, length: 20, offset: 0 },
      { pack: 2, length: 100, offset: 0 },
      { pack: 3, length: 5, offset: 0 },
    ]);
    expect(cur).toEqual({ pack: 3, offset: 5 });
  });

  it('gives an image larger than the limit a file of its own', () => {
    expect(placeInPack({ pack: 0, offset: 0 }, 300, 100).entry).toEqual({ pack: 0, length: 300, offset: 0 });
  });
});

describe('planning', () => {
  it('counts image bytes, index entries and pack files against what is free', () => {
    const plan = planPack(2500, 10, { usage: 1000, quota: 4000 }, 1000);
    expect(plan).toEqual({ images: 10, bytes: 2500 + 160, packs: 3, free: 3000, fits: true });
    expect(planPack(2500, 10, { usage: 1600, quota: 4000 }, 1000).fits).toBe(false);
    expect(planPack(0, 0).packs).toBe(1);
    expect(planPack(10, 1).fits).toBe(true);
  });

  it('names files and folders safely', () => {
    expect(packFileName(3)).toBe('pack-003.bin');
    expect(packDirName('folder:a/b')).toBe('folder%3Aa%2Fb');
  });
});
