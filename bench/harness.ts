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
import * as tf from '@tensorflow/tfjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumArgs } from '../playwright.config';
import { modelFlops } from '../src/models/flops';
import { buildStudent } from '../src/models/students';
import type { Codec, Precision } from '../src/core/softLabel';
import type { TeacherConfig, TrainConfig } from '../src/core/recipe';

// BENCH_PORT lets a second bench run beside one on 4174 (its own build folder too).
export const PORT = Number(process.env.BENCH_PORT ?? 4174);
export const BASE_URL = `http://localhost:${PORT}/`;
/**
 * The benches build into their own folder, not dist/: e2e runs (`npx vite build` in playwright's
 * webServer) empty dist/ while they start, which would pull files from under a running benchmark.
 */
export const OUT_DIR = `node_modules/.cache/fkd-bench-dist${PORT === 4174 ? '' : `-${PORT}`}`;

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
  browser: Browser;
  page: Page;
  server: ChildProcess;
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * Build, serve, launch, open the studio and wait until both workers chose a backend and the embedded
 * datasets are indexed. A fresh (non-persistent) browser context: an empty IndexedDB every run.
 */
export async function openStudio(): Promise<Studio> {
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
  let browser: Browser | null = null;
  try {
    await waitForHttp(BASE_URL, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; vite preview said: ${serverErr.slice(-2000)}`);
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: chromiumArgs,
    });
    const page = await browser.newPage();
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
    await page.waitForFunction(
      async () => {
        const s = window.__fkd!.store;
        const db = await s.openStudioDb();
        return (await s.listDatasets(db)).length >= 3;
      },
      undefined,
      { timeout: 120_000, polling: 500 },
    );
    const b = browser;
    return {
      browser: b,
      page,
      server,
      pageErrors,
      async close() {
        await b.close().catch(() => undefined);
        stopServer();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    stopServer();
    throw e;
  }
}

/** Runs a benchmark body with the studio open; prints the JSON last line; exit 1 only on a crash. */
export async function runBench(name: string, body: (s: Studio) => Promise<Record<string, unknown>>) {
  const t0 = Date.now();
  let studio: Studio | null = null;
  try {
    studio = await openStudio();
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

export interface LabelSpec {
  datasetId: string;
  teacherId: string;
  numCrops: number;
  inputSize: number;
  scale: [number, number];
  temperature?: number;
  codec?: Codec;
  k?: number;
  precision?: Precision;
  seed?: number;
}

/** Creates a LabelSet record as GenerateForm does and runs the real generation job to the end. */
export async function generateLabels(
  page: Page,
  spec: LabelSpec,
): Promise<{ id: string; seconds: number; imagesDone: number; bytes: number; status: string }> {
  const r = await page.evaluate(async (s) => {
    const fkd = window.__fkd!;
    const db = await fkd.store.openStudioDb();
    const ds = await fkd.store.getDataset(db, s.datasetId);
    if (!ds) throw new Error(`dataset ${s.datasetId} missing`);
    const now = Date.now();
    const codec = s.codec ?? 'msTopK';
    const id = `labels:bench-${now.toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    await fkd.store.putLabelSet(db, {
      id,
      datasetId: s.datasetId,
      teacherId: s.teacherId,
      name: `bench · ${ds.name} · ${s.numCrops} crops · ${codec}`,
      settings: {
        numCrops: s.numCrops,
        codec,
        k: codec.endsWith('TopK') ? (s.k ?? 5) : 1,
        precision: s.precision ?? 'q8',
        temperature: s.temperature ?? 1,
        scale: s.scale,
        ratio: [3 / 4, 4 / 3],
        seed: s.seed ?? 42,
        inputSize: s.inputSize,
      },
      numClasses: ds.numClasses,
      imagesDone: 0,
      imagesTotal: ds.counts.train,
      bytes: 0,
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    });
    const t0 = performance.now();
    const res = await fkd.studio().teacher.api.generate(id);
    const seconds = (performance.now() - t0) / 1000;
    const set = (await fkd.store.getLabelSet(db, id))!;
    return {
      id,
      seconds,
      imagesDone: set.imagesDone,
      bytes: set.bytes,
      status: res.status,
      error: res.error,
    };
  }, spec);
  if (r.status !== 'done') throw new Error(`label generation ended ${r.status}: ${r.error ?? ''}`);
  return r;
}

/**
 * A run record created as TrainForm does (putRun), trained by trainer.api.train with proxied callbacks
 * (as actions.startTraining). `stopAfterSeconds` cancels it (pause) after that long; 0 = to the end.
 */
export async function trainRun(
  page: Page,
  cfg: TrainConfig,
  stopAfterSeconds = 0,
): Promise<{
  id: string;
  status: string;
  step: number;
  totalSteps: number;
  seconds: number;
  backend: string;
  top1?: number;
  top5?: number;
  error?: string;
  metrics: number;
}> {
  return page.evaluate(
    async ({ cfg, stopAfterSeconds }) => {
      const fkd = window.__fkd!;
      const db = await fkd.store.openStudioDb();
      const now = Date.now();
      const id = `run:bench-${now.toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
      await fkd.store.putRun(db, {
        id,
        name: `bench · ${cfg.method} · ${String(cfg.arch)}`,
        method: cfg.method,
        datasetId: cfg.datasetId,
        labelSetId: cfg.method === 'fkd' ? cfg.labelSetId : undefined,
        teacherId: cfg.method === 'onlineKd' ? cfg.teacherId : undefined,
        config: cfg,
        seed: cfg.seed,
        status: 'pending',
        history: [],
        createdAt: now,
        updatedAt: now,
      });
      const api = fkd.studio().trainer.api;
      let metrics = 0;
      // What a UI would keep: the latest sample and metrics (the page receives them like the real UI).
      const w = window as unknown as { __benchLast?: unknown };
      const timer =
        stopAfterSeconds > 0 ? setTimeout(() => void api.cancel(`train:${id}`), stopAfterSeconds * 1000) : 0;
      const t0 = performance.now();
      const r = await api.train(
        id,
        fkd.proxy({
          onProgress: (p: unknown) => (w.__benchLast = p),
          onMetrics: (m: unknown) => {
            metrics++;
            w.__benchLast = m;
          },
          onSample: (s: unknown) => (w.__benchLast = s),
          onEval: (e: unknown) => (w.__benchLast = e),
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      clearTimeout(timer);
      return {
        id,
        status: r.status,
        step: r.step,
        totalSteps: r.totalSteps,
        seconds,
        backend: r.backend.backend,
        top1: r.lastEval?.top1,
        top5: r.lastEval?.top5,
        error: r.error,
        metrics,
      };
    },
    { cfg, stopAfterSeconds },
  );
}

/** A teacher model with random weights, as the two files a user would pick (model.json + one shard). */
export interface TeacherArtifacts {
  modelJson: string;
  weightsB64: string;
  /** Forward FLOPs per crop (src/models/flops.ts: 2 x multiply-adds of conv and dense layers). */
  flops: number;
  params: number;
}

export interface RandomTeacherSpec {
  /**
   * dense: flatten-512-256-classes (cheap per FLOP, the decode-bound teacher of bench:train);
   * conv: two VGG-style stages (3x3 conv 32, 32, max-pool; 3x3 conv 64, 64, max-pool), dense 128,
   * classes: ~37.5 MFLOPs at 28x28x1, the "heavy" teacher of bench:slg and bench:train's compute-bound
   * configuration (FKD's teachers cost far more than the student: ~8x resnetMini's 4.7 MFLOPs here).
   * resnet18: the studio's own ResNet-18 shape (src/models, BN, 4 stages of 2 BasicBlocks) at stage
   * width `width` (default 16: ~57 MFLOPs at 28x28x1, 12x resnetMini): a teacher of the student's
   * own family, deeper and wider, as FKD pairs ResNet-50 students with far larger ResNet-family
   * teachers. (A plain conv stack does many FLOPs per kernel launch, so at 8x the FLOPs it still ran
   * in less time than resnetMini's forward + backward on WebGL.)
   */
  kind: 'dense' | 'conv' | 'resnet18';
  width?: number;
  /** dense only: hidden layer widths (default 512, 256). */
  hidden?: number[];
  inputSize: number;
  channels: 1 | 3;
  numClasses: number;
}

/** Builds the teacher with seeded weights in Node (cpu backend) and saves it as tfjs Layers artifacts. */
export async function randomTeacher(spec: RandomTeacherSpec): Promise<TeacherArtifacts> {
  await tf.setBackend('cpu');
  let seed = 1;
  const he = () => tf.initializers.heNormal({ seed: seed++ });
  // Functional (not Sequential) so modelFlops sees the InputLayer.
  if (spec.kind === 'resnet18') {
    const m = buildStudent('resnet18', {
      inputSize: spec.inputSize,
      channels: spec.channels,
      numClasses: spec.numClasses,
      seed: 1,
      width: spec.width ?? 16,
    });
    return saveArtifacts(m);
  }
  const input = tf.input({ shape: [spec.inputSize, spec.inputSize, spec.channels] });
  let x: tf.SymbolicTensor = input;
  if (spec.kind === 'conv') {
    for (const filters of [32, 64]) {
      for (let i = 0; i < 2; i++) {
        x = tf.layers
          .conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he() })
          .apply(x) as tf.SymbolicTensor;
      }
      x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .dense({ units: 128, activation: 'relu', kernelInitializer: he() })
      .apply(x) as tf.SymbolicTensor;
  } else {
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    for (const units of spec.hidden ?? [512, 256]) {
      x = tf.layers
        .dense({ units, activation: 'relu', kernelInitializer: he() })
        .apply(x) as tf.SymbolicTensor;
    }
  }
  const out = tf.layers
    .dense({ units: spec.numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) })
    .apply(x) as tf.SymbolicTensor;
  return saveArtifacts(tf.model({ inputs: input, outputs: out }));
}

/** Serialises a functional model as a teacher folder's files would hold it; disposes the model. */
async function saveArtifacts(model: tf.LayersModel): Promise<TeacherArtifacts> {
  const flops = modelFlops(model).reduce((a, l) => a + l.flops, 0);
  const params = model.countParams();
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  const a = artifacts as unknown as tf.io.ModelArtifacts;
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: 'bench/harness.ts',
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
  });
  const wd = a.weightData!;
  const data = Array.isArray(wd) ? tf.io.concatenateArrayBuffers(wd) : wd;
  return { modelJson, weightsB64: Buffer.from(data).toString('base64'), flops, params };
}

/** Imports the artifacts through the teacher worker as the "Import teacher" form does; its teacher id. */
export async function importTeacher(
  page: Page,
  name: string,
  art: TeacherArtifacts,
  config: Omit<TeacherConfig, 'id' | 'name'>,
): Promise<string> {
  return page.evaluate(
    async ({ name, modelJson, weightsB64, config }) => {
      const bin = Uint8Array.from(atob(weightsB64), (ch) => ch.charCodeAt(0));
      const files = [
        new File([modelJson], 'model.json', { type: 'application/json' }),
        new File([bin], 'group1-shard1of1.bin'),
      ];
      const r = await window.__fkd!.studio().teacher.api.importTeacher({ name, files, config });
      return r.id;
    },
    { name, modelJson: art.modelJson, weightsB64: art.weightsB64, config },
  );
}

/** A numeric `--name value` command-line option. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
