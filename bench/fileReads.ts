/**
 * bench:reads: what reading file contents costs Chromium's browser process, pass after pass, with no
 * DevTools connection attached (Chromium is a plain child process, not driven over CDP, so the
 * measurement cannot be the debugger's). A worker reads the same files several times over, forcing a
 * GC every 2,000 reads, and reports to this script after each pass, which samples the browser's and
 * the renderer's resident memory (bench/chromiumRss.ts). Modes, one fresh browser each:
 *  - open: getFileHandle(name) + getFile() per file (a File per image, as a folder source reads);
 *  - handle: getFileHandle(name) alone (no contents read);
 *  - sync-open: getFileHandle(name) + createSyncAccessHandle() + close() per file;
 *  - slice: one File held, a 1,000-byte slice(...).arrayBuffer() per read (a shard read as a Blob);
 *  - sah-read: one sync access handle held, read(buffer, { at }) per read (a shard read in OPFS);
 *  - blob-decode: a small JPEG's bytes (held) wrapped in a new Blob and decoded by createImageBitmap per
 *    read (how a full-size decode of bytes from the studio copy goes);
 *  - blob-only: the same Blob made per read, not decoded;
 *  - bytes-decode: the same bytes decoded by WebCodecs' ImageDecoder per read (no Blob).
 * The files are OPFS files (folders of 1,000 empty files; one 20-MB file for the held modes).
 *
 *   npx tsx bench/fileReads.ts [--files 20000] [--passes 4] [--modes open,handle,sync-open,slice,sah-read,blob-decode,blob-only,bytes-decode]
 */
import { createServer } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumRssByType } from './chromiumRss';
import { arg, fmt, note, PORT, table } from './harness';

const FILES = arg('files', 20_000);
const PASSES = Math.max(2, arg('passes', 4));
const flag = process.argv.indexOf('--modes');
const MODES =
  flag >= 0 ? process.argv[flag + 1].split(',') : ['open', 'handle', 'sync-open', 'slice', 'sah-read'];
const MB = 2 ** 20;

// The worker: make the files, then PASSES passes of FILES reads, reporting by fetch after each.
const WORKER = `
const BIG = 20 * 2 ** 20;
const at = (k) => (k * 1000) % (BIG - 1000);
onmessage = async ({ data: { mode, files, passes } }) => {
  const root = await navigator.storage.getDirectory();
  const top = await root.getDirectoryHandle('reads', { create: true });
  const held = mode === 'slice' || mode === 'sah-read';
  let read;
  if (mode.includes('-decode') || mode === 'blob-only') {
    const c = new OffscreenCanvas(500, 375);
    const g = c.getContext('2d');
    for (let i = 0; i < 200; i++) {
      g.fillStyle = 'hsl(' + i * 7 + ',60%,50%)';
      g.fillRect((i * 37) % 500, (i * 53) % 375, 40, 30);
    }
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer());
    if (mode === 'blob-only') read = async () => new Blob([bytes], { type: 'image/jpeg' }).size;
    else if (mode === 'blob-decode')
      read = async () => {
        const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
        const w = bmp.width;
        bmp.close();
        return w;
      };
    else
      read = async () => {
        const d = new ImageDecoder({ data: bytes, type: 'image/jpeg' });
        const { image } = await d.decode();
        const w = image.codedWidth;
        image.close();
        d.close();
        return w;
      };
  } else if (held) {
    const fh = await root.getFileHandle('big.bin', { create: true });
    const w = await fh.createWritable();
    await w.write(new Uint8Array(BIG));
    await w.close();
    if (mode === 'slice') {
      const file = await fh.getFile();
      read = async (k) => (await file.slice(at(k), at(k) + 1000).arrayBuffer()).byteLength;
    } else {
      const sah = await fh.createSyncAccessHandle();
      const buf = new Uint8Array(1000);
      read = async (k) => sah.read(buf, { at: at(k) });
    }
  } else {
    for (let f = 0; f < files / 1000; f++) {
      const dir = await top.getDirectoryHandle('d' + f, { create: true });
      for (let i = 0; i < 1000; i += 50)
        await Promise.all(Array.from({ length: 50 }, (_, j) => dir.getFileHandle('f' + (i + j), { create: true })));
    }
    const dirs = [];
    for (let f = 0; f < files / 1000; f++) dirs.push(await top.getDirectoryHandle('d' + f));
    read = async (k) => {
      const h = await dirs[Math.floor(k / 1000)].getFileHandle('f' + (k % 1000));
      if (mode === 'handle') return h.name.length;
      if (mode === 'open') return (await h.getFile()).size;
      const s = await h.createSyncAccessHandle();
      const size = s.getSize();
      s.close();
      return size;
    };
  }
  const settle = async (pass) => {
    gc();
    await new Promise((r) => setTimeout(r, 2000));
    await fetch('/report?pass=' + pass);
  };
  await settle(0);
  for (let pass = 1; pass <= passes; pass++) {
    for (let k = 0; k < files; k += 16) {
      await Promise.all(Array.from({ length: Math.min(16, files - k) }, (_, j) => read(k + j)));
      if ((k + 16) % 2000 < 16) gc();
    }
    await settle(pass);
  }
};`;
const PAGE = `<script>new Worker('/w.js').postMessage(JSON.parse(decodeURIComponent(location.hash.slice(1))));</script>`;

interface ModeRow {
  mode: string;
  /** Browser-process RSS (MB) after the files were made, then after each pass. */
  browserMB: number[];
  /** Its private (anonymous) memory at the same points. */
  anonMB: number[];
  rendererMB: number[];
  /** Browser growth per read from the end of pass 1 to the end of the last pass, KB. */
  kbPerRead: number;
}

function runMode(mode: string): Promise<ModeRow> {
  const profile = mkdtempSync(join(tmpdir(), 'fkd-bench-reads-'));
  const row: ModeRow = { mode, browserMB: [], anonMB: [], rendererMB: [], kbPerRead: 0 };
  let child: ChildProcess | undefined;
  return new Promise<ModeRow>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode}: no report for 10 min`)), 600_000);
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/report') {
        const rss = chromiumRssByType();
        const anon = chromiumRssByType('RssAnon');
        row.browserMB.push((rss.browser ?? 0) / MB);
        row.anonMB.push((anon.browser ?? 0) / MB);
        row.rendererMB.push((rss.renderer ?? 0) / MB);
        note(`${mode}: pass ${url.searchParams.get('pass')}, browser ${fmt((rss.browser ?? 0) / MB)} MB`);
        res.end('ok');
        if (row.browserMB.length === PASSES + 1) {
          clearTimeout(timer);
          child?.kill();
          server.close();
          const b = row.browserMB;
          // From the end of the first pass: making the files (and the first opens) settle first.
          row.kbPerRead = ((b[b.length - 1] - b[1]) * 1024) / (FILES * (PASSES - 1));
          resolve(row);
        }
        return;
      }
      res.setHeader('Content-Type', url.pathname === '/w.js' ? 'text/javascript' : 'text/html');
      res.end(url.pathname === '/w.js' ? WORKER : PAGE);
    }).listen(PORT, () => {
      const job = encodeURIComponent(JSON.stringify({ mode, files: FILES, passes: PASSES }));
      child = spawn(
        '/usr/bin/chromium',
        [
          '--headless=new',
          '--no-sandbox',
          '--no-first-run',
          `--user-data-dir=${profile}`,
          '--js-flags=--expose-gc',
          `http://localhost:${PORT}/#${job}`,
        ],
        { stdio: 'ignore' },
      );
    });
  }).finally(async () => {
    // The profile can only go once Chromium has exited and stopped writing into it.
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill();
      await exited;
    }
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });
}

async function main() {
  const rows: ModeRow[] = [];
  for (const mode of MODES) rows.push(await runMode(mode));
  const passes = Array.from({ length: PASSES }, (_, i) => `after pass ${i + 1}`);
  console.log(
    table(
      [
        'mode',
        'browser MB before',
        ...passes,
        'KB per read',
        'anon MB before / after',
        'renderer MB before / after',
      ],
      rows.map((r) => [
        r.mode,
        r.browserMB[0],
        ...r.browserMB.slice(1),
        r.kbPerRead,
        `${fmt(r.anonMB[0])} / ${fmt(r.anonMB[r.anonMB.length - 1])}`,
        `${fmt(r.rendererMB[0])} / ${fmt(r.rendererMB[r.rendererMB.length - 1])}`,
      ]),
    ),
  );
  console.log(JSON.stringify({ bench: 'reads', files: FILES, passes: PASSES, rows }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
