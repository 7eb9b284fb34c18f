/**
 * bench:train's measuring helpers: the speed table (trainer.api.speed, best of two rounds), the
 * student's compute-only throughput, FLOPs of a student, and reading a speed row.
 */
import type { Page } from 'playwright-core';
import { modelFlops } from '../src/models/flops';
import { buildStudent } from '../src/models/students';
import type { SpeedTable } from '../src/workers/speed';
import type { TrainConfig, TrainMethod } from '../src/workers/trainConfig';
import { round } from './harness';

export const CLASSES = 10;
const WARMUP = 2;
const ALL: TrainMethod[] = ['fkd', 'vanilla', 'onlineKd'];

export function studentFlops(
  arch: TrainConfig['arch'],
  inputSize: number,
  channels: number,
  width?: number,
): number {
  const m = buildStudent(arch, { inputSize, channels, numClasses: CLASSES, seed: 1, width });
  const f = modelFlops(m).reduce((a, l) => a + l.flops, 0);
  m.dispose();
  return f;
}

/** Share of a speed row's timed seconds its steps spent waiting for their images and labels. */
export function waitShare(r: SpeedTable['rows'][number]): number {
  return r.phases && r.seconds > 0 ? round(r.phases.waitInput / r.seconds, 3) : NaN;
}

export function rowOf(t: SpeedTable, method: string) {
  const r = t.rows.find((x) => x.method === method);
  if (!r || r.error) throw new Error(`speed ${method}: ${r?.error ?? 'missing'}`);
  return r;
}

const speedOnce = (page: Page, cfg: TrainConfig, timed: number, methods: TrainMethod[]) =>
  page.evaluate(
    ([c, w, t, m]) => window.__fkd!.studio().trainer.api.speed(c, m, { warmupSteps: w, timedSteps: t }),
    [cfg, WARMUP, timed, methods] as const,
  );

/**
 * Two rounds, each method's faster one kept: the first method of a round otherwise pays for kernel
 * compilation and for whatever else the machine was doing (the methods run one after another).
 */
export async function speed(page: Page, cfg: TrainConfig, timed: number, methods = ALL): Promise<SpeedTable> {
  const a = await speedOnce(page, cfg, timed, methods);
  const b = await speedOnce(page, cfg, timed, methods);
  return {
    ...a,
    rows: a.rows.map((r) => {
      const o = b.rows.find((x) => x.method === r.method);
      return o && !o.error && (r.error || o.secondsPerEpoch < r.secondsPerEpoch) ? o : r;
    }),
  };
}

export const studentOnly = (page: Page, cfg: TrainConfig, timed: number) =>
  page.evaluate(([c, s]) => window.__fkd!.studio().trainer.api.studentOnlyThroughput(c, s), [
    cfg,
    timed,
  ] as const);

/** The speed table's rows plus the compute-only row, for `table`. */
export function speedRows(
  t: SpeedTable,
  only: { steps: number; cropsPerStep: number; cropsPerSec: number },
): (string | number)[][] {
  return [
    ...t.rows.map((r) => [
      r.method,
      r.steps,
      r.crops,
      r.seconds,
      r.cropsPerSec,
      r.secondsPerEpoch,
      r.phases ? waitShare(r) : NaN,
    ]),
    [
      'student compute-only',
      only.steps,
      only.steps * only.cropsPerStep,
      NaN,
      only.cropsPerSec,
      t.numImages / only.cropsPerSec,
      NaN,
    ],
  ];
}

export const SPEED_HEADERS = [
  'method',
  'steps',
  'crops',
  'seconds',
  'crops/s',
  's/epoch',
  'waiting for data',
];
