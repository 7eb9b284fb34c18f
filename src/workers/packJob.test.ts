import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  getDataset,
  openStudioDb,
  putDataset,
  putDatasetItems,
  putDatasetPack,
  type DatasetItem,
  type Split,
} from '../store';
import { ustar } from '../data/testing/ustar';
import { DatasetReader, registerSessionFiles } from './datasets';
import {
  PackMissingError,
  PackReader,
  packReadable,
  packStorage,
  type PackDir,
  type SyncHandle,
} from './packFiles';
import { packReads, runPack } from './packJob';

/** An in-memory FileSystemSyncAccessHandle: a growable byte array, flushed bytes tracked apart. */
class MemHandle implements SyncHandle {
  data = new Uint8Array(0);
  /** What a killed browser would find: the bytes as of the last flush. */
  flushed = new Uint8Array(0);
  open = true;
  /** Fails writes past this many bytes with a QuotaExceededError. */
  constructor(private readonly limit: { bytes: number } = { bytes: Infinity }) {}
  read(buf: Uint8Array | DataView, opts: { at?: number } = {}): number {
    const at = opts.at ?? 0;
    const n = Math.max(0, Math.min(buf.byteLength, this.data.length - at));
    new Uint8Array(buf.buffer, buf.byteOffset, n).set(this.data.subarray(at, at + n));
    return n;
  }
  write(buf: Uint8Array | DataView, opts: { at?: number } = {}): number {
    const at = opts.at ?? 0;
    const end = at + buf.byteLength;
    if (end > this.limit.bytes) throw new DOMException('quota', 'QuotaExceededError');
    if (end > this.data.length) {
      const grown = new Uint8Array(end);
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), at);
    return buf.byteLength;
  }
  truncate(size: number): void {
    const out = new Uint8Array(size);
    out.set(this.data.subarray(0, size));
    this.data = out;
  }
  getSize(): number {
    return this.data.length;
  }
  flush(): void {
    this.flushed = this.data.slice();
  }
  close(): void {
    this.open = false;
  }
}

class MemDir implements PackDir {
  files = new Map<string, MemHandle>();
  limit = { bytes: Infinity };
  async open(name: string, mode: 'read' | 'write'): Promise<SyncHandle> {
    let f = this.files.get(name);
    if (!f) {
      if (mode === 'read') throw new DOMException(name, 'NotFoundError');
      f = new MemHandle(this.limit);
      this.files.set(name, f);
    }
    // A fresh handle on the same bytes, as the browser gives.
    const file = f;
    return {
      read: (b, o) => file.read(b, o),
      write: (b, o) => file.write(b, o),
      truncate: (n) => file.truncate(n),
      getSize: () => file.getSize(),
      flush: () => file.flush(),
      close: () => undefined,
    };
  }
  async remove(name: string): Promise<void> {
    this.files.delete(name);
  }
  async names(): Promise<string[]> {
    return [...this.files.keys()];
  }
  /** The folder after a crash: every file back to its last flush. */
  crash(): void {
    for (const f of this.files.values()) f.data = f.flushed.slice();
  }
}

function file(name: string, bytes: Uint8Array): File {
  const f = new File([bytes as Uint8Array<ArrayBuffer>], name);
  Object.defineProperty(f, 'webkitRelativePath', { value: `picked/${name}` });
  return f;
}

/** A File[] dataset of `n` train and `v` val images, image i being `i + 1` bytes of value i. */
async function dataset(
  id: string,
  n: number,
  v: number,
  missing: number[] = [],
  wrap: (k: number, f: File) => File = (_, f) => f,
) {
  const db = await openStudioDb();
  const now = Date.now();
  await putDataset(db, {
    id,
    name: 'picked',
    source: 'files',
    layout: 'imagefolder',
    numClasses: 2,
    classes: [0, 1].map((index) => ({ index, name: `c${index}` })),
    counts: { train: n, val: v },
    skipped: [],
    createdAt: now,
    updatedAt: now,
  });
  const files: File[] = [];
  const items = (split: Split, count: number, base: number) =>
    Array.from({ length: count }, (_, index) => {
      const k = base + index;
      const path = `${split}/c${k % 2}/img${k}.png`;
      if (!missing.includes(k)) files.push(wrap(k, file(path, new Uint8Array(k + 1).fill(k % 256))));
      return { index, path, classIndex: k % 2, bytes: k + 1 };
    });
  await putDatasetItems(db, id, 'train', items('train', n, 0));
  await putDatasetItems(db, id, 'val', items('val', v, n));
  registerSessionFiles(id, files);
  return db;
}

/** Pack folders of this file's datasets, in memory. */
const dirs = new Map<string, MemDir>();
packStorage.dir = async (id, create) => {
  if (!dirs.has(id) && create) dirs.set(id, new MemDir());
  return dirs.get(id) ?? null;
};
function dirOf(id: string): MemDir {
  if (!dirs.has(id)) dirs.set(id, new MemDir());
  return dirs.get(id)!;
}

function item(id: string, split: Split, index: number, path = `${split}/${index}`): DatasetItem {
  return { datasetId: id, split, index, path, classIndex: 0, bytes: 0 };
}

describe('runPack', () => {
  it('copies every image once into size-limited pack files; the reader gives back the same bytes', async () => {
    const db = await dataset('files:pack1', 30, 5, [3, 31]);
    const dir = dirOf('files:pack1');
    packReads.files = 0;
    const pack = await runPack('files:pack1', new AbortController().signal, undefined, { maxPackBytes: 100 });
    expect(pack.state).toBe('complete');
    expect(pack.done).toEqual({ train: 30, val: 5 });
    expect(pack.skippedTotal).toBe(2);
    expect(pack.skipped.map((s) => s.path)).toEqual(['train/c1/img3.png', 'val/c1/img31.png']);
    expect(pack.skipped[0].reason).toContain('file not found');
    // Sum of 1..35 without the two missing (4 and 32 bytes).
    expect(pack.bytes).toBe((35 * 36) / 2 - 4 - 32);
    expect(packReads.files).toBe(33);
    expect(pack.packs).toBeGreaterThan(5);
    for (let p = 0; p < pack.packs; p++)
      expect(dir.files.get(`pack-${String(p).padStart(3, '0')}.bin`)!.getSize()).toBeLessThanOrEqual(100);
    expect(dir.files.get('train.idx')!.getSize()).toBe(30 * 16);

    const d = (await getDataset(db, 'files:pack1'))!;
    expect(packReadable(d)).toBe(true);
    const reader = await PackReader.open(dir, d.pack!);
    for (const [split, i, k] of [
      ['train', 0, 0],
      ['train', 29, 29],
      ['val', 4, 34],
    ] as const) {
      const bytes = await reader.read(split, i, 'x');
      expect(bytes.length).toBe(k + 1);
      expect(bytes.every((b) => b === k % 256)).toBe(true);
    }
    await expect(reader.read('train', 3, 'train/c1/img3.png')).rejects.toBeInstanceOf(PackMissingError);
    await expect(reader.read('train', 30, 'x')).rejects.toThrow(/past the studio copy/);
  });

  it('resumes after a cancel and after a crash from the last commit, reading nothing twice', async () => {
    const db = await dataset('files:pack2', 600, 0);
    const dir = dirOf('files:pack2');
    const deps = { maxPackBytes: 4096 };
    // Cancel once 300 images were read: commits (each 256 images, and at each new pack file) are behind it.
    const ctrl = new AbortController();
    packReads.files = 0;
    const progress: number[] = [];
    const first = runPack(
      'files:pack2',
      ctrl.signal,
      (p) => {
        progress.push(p.done);
      },
      deps,
    );
    const poll = setInterval(() => packReads.files >= 300 && ctrl.abort(), 0);
    await expect(first).rejects.toThrow(/cancelled/);
    clearInterval(poll);
    const cut = (await getDataset(db, 'files:pack2'))!.pack!;
    expect(cut.state).toBe('paused');
    expect(cut.done.train).toBeGreaterThan(0);
    expect(cut.done.train).toBeLessThan(600);
    expect(dir.files.get('train.idx')!.getSize()).toBe(cut.done.train * 16);

    // A crash after more was written but not committed: the resume truncates that tail.
    const idx = dir.files.get('train.idx')!;
    idx.write(new Uint8Array(16 * 5).fill(255), { at: idx.getSize() });
    idx.flush();
    const tail = dir.files.get(`pack-${String(cut.cursor.pack).padStart(3, '0')}.bin`)!;
    tail.write(new Uint8Array(50_000).fill(9), { at: cut.cursor.offset });
    tail.flush();
    dir.crash();
    packReads.files = 0;
    const done = await runPack('files:pack2', new AbortController().signal, undefined, deps);
    expect(done.state).toBe('complete');
    expect(packReads.files).toBe(600 - cut.done.train);
    expect(done.bytes).toBe((600 * 601) / 2);
    // Nothing of the crashed run's tail is kept: the files hold exactly the images.
    expect([...dir.files.values()].reduce((a, f) => a + f.getSize(), 0)).toBe(done.bytes + 600 * 16);
    const reader = await PackReader.open(dir, done);
    for (const i of [0, cut.done.train - 1, cut.done.train, 599]) {
      const bytes = await reader.read('train', i, 'x');
      expect([bytes.length, bytes[0]]).toEqual([i + 1, i % 256]);
    }
  });

  it('stops with a quota StoreError, keeps what was committed, and finishes once space is back', async () => {
    const db = await dataset('files:pack3', 400, 0);
    const dir = dirOf('files:pack3');
    dir.limit.bytes = 20_000;
    const deps = {};
    await expect(runPack('files:pack3', new AbortController().signal, undefined, deps)).rejects.toMatchObject(
      {
        kind: 'quota',
      },
    );
    const cut = (await getDataset(db, 'files:pack3'))!.pack!;
    expect(cut.state).toBe('paused');
    expect(cut.error).toContain('storage quota exhausted');
    expect(dir.files.get('pack-000.bin')!.getSize()).toBe(cut.cursor.offset);
    dir.limit.bytes = Infinity;
    const done = await runPack('files:pack3', new AbortController().signal, undefined, deps);
    expect(done.bytes).toBe((400 * 401) / 2);
    const reader = await PackReader.open(dir, done);
    expect((await reader.read('train', 399, 'x')).length).toBe(400);
  });

  it('makes DatasetReader read a complete copy without opening the source', async () => {
    await dataset('files:pack4', 3, 1, [1]);
    await runPack('files:pack4', new AbortController().signal);
    // The File[] is gone (a reload): a reader of the copy does not need it.
    registerSessionFiles('files:pack4', undefined as unknown as File[]);
    const reader = await DatasetReader.open('files:pack4', { splits: [] });
    expect(reader.packed).toBe(true);
    expect(await reader.rootError()).toBeUndefined();
    // The copy's bytes as read, not wrapped in a Blob, in a buffer of their own (the decode pool may move it).
    const val = await reader.read(item('files:pack4', 'val', 0));
    expect(val).toBeInstanceOf(Uint8Array);
    expect(val).toEqual(new Uint8Array(4).fill(3));
    expect((val as Uint8Array).buffer.byteLength).toBe(4);
    await expect(reader.read(item('files:pack4', 'train', 1, 'train/c1/img1.png'))).rejects.toThrow(
      'train/c1/img1.png is not in the studio copy',
    );
    // Without the copy the same dataset needs its files again, and says so.
    await putDatasetPack(await openStudioDb(), 'files:pack4', undefined);
    await expect(DatasetReader.open('files:pack4', { splits: [] })).rejects.toThrow(/file list/);
  });
});

describe('runPack when the files are gone', () => {
  it('starts over when the folder holds less than the record says (site data cleared)', async () => {
    const ctrl = new AbortController();
    // Image 280's read cancels the copy: the commit at 256 is behind it.
    const db = await dataset('files:pack5', 300, 0, [], (k, f) => {
      if (k !== 280) return f;
      const read = f.arrayBuffer.bind(f);
      f.arrayBuffer = () => (ctrl.abort(), read());
      return f;
    });
    await expect(runPack('files:pack5', ctrl.signal)).rejects.toThrow(/cancelled/);
    expect((await getDataset(db, 'files:pack5'))!.pack!.done.train).toBe(256);
    dirOf('files:pack5').files.clear();
    packReads.files = 0;
    const done = await runPack('files:pack5', new AbortController().signal);
    expect(packReads.files).toBe(300);
    expect(done.bytes).toBe((300 * 301) / 2);
    const reader = await PackReader.open(dirOf('files:pack5'), done);
    expect((await reader.read('train', 10, 'x')).length).toBe(11);
  });
});

describe('runPack over WebDataset shards', () => {
  it('reads each shard once, in one pass, and skips the items of a shard that is gone', async () => {
    const id = 'files:pack-wds';
    const db = await openStudioDb();
    const now = Date.now();
    await putDataset(db, {
      id,
      name: 'picked',
      source: 'files',
      layout: 'webdataset',
      numClasses: 2,
      classes: [0, 1].map((index) => ({ index, name: `c${index}` })),
      counts: { train: 5, val: 0 },
      skipped: [],
      createdAt: now,
      updatedAt: now,
    });
    const img = (n: number) => new Uint8Array([0xff, 0xd8, 0xff, n, n]);
    const tar = ustar([
      ['a.cls', '0'],
      ['a.jpg', img(1)],
      ['b.cls', '1'],
      ['b.png', img(2)],
      ['c.cls', '1'],
      ['c.jpg', img(3)],
    ]);
    const shardItem = (index: number, shard: string, offset: number, path: string) => ({
      index,
      path,
      classIndex: 0,
      bytes: 5,
      shard,
      offset,
    });
    await putDatasetItems(db, id, 'train', [
      shardItem(0, 'train/s-0.tar', 0, 'a.jpg'),
      shardItem(1, 'train/s-0.tar', 1, 'b.png'),
      shardItem(2, 'train/s-0.tar', 2, 'c.jpg'),
      shardItem(3, 'train/s-1.tar', 0, 'x.jpg'),
      shardItem(4, 'train/s-1.tar', 1, 'y.jpg'),
    ]);
    const shard = file('train/s-0.tar', tar);
    let streams = 0;
    const stream = shard.stream.bind(shard);
    shard.stream = () => (streams++, stream());
    registerSessionFiles(id, [shard]);
    packReads.files = 0;
    // Index pages of 2 items: s-0's three samples span two pages and are still streamed once.
    const pack = await runPack(id, new AbortController().signal, undefined, { pageItems: 2 });
    expect(pack.state).toBe('complete');
    expect(streams).toBe(1);
    expect(packReads.files).toBe(3);
    expect(pack.skippedTotal).toBe(2);
    expect(pack.skipped.map((s) => s.path)).toEqual(['x.jpg', 'y.jpg']);
    const reader = await DatasetReader.open(id, { splits: [] });
    expect(reader.packed).toBe(true);
    for (const k of [0, 1, 2]) {
      const bytes = await reader.read(item(id, 'train', k));
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(bytes).toEqual(img(k + 1));
    }
    await expect(reader.read(item(id, 'train', 4, 'y.jpg'))).rejects.toThrow('not in the studio copy');
  });
});
