import 'fake-indexeddb/auto';
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeLabelRecord, encodeLabelRecord } from '../core/labelRecord';
import { roundToFloat16 } from '../core/float16';
import { fkdToRecord } from '../core/torchfile/convert';
import { readFkdLabelFile, writeFkdLabelFile, type FkdLabelFile } from '../core/torchfile/fkdFile';
import type { DataSource, SourceEntry } from '../data/source';
import {
  closeStudioDb,
  getLabelRecords,
  getLabelSet,
  openStudioDb,
  putDataset,
  putDatasetItems,
  putLabelSet,
  type StudioDb,
} from '../store';
import { freshDbName } from '../store/test-fixtures';
import { fsDirectoryHandle } from '../../bench/interopFs';
import { runFkdExport } from './fkdExportJob';
import { runFkdImport } from './fkdImportJob';

const FIX = join(__dirname, '..', 'core', 'torchfile', '__fixtures__');
const fixture = (dir: string, name: string) => new Uint8Array(readFileSync(join(FIX, dir, name)));
const W = 13;
const H = 7;

/** An in-memory label tree. */
function memSource(name: string, files: Record<string, Uint8Array>): DataSource {
  return {
    kind: 'fsa',
    name,
    async *list(dir): AsyncIterable<SourceEntry> {
      const prefix = dir.length ? `${dir.join('/')}/` : '';
      const seen = new Set<string>();
      for (const p of Object.keys(files)) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length).split('/');
        if (seen.has(rest[0])) continue;
        seen.add(rest[0]);
        yield rest.length > 1
          ? { name: rest[0], kind: 'directory' }
          : { name: rest[0], kind: 'file', size: 1 };
      }
    },
    open(path) {
      const f = files[path.join('/')];
      return f
        ? Promise.resolve(new Blob([f as Uint8Array<ArrayBuffer>]))
        : Promise.reject(new Error('gone'));
    },
  };
}

let name: string;
let db: StudioDb;
const good = () =>
  readFkdLabelFile(fixture('good', 'marginal_smoothing_k5_f32.tar'), 'x', { numClasses: 10 });
const deps = (source: DataSource) => ({
  db,
  source,
  imageSize: () => Promise.resolve({ width: W, height: H }),
});

beforeEach(async () => {
  name = freshDbName();
  db = await openStudioDb(name);
  await putDataset(db, {
    id: 'ds',
    name: 'tiny',
    source: 'folder',
    layout: 'imagefolder',
    numClasses: 10,
    classes: Array.from({ length: 10 }, (_, i) => ({ index: i, name: `c${i}`, folder: `f${i}` })),
    counts: { train: 6, val: 0 },
    skipped: [],
    createdAt: 1,
    updatedAt: 1,
  });
  await putDatasetItems(
    db,
    'ds',
    'train',
    ['f0/a.png', 'f0/b.png', 'f1/c.JPEG', 'f1/d.png', 'f2/e.png', 'f2/f.png'].map((p, index) => ({
      index,
      path: `train/${p}`,
      classIndex: Number(p[1]),
      bytes: 1,
    })),
  );
});
afterEach(async () => {
  closeStudioDb(name);
});

describe('FKD tree import', () => {
  it('imports matched files exactly, skips and lists bad ones, reports both kinds of unmatched', async () => {
    const f = good();
    const tree = memSource('labels', {
      'train/f0/a.tar': writeFkdLabelFile(f, 'a'),
      'train/f0/b.tar': fixture('bad', 'nan.tar'),
      'train/f1/c.tar': fixture('good', 'marginal_smoothing_k5_f32.tar'),
      'train/f1/d.tar': fixture('good', 'marginal_smoothing_k10_f32.tar'),
      'train/f9/zzz.tar': writeFkdLabelFile(f, 'zzz'),
      'README.md': new Uint8Array(1),
    });
    const r = await runFkdImport(
      { datasetId: 'ds', root: null as never },
      deps(tree),
      new AbortController().signal,
    );
    expect(r.imported).toBe(2);
    expect(r.badCount).toBe(2);
    expect(r.badFiles.map((b) => b.path)).toEqual(['train/f0/b.tar', 'train/f1/d.tar']);
    expect(r.badFiles[0].reason).toContain('probability NaN');
    expect(r.badFiles[1].reason).toContain('the first file held marginal_smoothing_k5');
    expect(r.filesWithoutImage).toBe(1);
    expect(r.filesWithoutImageSample).toEqual(['train/f9/zzz.tar']);
    expect(r.imagesWithoutFile).toBe(2);
    const set = (await getLabelSet(db, r.labelSetId))!;
    expect(set.status).toBe('done');
    expect(set.imagesDone).toBe(2);
    expect(set.settings).toMatchObject({ codec: 'msTopK', k: 5, precision: 'f32', numCrops: 4 });
    expect(set.provenance).toMatchObject({
      kind: 'fkd-files',
      source: 'labels',
      labelType: 'marginal_smoothing_k5',
      cropsPerImage: 4,
      files: 5,
      badFiles: 2,
      imagesWithoutFile: 2,
      filesWithoutImage: 1,
    });
    const recs = await getLabelRecords(db, r.labelSetId, 0, 6);
    expect([...recs.keys()].sort()).toEqual([0, 2]);
    expect(decodeLabelRecord(recs.get(0)!)).toEqual(decodeLabelRecord(encodeOf(f)));
  });

  it("finds Fast MEAL V2's extra level and refuses a folder without train/", async () => {
    const tree = memSource('meal', { 'imagenet/train/f0/a.tar': writeFkdLabelFile(good(), 'a') });
    const r = await runFkdImport(
      { datasetId: 'ds', root: null as never },
      deps(tree),
      new AbortController().signal,
    );
    expect(r.imported).toBe(1);
    const none = memSource('x', { 'val/f0/a.tar': new Uint8Array(1) });
    await expect(
      runFkdImport({ datasetId: 'ds', root: null as never }, deps(none), new AbortController().signal),
    ).rejects.toThrow('has no train/ folder');
  });

  it('pauses on cancel and a resumed import finishes without reading done images again', async () => {
    const files: Record<string, Uint8Array> = {};
    for (const p of ['f0/a', 'f0/b', 'f1/c', 'f1/d', 'f2/e', 'f2/f'])
      files[`train/${p}.tar`] = writeFkdLabelFile(good(), 'x');
    const ctrl = new AbortController();
    let opened = 0;
    const src = memSource('labels', files);
    const counting: DataSource = {
      ...src,
      list: (d) => src.list(d),
      open: (p) => {
        opened++;
        if (p.join('/') === 'train/f1/c.tar') ctrl.abort();
        return src.open(p);
      },
    };
    const first = await runFkdImport({ datasetId: 'ds', root: null as never }, deps(counting), ctrl.signal);
    expect(first.cancelled).toBe(true);
    const paused = (await getLabelSet(db, first.labelSetId))!;
    expect(paused.status).toBe('paused');
    expect(paused.imagesDone).toBe(4);
    opened = 0;
    const second = await runFkdImport(
      { datasetId: 'ds', root: null as never, resumeLabelSetId: first.labelSetId },
      deps(counting),
      new AbortController().signal,
    );
    expect(second).toMatchObject({ imported: 2, alreadyDone: 4, cancelled: false, imagesWithoutFile: 0 });
    expect(opened).toBe(2);
    expect((await getLabelSet(db, first.labelSetId))!).toMatchObject({ status: 'done', imagesDone: 6 });
  });
});

describe('FKD tree export', () => {
  it("writes FKD's tree with a README and launch script into one zip; the files read back to the records", async () => {
    const tree = memSource('labels', {
      'train/f0/a.tar': writeFkdLabelFile(good(), 'a'),
      'train/f1/c.tar': writeFkdLabelFile(good(), 'c'),
    });
    const { labelSetId } = await runFkdImport(
      { datasetId: 'ds', root: null as never },
      deps(tree),
      new AbortController().signal,
    );
    const r = await runFkdExport({ labelSetId }, db, new AbortController().signal);
    expect(r).toMatchObject({ written: 2, skipped: 0, labelType: 'marginal_smoothing_k5', cancelled: false });
    const entries = unzipSync(new Uint8Array(await r.zip!.arrayBuffer()));
    expect(Object.keys(entries).sort()).toEqual([
      'README.md',
      'fkd_studio.json',
      'train/f0/a.tar',
      'train/f1/c.tar',
      'train_fkd.sh',
    ]);
    const back = readFkdLabelFile(entries['train/f1/c.tar'], 'c.tar', { numClasses: 10 });
    expect(back).toEqual(good());
    const readme = new TextDecoder().decode(entries['README.md']);
    expect(readme).toContain('--soft_label_type marginal_smoothing_k5');
    expect(readme).toContain('weights_only');
    const sh = new TextDecoder().decode(entries['train_fkd.sh']);
    expect(sh).toContain('--multiprocessing-distributed');
    expect(sh).toContain('--world-size "$NODES" --rank "$RANK"');
    expect(sh).toContain('NUM_CROPS must be <= 4');
  });

  it('refuses a set mixed at label time: FKD files cannot hold the mix', async () => {
    const tree = memSource('labels', { 'train/f0/a.tar': writeFkdLabelFile(good(), 'a') });
    const { labelSetId } = await runFkdImport(
      { datasetId: 'ds', root: null as never },
      deps(tree),
      new AbortController().signal,
    );
    const set = (await getLabelSet(db, labelSetId))!;
    await putLabelSet(db, { ...set, settings: { ...set.settings, labelMix: 'both' } });
    await expect(runFkdExport({ labelSetId }, db, new AbortController().signal)).rejects.toThrow(
      /mixed at label time \(both\).*cannot be exported in FKD format/,
    );
  });

  it('writes into a folder and a second run writes only the files that are missing (resume)', async () => {
    const files: Record<string, Uint8Array> = {};
    for (const p of ['f0/a', 'f0/b', 'f1/c']) files[`train/${p}.tar`] = writeFkdLabelFile(good(), 'x');
    const { labelSetId } = await runFkdImport(
      { datasetId: 'ds', root: null as never },
      deps(memSource('labels', files)),
      new AbortController().signal,
    );
    const dir = mkdtempSync(join(tmpdir(), 'fkd-export-test-'));
    try {
      const first = await runFkdExport(
        { labelSetId, target: fsDirectoryHandle(dir) },
        db,
        new AbortController().signal,
      );
      expect(first).toMatchObject({ written: 3, skipped: 0 });
      const b = readFileSync(join(dir, 'train', 'f0', 'b.tar'));
      expect(readFkdLabelFile(new Uint8Array(b), 'b.tar', { numClasses: 10 })).toEqual(good());
      unlinkSync(join(dir, 'train', 'f0', 'b.tar'));
      const again = await runFkdExport(
        { labelSetId, target: fsDirectoryHandle(dir) },
        db,
        new AbortController().signal,
      );
      expect(again).toMatchObject({ written: 1, skipped: 2 });
      expect(readFileSync(join(dir, 'train', 'f0', 'b.tar')).equals(b)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FKD tree export at float16', () => {
  it('writes float16 arrays (the values rounded to half) when asked, float32 by default, and refuses other precisions', async () => {
    const tree = memSource('labels', { 'train/f0/a.tar': writeFkdLabelFile(good(), 'a') });
    const { labelSetId } = await runFkdImport(
      { datasetId: 'ds', root: null as never },
      deps(tree),
      new AbortController().signal,
    );
    const exported = async (precision?: 'f32' | 'f16') => {
      const r = await runFkdExport({ labelSetId, precision }, db, new AbortController().signal);
      const entries = unzipSync(new Uint8Array(await r.zip!.arrayBuffer()));
      const file = readFkdLabelFile(entries['train/f0/a.tar'], 'a.tar', { numClasses: 10 });
      return { r, file, readme: new TextDecoder().decode(entries['README.md']) };
    };
    const f32 = await exported();
    expect(f32.file.precision).toBe('f32');
    expect(f32.file).toEqual(good());
    const f16 = await exported('f16');
    expect(f16.file.precision).toBe('f16');
    expect(Array.from(f16.file.probs)).toEqual(Array.from(good().probs, roundToFloat16));
    expect(Array.from(f16.file.coords)).toEqual(Array.from(good().coords, roundToFloat16));
    expect(f16.file.probs).not.toEqual(good().probs);
    expect(f16.r.notes.join(' ')).toContain('float16');
    expect(f16.readme).toContain('float16');
    await expect(
      runFkdExport({ labelSetId, precision: 'bf16' as never }, db, new AbortController().signal),
    ).rejects.toThrow("float32 (f32) or float16 (f16) labels, not 'bf16'");
  });
});

describe('FKD tree export into a folder, writes in flight', () => {
  it('reports a failed write instead of finishing without the file', async () => {
    const files: Record<string, Uint8Array> = {};
    for (const p of ['f0/a', 'f0/b', 'f1/c']) files[`train/${p}.tar`] = writeFkdLabelFile(good(), 'x');
    const { labelSetId } = await runFkdImport(
      { datasetId: 'ds', root: null as never },
      deps(memSource('labels', files)),
      new AbortController().signal,
    );
    const dir = mkdtempSync(join(tmpdir(), 'fkd-export-test-'));
    try {
      const root = fsDirectoryHandle(dir);
      // The disk fills up at b.tar: its close fails after the other files were started.
      const full = (h: FileSystemDirectoryHandle): FileSystemDirectoryHandle =>
        new Proxy(h, {
          get: (t, k) =>
            k === 'getDirectoryHandle'
              ? (n: string, o: object) => t.getDirectoryHandle(n, o).then(full)
              : k === 'getFileHandle'
                ? async (n: string, o: object) => {
                    const fh = await t.getFileHandle(n, o);
                    if (n !== 'b.tar') return fh;
                    const w = await fh.createWritable();
                    return {
                      ...fh,
                      getFile: () => fh.getFile(),
                      createWritable: () =>
                        Promise.resolve({
                          write: (d: Uint8Array<ArrayBuffer>) => w.write(d),
                          close: () => Promise.reject(new Error('QuotaExceededError: disk full')),
                        }),
                    };
                  }
                : (Reflect.get(t, k) as unknown),
        });
      await expect(
        runFkdExport({ labelSetId, target: full(root) }, db, new AbortController().signal),
      ).rejects.toThrow('disk full');
      expect(readFileSync(join(dir, 'train', 'f0', 'a.tar')).length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function encodeOf(f: FkdLabelFile): Uint8Array {
  const { record } = fkdToRecord(f, W, H, 10);
  return encodeLabelRecord(record);
}
