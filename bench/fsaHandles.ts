/**
 * bench:handles: what listing a folder through the File System Access API costs the browser process,
 * apart from the studio. A dedicated worker walks an OPFS tree of empty files (folders of 1,000) the way
 * the index's listing does (entries(), then getFile() for each file's size and date, 16 at a time) and
 * keeps nothing; the browser's and the renderer's resident memory is sampled every 10,000 files. Modes:
 * `handles` (entries only), `getFile` (the listing without a nudge), `getFile+gc` (the same with
 * a forced GC in the worker every 2,000 files, --expose-gc), `getFile+nudge` (a never-touched 64-MB
 * ArrayBuffer every 2,000 files, as src/data/gcNudge.ts does in the studio). The gap between getFile
 * and getFile+gc is memory held for handles and Files the worker has already dropped, until its
 * garbage collector runs.
 *
 * Flags: --files 50000 --modes a,b. Its own temporary profile, a browser per mode, a plain page.
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumArgs } from '../playwright.config';
import { chromiumRssByType } from './chromiumRss';
import { arg, fmt, note, PORT, table } from './harness';

const FILES = arg('files', 50_000);
const flag = process.argv.indexOf('--modes');
const MODES =
  flag >= 0 ? process.argv[flag + 1].split(',') : ['handles', 'getFile', 'getFile+gc', 'getFile+nudge'];
const MB = 2 ** 20;

const WORKER = `
const top = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('handles', { create: true });
onmessage = async ({ data }) => {
  if (data.make) {
    const root = await top();
    for (let f = 0; f * 1000 < data.make; f++) {
      const dir = await root.getDirectoryHandle('d' + f, { create: true });
      const n = Math.min(1000, data.make - f * 1000);
      for (let i = 0; i < n; i += 50)
        await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) =>
          dir.getFileHandle('f' + (i + j), { create: true })));
    }
    if (typeof gc === 'function') gc();
    return postMessage({ made: true });
  }
  let n = 0;
  for await (const [, dir] of (await top()).entries()) {
    const batch = [];
    for await (const [, h] of dir.entries()) batch.push(h);
    for (let i = 0; i < batch.length; i += 16) {
      const part = batch.slice(i, i + 16);
      if (data.mode !== 'handles') await Promise.all(part.map(async (h) => (await h.getFile()).size));
      const before = n;
      n += part.length;
      if (data.mode === 'getFile+gc' && Math.floor(n / 2000) > Math.floor(before / 2000)) gc();
      if (data.mode === 'getFile+nudge' && Math.floor(n / 2000) > Math.floor(before / 2000)) new ArrayBuffer(64 << 20);
      if (Math.floor(n / 10000) > Math.floor(before / 10000)) {
        postMessage({ n });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  postMessage({ n, done: true });
};`;
const PAGE = `<script>
let w;
window.run = (msg) => new Promise((resolve) => {
  w?.terminate();
  w = new Worker('/w.js');
  w.onmessage = (e) => { if (e.data.made || e.data.done) resolve(e.data.n ?? 0); else window.__sample(e.data.n); };
  w.postMessage(msg);
});
</script>`;

interface ModeRow {
  mode: string;
  files: number;
  seconds: number;
  startBrowserMB: number;
  peakBrowserMB: number;
  endBrowserMB: number;
  peakRendererMB: number;
  /** Browser-process growth at its peak over the files listed by then. */
  browserKBPerFile: number;
}

async function main() {
  const server = createServer((req, res) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Content-Type', req.url === '/w.js' ? 'text/javascript' : 'text/html');
    res.end(req.url === '/w.js' ? WORKER : PAGE);
  }).listen(PORT);
  const profile = mkdtempSync(join(tmpdir(), 'fkd-bench-handles-'));
  // A browser per mode (the tree stays in the profile): memory freed by one mode's worker may stay
  // resident in the allocator and would hide the next mode's growth.
  const withPage = async <T>(
    body: (run: (m: object) => Promise<number>, sample: (f: (n: number) => void) => void) => Promise<T>,
  ) => {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [...chromiumArgs, '--js-flags=--expose-gc'],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      let onSample: (n: number) => void = () => undefined;
      await page.exposeFunction('__sample', (n: number) => onSample(n));
      await page.goto(`http://localhost:${PORT}/`);
      const run = (msg: object) =>
        page.evaluate((m) => (window as unknown as { run: (m: object) => Promise<number> }).run(m), msg);
      return await body(run, (f) => (onSample = f));
    } finally {
      await context.close().catch(() => undefined);
    }
  };
  const rows: ModeRow[] = [];
  try {
    note(`writing ${FILES} empty files in OPFS`);
    await withPage((run) => run({ make: FILES }));
    const rss = () => chromiumRssByType();
    for (const mode of MODES) {
      rows.push(
        await withPage(async (run, sample) => {
          await new Promise((r) => setTimeout(r, 2000));
          const start = rss();
          let peak = { browser: start.browser ?? 0, renderer: start.renderer ?? 0, at: 0 };
          sample((n) => {
            const now = rss();
            if ((now.browser ?? 0) > peak.browser) peak = { ...peak, browser: now.browser ?? 0, at: n };
            peak.renderer = Math.max(peak.renderer, now.renderer ?? 0);
          });
          const t0 = Date.now();
          const files = await run({ mode });
          const end = rss();
          const row: ModeRow = {
            ...{ mode, files, seconds: (Date.now() - t0) / 1000 },
            ...{ startBrowserMB: (start.browser ?? 0) / MB, peakBrowserMB: peak.browser / MB },
            ...{ endBrowserMB: (end.browser ?? 0) / MB, peakRendererMB: peak.renderer / MB },
            browserKBPerFile: peak.at ? (peak.browser - (start.browser ?? 0)) / 1024 / peak.at : 0,
          };
          note(`${mode}: ${JSON.stringify(row)}`);
          return row;
        }),
      );
    }
  } finally {
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(
    table(
      [
        'mode',
        'files',
        's',
        'browser MB start',
        'browser MB peak',
        'browser MB end',
        'renderer MB peak',
        'browser KB/file',
      ],
      rows.map((r) => [
        ...[r.mode, r.files, fmt(r.seconds), fmt(r.startBrowserMB), fmt(r.peakBrowserMB)],
        ...[fmt(r.endBrowserMB), fmt(r.peakRendererMB), fmt(r.browserKBPerFile)],
      ]),
    ),
  );
  process.stdout.write(`${JSON.stringify({ bench: 'handles', files: FILES, rows })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(
    `[bench] handles crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});
