/**
 * bench:handles: what listing a folder through the File System Access API costs the browser process,
 * apart from the studio. A dedicated worker walks an OPFS tree of empty files (folders of 1,000) the way
 * the index's listing does (entries(), then getFile() for each file's size and date, 16 at a time) and
 * keeps nothing; the browser's and the renderer's resident memory is sampled every 10,000 files. Modes
 * (see WORKER): `handles`, `keys` (names only), `getFile` (the listing), `open` (keys, then
 * getFileHandle and getFile, as an image is opened), each optionally `+gc` (a forced GC every 2,000
 * files, --expose-gc) or `+nudge` (an untouched 64-MB ArrayBuffer, as src/data/gcNudge.ts does), and
 * `+xN` (the same walk N times, e.g. `+x2`, `+x4`: does a pass over the same files add again?). After the walk the browser is measured again: collected and settled,
 * after the worker is terminated, after a simulated critical memory-pressure signal, and after the
 * page (its renderer process) is closed: which of these gives memory back says who holds it.
 *
 * Flags: --files 50000 --modes a,b. Its own temporary profile, a browser per mode, a plain page.
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { chromiumArgs } from '../playwright.config';
import { chromiumRssByType } from './chromiumRss';
import { arg, fmt, note, PORT, table } from './harness';

const FILES = arg('files', 50_000);
const flag = process.argv.indexOf('--modes');
const MODES =
  flag >= 0
    ? process.argv[flag + 1].split(',')
    : ['handles', 'getFile', 'getFile+gc', 'getFile+nudge', 'keys+gc', 'handles+gc', 'getFile+gc+x2'];
const MB = 2 ** 20;

// A mode names what the walk makes per file (keys: a name; handles: a handle; getFile: a handle and
// its File; open: keys(), then getFileHandle(name) and its File, as the studio opens an image), what collects (+gc: gc() every 2,000 files; +nudge: a 64-MB ArrayBuffer), and passes (xN).
const WORKER = `
const top = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('handles', { create: true });
const walk = async (mode, pass, counted) => {
  let n = counted;
  for await (const [, dir] of (await top()).entries()) {
    const batch = [];
    if (mode.startsWith('keys') || mode.startsWith('open')) for await (const name of dir.keys()) batch.push(name);
    else for await (const [, h] of dir.entries()) batch.push(h);
    for (let i = 0; i < batch.length; i += 16) {
      const part = batch.slice(i, i + 16);
      if (mode.startsWith('getFile')) await Promise.all(part.map(async (h) => (await h.getFile()).size));
      if (mode.startsWith('open'))
        await Promise.all(part.map(async (name) => (await (await dir.getFileHandle(name)).getFile()).size));
      const before = n;
      n += part.length;
      const step = Math.floor(n / 2000) > Math.floor(before / 2000);
      if (step && mode.includes('+gc')) gc();
      if (step && mode.includes('+nudge')) new ArrayBuffer(64 << 20);
      if (Math.floor(n / 10000) > Math.floor(before / 10000)) {
        postMessage({ n });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  if (typeof gc === 'function') gc();
  return n;
};
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
  const passes = Number(/\\+x(\\d+)$/.exec(data.mode)?.[1] ?? 1);
  let n = 0;
  for (let pass = 1; pass <= passes; pass++) {
    n = await walk(data.mode, pass, n);
    // Settle, then let the page sample the browser between passes.
    await new Promise((r) => setTimeout(r, 2000));
    if (pass < passes) postMessage({ n, pass });
  }
  postMessage({ n, done: true });
};`;
const PAGE = `<script>
let w;
window.run = (msg) => new Promise((resolve) => {
  w?.terminate();
  w = new Worker('/w.js');
  w.onmessage = (e) => { if (e.data.made || e.data.done) resolve(e.data.n ?? 0); else window.__sample(e.data.n, e.data.pass ?? 0); };
  w.postMessage(msg);
});
window.stop = () => { w?.terminate(); w = undefined; };
</script>`;

interface ModeRow {
  mode: string;
  files: number;
  seconds: number;
  startBrowserMB: number;
  peakBrowserMB: number;
  /** After the first of several passes (xN modes), settled and collected; else 0. */
  pass1BrowserMB: number;
  /** After the last pass, the worker collected and 2 s settled. */
  endBrowserMB: number;
  /** 5 s after the page terminated the worker that listed. */
  terminatedBrowserMB: number;
  /** 3 s after a simulated critical memory-pressure signal (allocators purge their free pages). */
  pressureBrowserMB: number;
  peakRendererMB: number;
  /** 5 s after the listing page was closed (its renderer process gone), another page open. */
  closedBrowserMB: number;
  /** The browser's private (anonymous) resident memory at start, end and page closed. */
  anonBrowserMB: number[];
  /** Browser-process growth at its peak over the files listed by then. */
  browserKBPerFile: number;
  /** What stays after the worker is gone and memory pressure, per file of the tree. */
  keptKBPerFile: number;
}

type Run = (m: object) => Promise<number>;
type Sampler = (f: (n: number, pass: number) => void) => void;

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
  const withPage = async <T>(body: (run: Run, sample: Sampler, page: Page) => Promise<T>) => {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [...chromiumArgs, '--js-flags=--expose-gc'],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      let onSample: (n: number, pass: number) => void = () => undefined;
      await page.exposeFunction('__sample', (n: number, pass: number) => onSample(n, pass));
      await page.goto(`http://localhost:${PORT}/`);
      const run = (msg: object) => page.evaluate((m) => (window as unknown as { run: Run }).run(m), msg);
      return await body(run, (f) => (onSample = f), page);
    } finally {
      await context.close().catch(() => undefined);
    }
  };
  const rows: ModeRow[] = [];
  try {
    note(`writing ${FILES} empty files in OPFS`);
    await withPage((run) => run({ make: FILES }));
    const browser = () => chromiumRssByType().browser ?? 0;
    // Private memory alone: mapped files the kernel can drop would not be memory the browser holds.
    const anon = () => (chromiumRssByType('RssAnon').browser ?? 0) / MB;
    for (const mode of MODES) {
      rows.push(
        await withPage(async (run, sample, page) => {
          await sleep(2000);
          const start = browser();
          const anonAt = [anon()];
          let peak = { browser: start, renderer: chromiumRssByType().renderer ?? 0, at: 0 };
          let pass1 = 0;
          sample((n, pass) => {
            const now = chromiumRssByType();
            if (pass === 1) pass1 = now.browser ?? 0;
            if (pass > 0) note(`${mode}: browser ${fmt((now.browser ?? 0) / MB)} MB after pass ${pass}`);
            if ((now.browser ?? 0) > peak.browser) peak = { ...peak, browser: now.browser ?? 0, at: n };
            peak.renderer = Math.max(peak.renderer, now.renderer ?? 0);
          });
          const t0 = Date.now();
          const files = await run({ mode });
          const seconds = (Date.now() - t0) / 1000;
          const end = browser();
          anonAt.push(anon());
          await page.evaluate(() => (window as unknown as { stop: () => void }).stop());
          await sleep(5000);
          const terminated = browser();
          const cdp = await page.context().newCDPSession(page);
          await cdp.send('Memory.simulatePressureNotification', { level: 'critical' });
          await sleep(3000);
          const pressure = browser();
          // The page's renderer (and so the worker's process) exits; the browser stays up.
          await page.context().newPage();
          await page.close();
          await sleep(5000);
          const closed = browser();
          anonAt.push(anon());
          const perPass = files / Number(/\+x(\d+)$/.exec(mode)?.[1] ?? 1);
          const row: ModeRow = {
            ...{ mode, files, seconds, startBrowserMB: start / MB, peakBrowserMB: peak.browser / MB },
            ...{ pass1BrowserMB: pass1 / MB, endBrowserMB: end / MB, terminatedBrowserMB: terminated / MB },
            ...{ pressureBrowserMB: pressure / MB, closedBrowserMB: closed / MB },
            peakRendererMB: peak.renderer / MB,
            anonBrowserMB: anonAt,
            browserKBPerFile: peak.at ? (peak.browser - start) / 1024 / peak.at : 0,
            keptKBPerFile: perPass ? (pressure - start) / 1024 / perPass : 0,
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
  const heads = ['mode', 'files', 's', 'browser MB start', 'peak', 'after pass 1', 'end'];
  console.log(
    table(
      [
        ...heads,
        'worker gone',
        'pressure',
        'page closed',
        'anon start/end/closed',
        'renderer MB peak',
        'KB/file peak',
        'KB/file kept',
      ],
      rows.map((r) => [
        ...[r.mode, r.files, fmt(r.seconds), fmt(r.startBrowserMB), fmt(r.peakBrowserMB)],
        ...[r.pass1BrowserMB ? fmt(r.pass1BrowserMB) : '-', fmt(r.endBrowserMB)],
        ...[fmt(r.terminatedBrowserMB), fmt(r.pressureBrowserMB), fmt(r.closedBrowserMB)],
        r.anonBrowserMB.map((x) => fmt(x)).join(' / '),
        fmt(r.peakRendererMB),
        ...[fmt(r.browserKBPerFile), fmt(r.keptKBPerFile)],
      ]),
    ),
  );
  process.stdout.write(`${JSON.stringify({ bench: 'handles', files: FILES, rows })}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

main().catch((e: unknown) => {
  process.stderr.write(
    `[bench] handles crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});
