/**
 * Shared plumbing of the benchmarks (bench/slg.ts, bench/train.ts, bench/quality.ts): build dist/,
 * serve it with `vite preview` on port 4174 (e2e uses 4173), open the studio in headless Debian
 * Chromium (the e2e launch args, WebGPU flag included) and hand back the page, whose window.__fkd test
 * hooks (src/ui/testHooks.ts) reach the workers' comlink APIs and the store accessors.
 *
 * Output convention: a readable table on stdout, and as the LAST line one JSON object with the figures.
 * Progress notes go to stderr so stdout stays table + JSON.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chromiumArgs } from '../playwright.config';

// BENCH_PORT lets a second bench run beside one on 4174 (its own build folder too).
export const PORT = Number(process.env.BENCH_PORT ?? 4174);
export const BASE_URL = `http://localhost:${PORT}/`;
/**
 * The benches build into their own folder, not dist/: e2e runs (`npx vite build` in playwright's
 * webServer) empty dist/ while they start, which would pull files from under a running benchmark.
 */
export const OUT_DIR = `node_modules/.cache/fkd-bench-dist${PORT === 4174 ? '' : `-${PORT}`}`;

/**
 * BENCH_VIEWPORT=WIDTHxHEIGHT sets the studio's window (default 1280x720, Playwright's): the live views
 * draw only what is on screen, so a taller window costs the page more under load.
 */
export const VIEWPORT = parseViewport(process.env.BENCH_VIEWPORT ?? '1280x720');

function parseViewport(text: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`BENCH_VIEWPORT must read WIDTHxHEIGHT (e.g. 1920x1080), not "${text}"`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

export function note(...parts: unknown[]): void {
  process.stderr.write(`[bench] ${parts.map(String).join(' ')}\n`);
}

/** `npx vite build` (always: cheap, and the build must match src/). Output only shown on failure. */
export function buildDist(): void {
  const t0 = Date.now();
  const r = spawnSync('npx', ['vite', 'build', '--outDir', OUT_DIR, '--emptyOutDir'], {
    // The benches drive the app through window.__fkd, which only a test-hooks build has.
    env: { ...process.env, FKD_TEST_HOOKS: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) {
    process.stderr.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    throw new Error(`vite build failed (exit ${r.status})`);
  }
  note(`vite build ok in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

export interface Studio {
  context: BrowserContext;
  page: Page;
  server: ChildProcess;
  pageErrors: string[];
  close(): Promise<void>;
}

export interface StudioOptions {
  /**
   * A profile folder kept between runs (what a bench built in its OPFS stays for the next run); absent:
   * a fresh temporary profile, removed on close.
   */
  profileDir?: string;
  /** Chromium flags on top of the e2e ones (e.g. a Blink feature one bench's measure needs). */
  extraArgs?: string[];
}

/**
 * Build, serve, launch, open the studio and wait until both workers chose a backend and the embedded
 * datasets are indexed. A fresh on-disk profile each run (an empty IndexedDB and OPFS), like a user's
 * browser: an incognito context keeps storage in memory under a smaller quota.
 */
export async function openStudio(opts: StudioOptions = {}): Promise<Studio> {
  if (
    await fetch(BASE_URL).then(
      () => true,
      () => false,
    )
  ) {
    throw new Error(`port ${PORT} is already serving: is another bench running? (run them one at a time)`);
  }
  buildDist();
  // detached: its own process group, so close() can end npx and the vite child it starts.
  const server = spawn(
    'npx',
    ['vite', 'preview', '--port', String(PORT), '--strictPort', '--outDir', OUT_DIR],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    },
  );
  let serverErr = '';
  server.stderr?.on('data', (d: Buffer) => (serverErr += d.toString()));
  const stopServer = () => {
    if (server.pid && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  let context: BrowserContext | null = null;
  if (opts.profileDir) mkdirSync(opts.profileDir, { recursive: true });
  const profile = opts.profileDir ?? mkdtempSync(join(tmpdir(), 'fkd-bench-'));
  const dropProfile = () => {
    if (!opts.profileDir) rmSync(profile, { recursive: true, force: true });
  };
  try {
    await waitForHttp(BASE_URL, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; vite preview said: ${serverErr.slice(-2000)}`);
    });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [...chromiumArgs, ...(opts.extraArgs ?? [])],
      viewport: VIEWPORT,
    });
    note(`window ${VIEWPORT.width}x${VIEWPORT.height}`);
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
      if (process.env.BENCH_CONSOLE) note(`console.${m.type()}: ${m.text()}`);
    });
    // tsx compiles this file with keepNames: functions passed to page.evaluate may call __name.
    await page.addInitScript('globalThis.__name = (f) => f;');
    await page.goto(BASE_URL);
    await page.waitForFunction(() => !!window.__fkd, undefined, { timeout: 60_000 });
    await page.waitForFunction(
      () => {
        const el = (id: string) =>
          document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-backend');
        return !!el('backend-teacher') && !!el('backend-trainer');
      },
      undefined,
      { timeout: 120_000 },
    );
    // Polled from here: the in-page wait (waitForFunction with an async predicate) returned while a set
    // was still indexing, and the bench then failed ("only partly indexed", or a set of 0 classes).
    const indexedBy = Date.now() + 120_000;
    for (;;) {
      const indexed = await page.evaluate(async () => {
        const s = window.__fkd!.store;
        const db = await s.openStudioDb();
        // Listed while still indexing too (a resumable index): wait until every embedded set is finished
        // (three finished of any kind let a bench start on one still indexing, on a loaded machine).
        const embedded = (await s.listDatasets(db)).filter((d) => d.source === 'embedded');
        return embedded.length >= 3 && embedded.every((d) => d.indexing === undefined && d.numClasses > 0);
      });
      if (indexed) break;
      if (Date.now() > indexedBy) throw new Error('the embedded datasets were not indexed within 120 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    const b = context;
    return {
      context: b,
      page,
      server,
      pageErrors,
      async close() {
        await b.close().catch(() => undefined);
        stopServer();
        dropProfile();
      },
    };
  } catch (e) {
    await context?.close().catch(() => undefined);
    stopServer();
    dropProfile();
    throw e;
  }
}

/** Runs a benchmark body with the studio open; prints the JSON last line; exit 1 only on a crash. */
export async function runBench(
  name: string,
  body: (s: Studio) => Promise<Record<string, unknown>>,
  opts: StudioOptions = {},
) {
  const t0 = Date.now();
  let studio: Studio | null = null;
  try {
    studio = await openStudio(opts);
    const result = await body(studio);
    if (studio.pageErrors.length) note(`page errors: ${studio.pageErrors.slice(0, 5).join(' | ')}`);
    note(`${name} finished in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await studio.close();
    studio = null;
    process.stdout.write(`${JSON.stringify({ bench: name, ...result })}\n`);
    process.exit(0);
  } catch (e) {
    process.stderr.write(
      `[bench] ${name} crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    if (studio?.pageErrors.length) note(`page errors: ${studio.pageErrors.slice(0, 5).join(' | ')}`);
    await studio?.close();
    process.exit(1);
  }
}

/** A fixed-width text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  return Number(x.toPrecision(digits)).toString();
}

export function round(x: number, digits = 4): number {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
}

/** Chromium reports main-thread tasks over 50 ms as 'longtask' entries; collect them in the page. */
export async function startLongTaskObserver(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[]; __longObs?: PerformanceObserver };
    w.__longTasks = [];
    w.__longObs?.disconnect();
    w.__longObs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    });
    w.__longObs.observe({ type: 'longtask', buffered: false });
  });
}

/** Stops the observer; returns the longest main-thread task seen (0 = none over 50 ms) and their count. */
export async function stopLongTaskObserver(
  page: Page,
): Promise<{ longestTaskMs: number; longTasks: number }> {
  return page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[]; __longObs?: PerformanceObserver };
    const pending = w.__longObs?.takeRecords() ?? [];
    for (const e of pending) w.__longTasks.push(e.duration);
    w.__longObs?.disconnect();
    return { longestTaskMs: Math.max(0, ...w.__longTasks), longTasks: w.__longTasks.length };
  });
}

/** A numeric `--name value` command-line option. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
