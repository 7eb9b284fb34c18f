import { describe, expect, it } from 'vitest';
import { compareCodePoints } from './codePoints';

describe('compareCodePoints', () => {
  it('orders as Python sorted() does, not by UTF-16 code units', () => {
    const astral = '\u{1F600}'; // surrogate pair D83D DE00: below U+FFFD in UTF-16 units
    const bmp = '\uFFFD';
    expect([astral, bmp].sort()).toEqual([astral, bmp]);
    expect([astral, bmp].sort(compareCodePoints)).toEqual([bmp, astral]);
  });

  it('puts a prefix first and treats equal strings as equal', () => {
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('abc', 'ab')).toBeGreaterThan(0);
    expect(compareCodePoints('n01440764', 'n01440764')).toBe(0);
    expect(compareCodePoints('', '')).toBe(0);
    expect(['b', 'B', 'a', '_'].sort(compareCodePoints)).toEqual(['B', '_', 'a', 'b']);
  });
});
