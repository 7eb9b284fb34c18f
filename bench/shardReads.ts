/**
 * bench:shards: random reads over a set of WebDataset shards, through the jobs' one read path
 * (DatasetReader.read in the teacher worker). Shards of small samples (`.cls` + a ~1.2-KB `.jpg`-named
 * member, not decoded) are written to the page's OPFS and indexed through the folder flow; then the
 * worker reads the train split in a seeded random order, as a training pass does:
 *
 * - "slice": each image one slice of its shard (members' places recorded at indexing);
 * - "whole-shard cache": the same reads as an index without those places reads them (a few whole
 *   shards decompressed at a time), over the first `--legacy-reads` of the order only, because every
 *   miss reads a whole shard;
 * - "index order (one stream per shard)", generation's order: a forward cursor per shard
 *   (data/shardCursor.ts), against "whole-shard cache, index order".
 *
 * Each row also gives what the browser process kept per read (resident growth over the pass, 2 s
 * after it; the worker collects garbage every 2,048 reads).
 *
 *   npx tsx bench/shardReads.ts [--shards 200] [--per-shard 100] [--legacy-reads 2000] [--passes 2]
 */
import { randomBytes } from 'node:crypto';
import { ustar } from '../src/data/testing/ustar';
import { chromiumRssByType } from './chromiumRss';
import { arg, fmt, note, round, runBench, table } from './harness';
import { indexOpfsFolder } from './scaleData';

const SHARDS = arg('shards', 200);
const PER_SHARD = arg('per-shard', 100);
const LEGACY_READS = arg('legacy-reads', 2000);
const PASSES = Math.max(1, arg('passes', 2));

interface Row {
  mode: string;
  reads: number;
  readsPerSec: number;
  kbPerRead: number;
  /** The browser process's resident growth over the pass, per read (2 s after it, workers collected). */
  browserKbPerRead: number;
}

const browserKB = () => (chromiumRssByType().browser ?? 0) / 1024;
const settle = () => new Promise((res) => setTimeout(res, 2000));

function shard(s: number): Uint8Array {
  const members: [string, Uint8Array | string][] = [];
  for (let k = 0; k < PER_SHARD; k++) {
    const jpg = randomBytes(1000 + ((s * 31 + k * 17) % 400));
    jpg.set([0xff, 0xd8, 0xff, 0xe0]);
    members.push(
      [`sample${String(k).padStart(6, '0')}.cls`, String((s + k) % 10)],
      [`sample${String(k).padStart(6, '0')}.jpg`, jpg],
    );
  }
  return ustar(members);
}

void runBench(
  'shards',
  async ({ page }) => {
    const name = `bench-shards-${SHARDS}x${PER_SHARD}`;
    const t0 = Date.now();
    let shardBytes = 0;
    await page.evaluate(async (n) => {
      const root = await navigator.storage.getDirectory();
      await root.removeEntry(n, { recursive: true }).catch(() => undefined);
      await (
        await root.getDirectoryHandle(n, { create: true })
      ).getDirectoryHandle('train', { create: true });
    }, name);
    for (let s = 0; s < SHARDS; s++) {
      const bytes = shard(s);
      shardBytes += bytes.length;
      await page.evaluate(
        async ({ n, file, b64 }) => {
          const dir = await (
            await (await navigator.storage.getDirectory()).getDirectoryHandle(n)
          ).getDirectoryHandle('train');
          const w = await (await dir.getFileHandle(file, { create: true })).createWritable();
          await w.write(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
          await w.close();
        },
        {
          n: name,
          file: `shard-${String(s).padStart(6, '0')}.tar`,
          b64: Buffer.from(bytes).toString('base64'),
        },
      );
    }
    note(`wrote ${SHARDS} shards (${fmt(shardBytes / 2 ** 20)} MB) in ${fmt((Date.now() - t0) / 1000)} s`);
    const { datasetId, seconds } = await indexOpfsFolder(page, name);
    const train = await page.evaluate(async (id) => {
      const { store } = window.__fkd!;
      return (await store.getDataset(await store.openStudioDb(), id))!.counts.train;
    }, datasetId);
    note(`indexed ${train} samples in ${fmt(seconds)} s`);
    if (train !== SHARDS * PER_SHARD) throw new Error(`indexed ${train} of ${SHARDS * PER_SHARD} samples`);

    const run = async (
      mode: string,
      opts: { order: 'index' | 'random'; limit?: number; withoutSpans?: boolean; seed: number },
    ): Promise<Row> => {
      await settle();
      const before = browserKB();
      const r = await page.evaluate(
        ({ id, o }) => window.__fkd!.studio().teacher.api.readPass(id, 'train', o),
        { id: datasetId, o: opts },
      );
      const want = Math.min(train, opts.limit ?? train);
      if (r.images !== want || r.missing !== 0)
        throw new Error(`${mode}: read ${r.images} of ${want}, ${r.missing} missing`);
      await settle();
      const row = {
        mode,
        reads: r.images,
        readsPerSec: r.images / r.seconds,
        kbPerRead: r.bytes / r.images / 1024,
        browserKbPerRead: (browserKB() - before) / r.images,
      };
      note(
        `${mode}: ${fmt(row.readsPerSec)} reads/s over ${r.images} reads, browser +${fmt(row.browserKbPerRead)} KB/read`,
      );
      return row;
    };
    const rows: Row[] = [];
    for (let p = 1; p <= PASSES; p++)
      rows.push(await run(`slice, random (pass ${p})`, { order: 'random', seed: p }));
    rows.push(
      await run('whole-shard cache, random', {
        order: 'random',
        seed: 1,
        limit: LEGACY_READS,
        withoutSpans: true,
      }),
    );
    rows.push(await run('index order (one stream per shard)', { order: 'index', seed: 1 }));
    rows.push(await run('whole-shard cache, index order', { order: 'index', seed: 1, withoutSpans: true }));

    console.log(
      table(
        ['read path', 'reads', 'reads/s', 'KB per image', 'browser process, KB kept per read'],
        rows.map((r) => [r.mode, r.reads, fmt(r.readsPerSec), fmt(r.kbPerRead), fmt(r.browserKbPerRead)]),
      ),
    );
    const slice = rows[PASSES - 1].readsPerSec;
    const legacy = rows[PASSES].readsPerSec;
    note(`random reads: slices ${fmt(slice / legacy)}x the whole-shard cache`);
    return {
      shards: SHARDS,
      perShard: PER_SHARD,
      rows: rows.map((r) => ({
        ...r,
        readsPerSec: round(r.readsPerSec),
        kbPerRead: round(r.kbPerRead),
        browserKbPerRead: round(r.browserKbPerRead),
      })),
      randomSliceOverCache: round(slice / legacy),
      sliceRandomOverIndexOrder: round(slice / rows[PASSES + 1].readsPerSec),
    };
  },
  { extraArgs: ['--js-flags=--expose-gc'] },
);
