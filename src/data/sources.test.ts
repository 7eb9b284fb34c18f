import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDrop, sourceFromDrop } from './drop';
import {
  EmbeddedSource,
  ManifestError,
  embeddedSource,
  loadEmbeddedManifest,
  validateManifest,
  type FetchLike,
} from './embedded';
import { filesSourceFromInput } from './filesSource';
import { FsaSource } from './fsaSource';
import { PermissionLostError, ensurePermission } from './permissions';
import { SourceNotFoundError, listAll } from './source';
import { FakeFs } from './testing/fakeFsa';
import { JPEG_BYTES as J, runIndex } from './testing/run';

/** Serves /work/main/public like the Vite dev server would. */
const publicFetch: FetchLike = async (url) => {
  const path = decodeURIComponent(new URL(url).pathname);
  try {
    return new Response(await readFile(join(process.cwd(), 'public', path)));
  } catch {
    return new Response('missing', { status: 404 });
  }
};

function inputFile(path: string, bytes: Uint8Array | string): File {
  const f = new File([bytes as BlobPart], path.split('/').pop()!);
  Object.defineProperty(f, 'webkitRelativePath', { value: path });
  return f;
}

describe('FilesSource (<input webkitdirectory>)', () => {
  it('strips the picked folder name and indexes like a folder handle', async () => {
    const files = [
      inputFile('picked/train/cat/a.jpg', J),
      inputFile('picked/train/dog/b.jpg', J),
      inputFile('picked/train/dog/sub/c.jpg', J),
      inputFile('picked/val/cat/d.jpg', J),
    ];
    const src = filesSourceFromInput(files);
    expect(src.name).toBe('picked');
    expect((await listAll(src, [])).map((e) => e.name).sort()).toEqual(['train', 'val']);
    const { idx, items } = await runIndex(src);
    expect(idx.counts).toEqual({ train: 3, val: 1 });
    expect(items.map((i) => i.path)).toContain('train/dog/sub/c.jpg');
    expect((await src.open(['val', 'cat', 'd.jpg'])).size).toBe(J.length);
    await expect(src.open(['val', 'nope.jpg'])).rejects.toBeInstanceOf(SourceNotFoundError);
  });
});

describe('FsaSource errors', () => {
  it('turns revoked access into PermissionLostError and missing files into SourceNotFoundError', async () => {
    const fs = new FakeFs({ 'train/c/a.jpg': J, 'train/c/b.jpg': J });
    const src = new FsaSource(fs.handle());
    await expect(src.open(['train', 'c', 'zz.jpg'])).rejects.toBeInstanceOf(SourceNotFoundError);
    await expect(src.open(['nope', 'a.jpg'])).rejects.toBeInstanceOf(SourceNotFoundError);
    fs.failGetFile.set('a.jpg', 'NotAllowedError');
    await expect(src.open(['train', 'c', 'a.jpg'])).rejects.toBeInstanceOf(PermissionLostError);
    await expect(runIndex(src)).rejects.toBeInstanceOf(PermissionLostError);
  });

  it('a virtual root over several dropped handles', async () => {
    const a = new FakeFs({ 'cat/a.jpg': J }).handle('train');
    const b = new FakeFs({ 'cat/b.jpg': J }).handle('val');
    const src = new FsaSource([a, b]);
    const { idx } = await runIndex(src);
    expect(idx.counts).toEqual({ train: 1, val: 1 });
    expect((await src.open(['val', 'cat', 'b.jpg'])).size).toBe(J.length);
  });
});

describe('ensurePermission', () => {
  it('queries, and requests only when asked', async () => {
    const calls: string[] = [];
    const h = {
      name: 'x',
      queryPermission: async () => (calls.push('query'), 'prompt' as PermissionState),
      requestPermission: async () => (calls.push('request'), 'granted' as PermissionState),
    };
    expect(await ensurePermission(h, 'read', false)).toBe('prompt');
    expect(calls).toEqual(['query']);
    expect(await ensurePermission(h, 'read', true)).toBe('granted');
    expect(calls).toEqual(['query', 'query', 'request']);
    expect(await ensurePermission({ name: 'opfs' }, 'read', true)).toBe('granted');
  });
});

describe('readDrop', () => {
  const item = (extra: object): DataTransferItem =>
    ({ kind: 'file', ...extra }) as unknown as DataTransferItem;
  const dt = (items: DataTransferItem[]): DataTransfer => ({ items }) as unknown as DataTransfer;

  it('uses getAsFileSystemHandle, called synchronously for every item', async () => {
    const handle = new FakeFs({ 'cat/a.jpg': J }).handle('picked');
    let called = 0;
    const p = readDrop(dt([item({ getAsFileSystemHandle: () => (called++, Promise.resolve(handle)) })]));
    expect(called).toBe(1); // before any await
    const src = sourceFromDrop(await p)!;
    expect(src.kind).toBe('fsa');
    expect(src.name).toBe('picked');
  });

  it('falls back to webkitGetAsEntry and walks directories in readEntries batches', async () => {
    const fileEntry = (name: string): object => ({
      isFile: true,
      isDirectory: false,
      name,
      file: (ok: (f: File) => void) => ok(new File([J], name)),
    });
    const dirEntry = (name: string, children: object[]): object => ({
      isFile: false,
      isDirectory: true,
      name,
      createReader: () => {
        let i = 0;
        return { readEntries: (ok: (e: object[]) => void) => ok(children.slice(i, (i += 2))) };
      },
    });
    const root = dirEntry('picked', [
      dirEntry('cat', [fileEntry('a.jpg'), fileEntry('b.jpg'), fileEntry('c.jpg')]),
      dirEntry('dog', [fileEntry('d.jpg')]),
    ]);
    const drop = await readDrop(dt([item({ webkitGetAsEntry: () => root })]));
    expect(drop.kind).toBe('files');
    const src = sourceFromDrop(drop)!;
    expect(src.name).toBe('picked');
    const { idx } = await runIndex(src, { valFraction: 0 });
    expect(idx.counts.train).toBe(4);
  });
});

describe('embedded datasets', () => {
  it('loads and validates the real manifest', async () => {
    const m = await loadEmbeddedManifest('http://localhost:5173/', publicFetch);
    expect(m.datasets.map((d) => d.id)).toContain('fashion-mnist');
    expect(() =>
      validateManifest({
        datasets: [{ id: 'x', name: 'x', root: 'r', classes: [], numClasses: 0, layout: 'imagefolder' }],
      }),
    ).toThrow(ManifestError);
    await expect(loadEmbeddedManifest('http://localhost:5173/nope/', publicFetch)).rejects.toThrow(
      /HTTP 404/,
    );
  });

  it('indexes the embedded ImageFolder set through the generic indexer, with manifest classes', async () => {
    const m = await loadEmbeddedManifest('http://localhost:5173/', publicFetch);
    const src = embeddedSource(m, 'fashion-mnist', 'http://localhost:5173/', publicFetch);
    const { idx, items } = await runIndex(src);
    const d = m.datasets.find((x) => x.id === 'fashion-mnist')!;
    if (d.layout !== 'imagefolder') throw new Error('expected imagefolder');
    expect(idx.counts).toEqual({ train: d.splits.train.length, val: d.splits.val.length });
    expect(idx.numClasses).toBe(10);
    expect(idx.classes.map((c) => c.name)).toEqual(d.classes.map((c) => c.name));
    expect(idx.skipped).toEqual([]);
    const byPath = new Map([...d.splits.train, ...d.splits.val].map((e) => [e.path, e.classIndex]));
    for (const it of items) expect(it.classIndex).toBe(byPath.get(it.path));
    const blob = await src.open(items[0].path.split('/'));
    expect(blob.size).toBe(items[0].bytes);
  });

  it('serves ImageFolder files from the pack: one fetch, the same bytes as the loose files', async () => {
    const m = await loadEmbeddedManifest('http://localhost:5173/', publicFetch);
    const d = m.datasets.find((x) => x.id === 'fashion-mnist')!;
    if (d.layout !== 'imagefolder' || !d.pack) throw new Error('expected an imagefolder with a pack');
    const urls: string[] = [];
    const counting: FetchLike = (url) => {
      urls.push(url);
      return publicFetch(url);
    };
    const src = new EmbeddedSource(d, 'http://localhost:5173/', counting);
    const entries = [d.splits.train[0], d.splits.train[777], d.splits.val[d.splits.val.length - 1]];
    for (const e of entries) {
      const fromPack = new Uint8Array(await (await src.open(e.path.split('/'))).arrayBuffer());
      const loose = new Uint8Array(
        await (await publicFetch(`http://localhost:5173/${d.root}/${e.path}`)).arrayBuffer(),
      );
      expect(fromPack).toEqual(loose);
    }
    expect(urls).toEqual([`http://localhost:5173/${d.root}/${d.pack.path}`]);
  });

  it('falls back to the loose files when the pack cannot be fetched', async () => {
    const m = await loadEmbeddedManifest('http://localhost:5173/', publicFetch);
    const d = m.datasets.find((x) => x.id === 'fashion-mnist')!;
    if (d.layout !== 'imagefolder') throw new Error('expected imagefolder');
    const noPack: FetchLike = (url) =>
      url.endsWith('pack.bin') ? Promise.resolve(new Response('gone', { status: 404 })) : publicFetch(url);
    const src = new EmbeddedSource(d, 'http://localhost:5173/', noPack);
    const e = d.splits.train[3];
    expect((await src.open(e.path.split('/'))).size).toBe(e.bytes);
  });

  it('keeps the manifest class order for wnid folders (imagenet-photos)', async () => {
    const m = await loadEmbeddedManifest('http://localhost:5173/', publicFetch);
    const d = m.datasets.find((x) => x.id === 'imagenet-photos');
    if (!d) return;
    const { idx } = await runIndex(new EmbeddedSource(d, 'http://localhost:5173/', publicFetch));
    expect(idx.classes.map((c) => c.wnid)).toEqual(d.classes.map((c) => c.wnid));
    expect(idx.numClasses).toBe(d.numClasses);
  });
});
