/**
 * FKD's own label files in the real browser: an FKD tree for the embedded Fashion-MNIST set (written in
 * Node by the studio's writer, tools/pytorch/fkdTree.ts; a few files missing, two hostile/broken ones,
 * one without an image) goes into OPFS and through the folder import; the set trains an FKD run and opens
 * in the explorer; its export into another OPFS folder is byte-identical to the tree and torch.load reads
 * every file in Python (python/fkd_studio/check_tree.py).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { readFkdLabelFile } from '../src/core/torchfile/fkdFile';
import { buildFkdTree } from '../tools/pytorch/fkdTree';
import { writeOpfsFiles } from './fixtures/data';
import { goto, openStudio, runStates } from './helpers';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const REPO = join(dirname(new URL(import.meta.url).pathname), '..');
const FIX = join(REPO, 'src', 'core', 'torchfile', '__fixtures__', 'bad');

function readOpfsFiles(page: Page, name: string): Promise<Record<string, string>> {
  return page.evaluate(async (name) => {
    const out: Record<string, string> = {};
    const walk = async (d: FileSystemDirectoryHandle, prefix: string) => {
      for await (const [n, h] of (
        d as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
      ).entries()) {
        if (h.kind === 'directory') await walk(h as FileSystemDirectoryHandle, `${prefix}${n}/`);
        else {
          const bytes = new Uint8Array(await (await (h as FileSystemFileHandle).getFile()).arrayBuffer());
          // A string per chunk, not per byte: thousands of files are read here.
          let s = '';
          for (let i = 0; i < bytes.length; i += 8192)
            s += String.fromCharCode(...bytes.subarray(i, i + 8192));
          out[`${prefix}${n}`] = btoa(s);
        }
      }
    };
    await walk(await (await navigator.storage.getDirectory()).getDirectoryHandle(name), '');
    return out;
  }, name);
}

test('an FKD label tree imports (bad and missing files listed), trains, opens in the explorer, and exports for torch.load', async ({
  page,
}, testInfo) => {
  test.setTimeout(600_000);
  await openStudio(page);
  const tree = buildFkdTree(Infinity, 4);
  expect(tree).toHaveLength(2000);
  const files: Record<string, string> = {};
  for (const im of tree.slice(3)) files[im.label] = b64(im.file);
  files[tree[3].label] = b64(readFileSync(join(FIX, 'nan.tar')));
  files[tree[4].label] = b64(readFileSync(join(FIX, 'global_os_system.tar')));
  files['train/sandal/no_such_image.tar'] = b64(tree[5].file);
  await writeOpfsFiles(
    page,
    'fkd-in',
    Object.entries(files).map(([path, base64]) => ({ path, base64 })),
  );

  await goto(page, 'Soft labels');
  await page.getByLabel('FKD labels for').selectOption({ label: 'Fashion-MNIST 2k' });
  await expect.poll(() => page.evaluate(() => typeof window.__fkdImportFkdFolder)).toBe('function');
  const result = await page.evaluate(async () =>
    window.__fkdImportFkdFolder!(await (await navigator.storage.getDirectory()).getDirectoryHandle('fkd-in')),
  );
  expect(result).toMatchObject({ imported: 1995, badCount: 2, imagesWithoutFile: 3, filesWithoutImage: 1 });
  const report = page.getByTestId('fkd-import-result');
  await expect(report.getByTestId('fkd-imported')).toHaveText('1995');
  await expect(report.getByTestId('fkd-bad-count')).toHaveText('2');
  await expect(report.getByTestId('fkd-images-without')).toHaveText('3');
  await expect(report.getByTestId('fkd-files-without')).toHaveText('1');
  const bad = report.getByTestId('fkd-bad-files');
  await expect(bad).toContainText(`${tree[3].label}: crop 2: probability NaN`);
  await expect(bad).toContainText(`${tree[4].label}: refused: the pickle uses global 'os.system'`);

  const row = page.getByTestId('label-set-row').filter({ hasText: 'fkd-in (FKD import)' });
  await expect(row).toHaveAttribute('data-status', 'done');
  await expect(row.getByTestId('images-done')).toHaveText('1995/2000');
  await expect(row.getByTestId('fkd-provenance')).toContainText(
    'from FKD files in fkd-in: marginal_smoothing_k5, f32, 4 crops per image, 1998 files (2 bad, 1 without an image), 3 images without a file',
  );

  // The explorer opens it unchanged: the image's 4 stored boxes.
  await page.getByLabel('Explore label set').selectOption({ label: 'fkd-in (FKD import)' });
  await page.getByLabel('Explore image').fill('10');
  await expect(page.getByTestId('explorer-box')).toHaveCount(4);

  // Export into another OPFS folder: byte for byte the files the tree held, and the Python reader reads all.
  const setId = await page.evaluate(async () => {
    const { store } = window.__fkd!;
    const sets = await store.listLabelSets(await store.openStudioDb());
    return sets.find((s) => s.name === 'fkd-in (FKD import)')!.id;
  });
  await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry('fkd-out', { recursive: true }).catch(() => undefined);
    await root.getDirectoryHandle('fkd-out', { create: true });
  });
  const exported = await page.evaluate(
    async (id) =>
      window.__fkdExportFkdFolder!(
        id,
        await (await navigator.storage.getDirectory()).getDirectoryHandle('fkd-out'),
      ),
    setId,
  );
  expect(exported).toMatchObject({ written: 1995, skipped: 0, labelType: 'marginal_smoothing_k5' });
  await expect(row.getByTestId('fkd-export-result')).toContainText(
    'Exported 1995 FKD label files into "fkd-out"',
  );
  const out = await readOpfsFiles(page, 'fkd-out');
  expect(Object.keys(out).filter((p) => p.endsWith('.tar'))).toHaveLength(1995);
  for (const im of tree.slice(5)) expect(out[im.label], im.label).toBe(b64(im.file));
  const dir = testInfo.outputPath('fkd-out');
  for (const [p, data] of Object.entries(out)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), Buffer.from(data, 'base64'));
  }
  const expectedPath = testInfo.outputPath('expected.json');
  writeFileSync(
    expectedPath,
    JSON.stringify({
      images: tree.slice(5).map((im) => ({ label: im.label, targets: im.targets.map((t) => Array.from(t)) })),
    }),
  );
  const py = JSON.parse(
    execFileSync('/usr/bin/python3', ['-m', 'fkd_studio.check_tree', dir, expectedPath], {
      cwd: join(REPO, 'python'),
      encoding: 'utf8',
    }),
  ) as { files: number; labelType: string; maxSumError: number; compared: number; maxTargetDiff: number };
  expect(py).toMatchObject({ files: 1995, labelType: 'marginal_smoothing_k5', compared: 1995 });
  expect(py.maxTargetDiff).toBeLessThan(1e-6);

  // The float16 choice reaches the writer: its files hold half-precision arrays (FKD's --use_fp16).
  await row.getByLabel('FKD export precision').selectOption('f16');
  await expect(row.getByTestId('fkd-fp16-note')).toContainText('refuses float16');
  const half = await page.evaluate(
    async ({ id, label }) => {
      const root = await navigator.storage.getDirectory();
      await root.removeEntry('fkd-out16', { recursive: true }).catch(() => undefined);
      const out = await root.getDirectoryHandle('fkd-out16', { create: true });
      const r = await window.__fkdExportFkdFolder!(id, out);
      let d = out;
      const segs = label.split('/');
      for (const s of segs.slice(0, -1)) d = await d.getDirectoryHandle(s);
      const bytes = new Uint8Array(
        await (await (await d.getFileHandle(segs.at(-1)!)).getFile()).arrayBuffer(),
      );
      await root.removeEntry('fkd-out16', { recursive: true });
      return { written: r.written, file: Array.from(bytes) };
    },
    { id: setId, label: tree[5].label },
  );
  expect(half.written).toBe(1995);
  await expect(row.getByTestId('fkd-export-result')).toContainText('float16');
  expect(readFkdLabelFile(Uint8Array.from(half.file), tree[5].label).precision).toBe('f16');

  // An FKD run trains on the imported set (images without a label are skipped).
  await goto(page, 'Train');
  await page.getByLabel('Train dataset').selectOption({ label: 'Fashion-MNIST 2k' });
  await page.getByLabel('Label set').selectOption({ label: 'fkd-in (FKD import)' });
  await page.getByLabel('method vanilla').uncheck();
  await page.getByLabel('Student', { exact: true }).selectOption('mlp');
  await page.getByLabel('Epochs').fill('2');
  await page.getByLabel('numCrops').fill('2');
  await page.getByLabel('Batch').fill('32');
  await page.getByLabel('Max images').fill('64');
  await page.getByLabel('Max val images').fill('50');
  await page.getByRole('button', { name: 'Start training' }).click();
  // 64 images x 2 crops, batch 32, 2 epochs: 4 steps, then an evaluation.
  const monitor = page.getByTestId('run-monitor').first();
  await expect(monitor).toContainText('done: 4 / 4', { timeout: 300_000 });
  await expect(monitor.getByTestId('last-eval')).toContainText('val top-1');
  const [run] = await runStates(page);
  expect(run).toMatchObject({ method: 'fkd', status: 'done' });
});
