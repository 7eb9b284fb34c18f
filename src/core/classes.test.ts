import { existsSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { buildClassIndex, isWnid, mapClassFolders, parseClassList } from './classes';

// The app ships a copy in public/; /work/shared/data holds the original.
const shipped = new URL('../../public/imagenet-classes.json', import.meta.url);
const source = existsSync(shipped) ? shipped : '/work/shared/data/imagenet-classes.json';
const imagenet = parseClassList(JSON.parse(readFileSync(source, 'utf8')));

describe('ImageNet class list', () => {
  it('has 1000 classes in sorted-wnid order starting with tench', () => {
    const { byWnid, byIndex } = buildClassIndex(imagenet);
    expect(byIndex.length).toBe(1000);
    expect(byIndex[0]).toEqual({ index: 0, wnid: 'n01440764', name: 'tench' });
    expect(byWnid.get('n01443537')?.index).toBe(1);
    const wnids = byIndex.map((c) => c.wnid);
    expect([...wnids].sort()).toEqual(wnids);
    expect(wnids.every(isWnid)).toBe(true);
  });

  it('rejects broken lists', () => {
    expect(() => buildClassIndex([...imagenet, { index: 1000, wnid: 'n01440764', name: 'x' }])).toThrow(
      /duplicate wnid/,
    );
    expect(() => buildClassIndex([{ index: 1, wnid: 'n00000001', name: 'x' }])).toThrow(/missing/);
    expect(() => parseClassList([{ index: 0, wnid: 'n01440764' }])).toThrow();
    expect(() => parseClassList({})).toThrow();
  });
});

describe('isWnid', () => {
  it('accepts n + 8 digits only', () => {
    expect(isWnid('n01440764')).toBe(true);
    for (const s of ['n0144076', 'n014407640', 'N01440764', 'cat', 'n0144076a', ' n01440764']) {
      expect(isWnid(s), s).toBe(false);
    }
  });
});

describe('mapClassFolders', () => {
  it('maps wnid folders to the standard indices and names, sorted by index', () => {
    const r = mapClassFolders(['n01443537', 'n15075141', 'n01440764'], imagenet);
    expect(r.kind).toBe('imagenet');
    expect(r.classes).toEqual([
      { folder: 'n01440764', index: 0, name: 'tench' },
      { folder: 'n01443537', index: 1, name: 'goldfish' },
      { folder: 'n15075141', index: 999, name: imagenet[999].name },
    ]);
  });

  it('falls back to sorted folder names 0..n-1 (ImageFolder order)', () => {
    const r = mapClassFolders(['zebra', 'Apple', 'cat', 'ant'], imagenet);
    expect(r.kind).toBe('folders');
    expect(r.classes.map((c) => c.folder)).toEqual(['Apple', 'ant', 'cat', 'zebra']);
    expect(r.classes.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(r.classes[2].name).toBe('cat');
    // Code-point order: an astral character sorts after U+FFFD, unlike UTF-16 code-unit order.
    expect(mapClassFolders(['\u{1F600}', '\uFFFD']).classes.map((c) => c.folder)).toEqual([
      '\uFFFD',
      '\u{1F600}',
    ]);
  });

  it('uses folders when a wnid is unknown, when mixed, or without a class list', () => {
    expect(mapClassFolders(['n01440764', 'n99999999'], imagenet).kind).toBe('folders');
    expect(mapClassFolders(['n01440764', 'dog'], imagenet).kind).toBe('folders');
    const r = mapClassFolders(['n01443537', 'n01440764']);
    expect(r.kind).toBe('folders');
    expect(r.classes[0]).toEqual({ folder: 'n01440764', index: 0, name: 'n01440764' });
    expect(mapClassFolders([], imagenet)).toEqual({ classes: [], kind: 'folders' });
    expect(() => mapClassFolders(['a', 'a'])).toThrow(/duplicate/);
  });
});
