/**
 * The studio's two long jobs as the benches start them: label generation and a training run, each
 * through the real workers (window.__fkd test hooks), created the way the forms create them.
 */
import type { Page } from 'playwright-core';
import type { TrainConfig } from '../src/core/recipe';
import type { LabelSubset } from '../src/core/labelSettings';
import type { Codec, Precision } from '../src/core/softLabel';

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
  /** Mixing at label time (LabelSetSettings.labelMix). */
  labelMix?: 'none' | 'mixup' | 'cutmix' | 'both';
  /** Label only part of the split (LabelSetSettings.subset). */
  subset?: LabelSubset;
}

/** Creates a LabelSet record as GenerateForm does (status pending, nothing labelled); returns its id. */
export function createLabelSet(page: Page, spec: LabelSpec): Promise<string> {
  return page.evaluate(async (s) => {
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
        ...(s.labelMix && s.labelMix !== 'none' ? { labelMix: s.labelMix } : {}),
        ...(s.subset ? { subset: s.subset } : {}),
      },
      numClasses: ds.numClasses,
      imagesDone: 0,
      imagesTotal: ds.counts.train,
      bytes: 0,
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    });
    return id;
  }, spec);
}

/** Creates a LabelSet record as GenerateForm does and runs the real generation job to the end. */
export async function generateLabels(
  page: Page,
  spec: LabelSpec,
): Promise<{ id: string; seconds: number; imagesDone: number; bytes: number; status: string }> {
  const id = await createLabelSet(page, spec);
  const r = await page.evaluate(async (id) => {
    const fkd = window.__fkd!;
    const db = await fkd.store.openStudioDb();
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
  }, id);
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
        labelSetId: cfg.method === 'fkd' || cfg.method === 'fastMeal' ? cfg.labelSetId : undefined,
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
      const w = window as unknown as { __benchLast?: unknown; __benchSteps?: { t: number; step: number }[] };
      w.__benchSteps = [{ t: performance.now(), step: 0 }];
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
            // Each metrics' step and arrival, for a bench that cuts the run into epochs as it goes.
            (w.__benchSteps ??= []).push({ t: performance.now(), step: (m as { step: number }).step });
          },
          onSample: (s: unknown) => (w.__benchLast = s),
          // The worker sees a proxied callbacks object, where every name looks present, so it sends
          // progress, metrics and samples batched through onLive (what the UI passes) and never the three above.
          onLive: (u: { metrics?: { step: number }; sample?: unknown; progress?: unknown }) => {
            w.__benchLast = u.sample ?? u.metrics ?? u.progress ?? w.__benchLast;
            if (!u.metrics) return;
            metrics++;
            (w.__benchSteps ??= []).push({ t: performance.now(), step: u.metrics.step });
          },
          onEval: (e: unknown) => (w.__benchLast = e),
          onBefore: (b: unknown) => (w.__benchLast = b),
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
