/**
 * bench:pack: the studio copy (docs/packs.md) against the folder, through the real read path. A
 * synthetic ImageNet layout of small JPEGs (bench/scaleTree.ts) in the page's OPFS is indexed through
 * the folder flow; the teacher worker then reads every train image pass after pass through
 * DatasetReader.read from the folder, the dataset is copied into studio storage (`window.__fkd.pack`,
 * timed: files/s), and the same passes read from the copy. After each pass the bench samples the
 * browser process's resident memory (bench/chromiumRss.ts); KB per read is its growth from the end of
 * pass 1 to the end of the last pass over the reads in between. Workers collect garbage every 2,048
 * reads and after each pass (--expose-gc).
 *
 *   npx tsx bench/packReads.ts [--images 10000] [--classes 100] [--passes 4] [--side 48]
 */
import { chromiumRssByType } from './chromiumRss';
import { arg, fmt, note, round, runBench, table } from './harness';
import { indexOpfsFolder } from './scaleData';
import { ensureTree } from './scaleTree';

const IMAGES = arg('images', 10_000);
const CLASSES = arg('classes', 100);
const PASSES = Math.max(2, arg('passes', 4));
const SIDE = arg('side', 48);
const MB = 2 ** 20;

interface ModeRow {
  mode: 'folder' | 'pack';
  browserMB: number[];
  readsPerSec: number[];
  kbPerRead: number;
}

void runBench(
  'pack',
  async ({ page }) => {
    const tree = await ensureTree(page, { images: IMAGES, classes: CLASSES, side: SIDE });
    note(`tree ${tree.name}: ${tree.reused ? 'reused' : `${fmt(tree.seconds)} s`}`);
    const { datasetId, seconds: indexSeconds } = await indexOpfsFolder(page, tree.name);
    const train = await page.evaluate(async (id) => {
      const { store } = window.__fkd!;
      return (await store.getDataset(await store.openStudioDb(), id))!.counts.train;
    }, datasetId);
    note(`indexed ${train} train images in ${fmt(indexSeconds)} s`);

    const passes = async (mode: ModeRow['mode']): Promise<ModeRow> => {
      const row: ModeRow = { mode, browserMB: [], readsPerSec: [], kbPerRead: 0 };
      for (let p = 1; p <= PASSES; p++) {
        const r = await page.evaluate(
          (id) => window.__fkd!.studio().teacher.api.readPass(id, 'train'),
          datasetId,
        );
        if (r.packed !== (mode === 'pack')) throw new Error(`${mode} pass read packed=${r.packed}`);
        if (r.images !== train) throw new Error(`${mode} pass read ${r.images} of ${train}`);
        await new Promise((res) => setTimeout(res, 2000));
        const mb = (chromiumRssByType().browser ?? 0) / MB;
        row.browserMB.push(mb);
        row.readsPerSec.push(r.images / r.seconds);
        note(`${mode} pass ${p}: ${fmt(r.images / r.seconds)} reads/s, browser ${fmt(mb)} MB`);
      }
      const b = row.browserMB;
      row.kbPerRead = ((b[b.length - 1] - b[0]) * 1024) / (train * (PASSES - 1));
      return row;
    };

    const folder = await passes('folder');
    const t0 = Date.now();
    await page.evaluate((id) => window.__fkd!.pack(id), datasetId);
    const packSeconds = (Date.now() - t0) / 1000;
    const pack = await page.evaluate(async (id) => {
      const { store } = window.__fkd!;
      return (await store.getDataset(await store.openStudioDb(), id))!.pack!;
    }, datasetId);
    if (pack.state !== 'complete') throw new Error(`copy ended ${pack.state}: ${pack.error ?? ''}`);
    const total = pack.done.train + pack.done.val;
    note(`copied ${total} images (${fmt(pack.bytes / MB)} MB) in ${fmt(packSeconds)} s`);
    const packed = await passes('pack');

    const rows = [folder, packed];
    console.log(
      table(
        [
          'read path',
          ...rows[0].browserMB.map((_, i) => `browser MB after pass ${i + 1}`),
          'KB per read',
          'reads/s (last pass)',
        ],
        rows.map((r) => [
          r.mode,
          ...r.browserMB.map((x) => fmt(x)),
          fmt(r.kbPerRead),
          fmt(r.readsPerSec.at(-1)!),
        ]),
      ),
    );
    console.log(
      table(
        ['copy', 'images', 'MB', 'seconds', 'files/s', 'skipped'],
        [
          [
            'pack',
            total,
            fmt(pack.bytes / MB),
            fmt(packSeconds),
            fmt(total / packSeconds),
            pack.skippedTotal,
          ],
        ],
      ),
    );
    return {
      images: train,
      passes: PASSES,
      rows: rows.map((r) => ({ ...r, kbPerRead: round(r.kbPerRead) })),
      copy: {
        images: total,
        bytes: pack.bytes,
        seconds: round(packSeconds),
        filesPerSec: round(total / packSeconds),
      },
    };
  },
  { extraArgs: ['--js-flags=--expose-gc'] },
);
