import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TarEntry, WdsProblem, WdsSample } from './tar';
import { TarFormatError, TarTruncatedError, parseCls, readTar, readWebDataset, splitWdsName } from './tar';

interface ExpectedEntry {
  path: string;
  size: number;
  type: TarEntry['type'];
  sha256: string;
  offsetData: number;
}
interface ExpectedSample {
  key: string;
  files: Record<string, string>;
}
interface ExpectedArchive {
  file: string;
  entries: ExpectedEntry[];
  samples: ExpectedSample[];
  problems: { key?: string; path: string; kind: 'duplicate' | 'noExtension' }[];
}
interface ExpectedTruncated {
  file: string;
  wholeEntries: number;
  missingBytes: number;
  samples: ExpectedSample[];
  droppedKey: string;
}

const dir = new URL('./__fixtures__/tar/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('tar_expected.json', dir), 'utf8')) as Record<
  'ustar' | 'pax' | 'gnu',
  ExpectedArchive
> & { truncated: ExpectedTruncated };
const archive = (file: string) => new Uint8Array(readFileSync(new URL(file, dir)));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Feed bytes as a stream of random 1..maxChunk-byte chunks (seeded), so headers straddle chunks. */
function streamOf(
  bytes: Uint8Array,
  seed: number,
  maxChunk = 700,
  onCancel?: () => void,
): ReadableStream<Uint8Array> {
  let s = seed;
  let pos = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (pos >= bytes.length) return ctrl.close();
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const n = 1 + (s % maxChunk);
      ctrl.enqueue(bytes.slice(pos, pos + n));
      pos += n;
    },
    cancel: onCancel,
  });
}

async function collect<T>(it: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const x of it) items.push(x);
  } catch (error) {
    return { items, error };
  }
  return { items, error: null };
}

const entryView = (e: TarEntry) => ({ path: e.path, size: e.size, type: e.type, sha256: sha(e.data) });
const expectedView = (e: ExpectedEntry) => ({ path: e.path, size: e.size, type: e.type, sha256: e.sha256 });
const sampleView = (s: WdsSample) => ({
  key: s.key,
  files: Object.fromEntries([...s.files].map(([k, v]) => [k, sha(v)])),
});

describe.each(['ustar', 'pax', 'gnu'] as const)('readTar on GNU tar --format=%s', (fmt) => {
  const exp = expected[fmt];
  const bytes = archive(exp.file);

  it.each([1, 2, 3, 4, 5])('lists the same entries as Python tarfile (chunk seed %i)', async (seed) => {
    const { items, error } = await collect(readTar(streamOf(bytes, seed)));
    expect(error).toBeNull();
    expect(items.map(entryView)).toEqual(exp.entries.map(expectedView));
  });

  it('works with one-byte chunks and with the whole archive in one chunk', async () => {
    for (const max of [1, bytes.length]) {
      const { items } = await collect(readTar(streamOf(bytes, 9, max)));
      expect(items.map(entryView)).toEqual(exp.entries.map(expectedView));
    }
  });

  it('each file entry reads back alone from its headerAt to dataAt + size (what a random read of a shard does)', async () => {
    const { items } = await collect(readTar(streamOf(bytes, 3)));
    const files = items.filter((e) => e.type === 'file');
    expect(files.length).toBeGreaterThan(0);
    for (const e of files) {
      expect(e.dataAt).toBeGreaterThan(e.headerAt);
      expect(bytes.subarray(e.dataAt, e.dataAt + e.size)).toEqual(e.data);
      const alone = await collect(readTar(streamOf(bytes.slice(e.headerAt, e.dataAt + e.size), 5)));
      // The first entry is the member itself, with its pax or GNU long name; then the cut shows.
      expect(entryView(alone.items[0])).toEqual(entryView(e));
    }
  });

  it('groups WebDataset samples and reports problems without stopping', async () => {
    const problems: WdsProblem[] = [];
    const { items, error } = await collect(readWebDataset(streamOf(bytes, 7), (p) => problems.push(p)));
    expect(error).toBeNull();
    expect(items.map(sampleView)).toEqual(exp.samples);
    expect(problems.map((p) => ({ key: p.key, path: p.path }))).toEqual(
      exp.problems.map((p) => ({ key: p.key, path: p.path })),
    );
    exp.problems.forEach((p, i) =>
      expect(problems[i].reason).toMatch(p.kind === 'duplicate' ? /duplicate/ : /no extension/),
    );
  });
});

describe('truncated and corrupt archives', () => {
  const ustar = archive(expected.ustar.file);

  it('yields every whole entry of the truncated fixture, then throws TarTruncatedError', async () => {
    const t = expected.truncated;
    const { items, error } = await collect(readTar(streamOf(archive(t.file), 3)));
    expect(items.map(entryView)).toEqual(expected.ustar.entries.slice(0, t.wholeEntries).map(expectedView));
    expect(error).toBeInstanceOf(TarTruncatedError);
    expect((error as Error).message).toBe(
      `tar archive truncated after ${t.wholeEntries} entries: expected ${t.missingBytes} more bytes`,
    );
  });

  it('yields whole WebDataset samples, then reports the dropped one and rethrows', async () => {
    const t = expected.truncated;
    const problems: WdsProblem[] = [];
    const { items, error } = await collect(
      readWebDataset(streamOf(archive(t.file), 4), (p) => problems.push(p)),
    );
    expect(items.map(sampleView)).toEqual(t.samples);
    expect(error).toBeInstanceOf(TarTruncatedError);
    expect(problems).toEqual([{ key: t.droppedKey, reason: expect.stringMatching(/truncated/) }]);
  });

  it('reports a cut inside a header and a missing end-of-archive marker', async () => {
    const third = expected.ustar.entries[2];
    const cut = third.offsetData - 512 + 100;
    const a = await collect(readTar(streamOf(ustar.slice(0, cut), 1)));
    expect(a.items).toHaveLength(2);
    expect((a.error as Error).message).toBe('tar archive truncated after 2 entries: expected 412 more bytes');
    const b = await collect(readTar(streamOf(ustar.slice(0, ustar.length - 1024), 1)));
    expect(b.items).toHaveLength(expected.ustar.entries.length);
    expect((b.error as Error).message).toMatch(/truncated after 22 entries: expected 1024 more bytes/);
  });

  it('rejects a header with a bad checksum after yielding the entries before it', async () => {
    const bad = ustar.slice();
    const headerAt = expected.ustar.entries[2].offsetData - 512;
    bad[headerAt] ^= 0x20; // first byte of the third header's name
    const { items, error } = await collect(readTar(streamOf(bad, 2)));
    expect(items).toHaveLength(2);
    expect(error).toBeInstanceOf(TarFormatError);
    expect(error).not.toBeInstanceOf(TarTruncatedError);
    expect((error as Error).message).toBe(
      `tar header checksum mismatch at byte ${headerAt} (after 2 entries)`,
    );
  });

  it('cancels the source stream when the consumer stops early', async () => {
    let cancelled = false;
    for await (const e of readTar(streamOf(ustar, 5, 700, () => (cancelled = true)))) {
      expect(e.path).toBe('s000.png');
      break;
    }
    expect(cancelled).toBe(true);
  });
});

/** A minimal hand-built header (for writer quirks GNU tar does not produce by default). */
function header(name: string, flag: string, size: number, opts: { base256?: boolean } = {}): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, at: number) => h.set(new TextEncoder().encode(s), at);
  put(name, 0);
  put('0000644\0', 100);
  if (opts.base256) {
    h[124] = 0x80;
    new DataView(h.buffer).setUint32(132, size);
  } else put(size.toString(8).padStart(11, '0') + '\0', 124);
  h[156] = flag === '\0' ? 0 : flag.charCodeAt(0);
  put('ustar\0' + '00', 257);
  put('        ', 148);
  const sum = h.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}
function concat(parts: Uint8Array[]): Uint8Array {
  const padded = parts.map((p) => {
    const out = new Uint8Array(Math.ceil(p.length / 512) * 512);
    out.set(p);
    return out;
  });
  const all = new Uint8Array(padded.reduce((a, p) => a + p.length, 1024));
  let at = 0;
  for (const p of padded) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

describe('writer quirks', () => {
  it('honours pax size, GNU base-256 sizes, V7 directories and skips K records', async () => {
    const pax = new TextEncoder().encode('10 size=5\n20 path=renamed.txt\n');
    const bytes = concat([
      header('PaxHeaders/a', 'x', pax.length),
      pax,
      header('a.txt', '0', 0), // the pax size (5) overrides the header's 0
      new TextEncoder().encode('hello'),
      header('old/', '\0', 0),
      header('././@LongLink', 'K', 4),
      new TextEncoder().encode('tgt\0'),
      header('big.bin', '0', 600, { base256: true }),
      new Uint8Array(600).fill(7),
    ]);
    const { items, error } = await collect(readTar(streamOf(bytes, 8)));
    expect(error).toBeNull();
    expect(items.map((e) => [e.path, e.type, e.size])).toEqual([
      ['renamed.txt', 'file', 5],
      ['old', 'directory', 0],
      ['big.bin', 'file', 600],
    ]);
    expect(new TextDecoder().decode(items[0].data)).toBe('hello');
    expect(items[2].data.every((b) => b === 7)).toBe(true);
  });

  it('rejects malformed pax records', async () => {
    const pax = new TextEncoder().encode('99 path=x\n');
    const { error } = await collect(
      readTar(streamOf(concat([header('p', 'x', pax.length), pax, header('a', '0', 0)]), 1)),
    );
    expect((error as Error).message).toMatch(/malformed pax record/);
  });
});

describe('splitWdsName and parseCls', () => {
  it('splits at the first dot of the basename, lower-cases, skips metadata', () => {
    expect(splitWdsName('train/n01440764_10026.seg.PNG')).toEqual({
      key: 'train/n01440764_10026',
      ext: 'seg.png',
    });
    expect(splitWdsName('a.b/c.d.JPG')).toEqual({ key: 'a.b/c', ext: 'd.jpg' });
    expect(splitWdsName('x.cls')).toEqual({ key: 'x', ext: 'cls' });
    for (const p of ['.hidden', '_meta.json', 'dir/__key__.txt', 'README', 'a.b/c', 'trailing.']) {
      expect(splitWdsName(p)).toBeNull();
    }
  });

  it('parses ASCII integers like Python int()', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(['3\n', ' 12 \n', '-4', '+7', '1_000'].map((s) => parseCls(enc(s)))).toEqual([3, 12, -4, 7, 1000]);
    expect(['', 'x1', '1.5', '1e3', '99999999999999999999'].map((s) => parseCls(enc(s)))).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});
