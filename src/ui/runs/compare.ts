/**
 * What the Runs view's comparison table shows for the ticked runs: each run's headline figures from its
 * stored history, and the settings in which the runs differ (a comparison is only as fair as what was
 * held equal, so the differences are listed, not hidden). Pure: no DOM, no store.
 */
import { usesStoredLabels } from '../../core/recipe';
import type { Run, RunHistoryEntry, TrainConfig } from '../../store';

export interface CompareRow {
  id: string;
  name: string;
  method: Run['method'];
  status: Run['status'];
  lastTop1?: number;
  bestTop1?: number;
  lastTop5?: number;
  /** A run from a pretrained student (Fast MEAL V2): its val top-1 before step 0. */
  beforeTop1?: number;
  /** Epochs done at the last history entry. */
  epochs?: number;
  steps?: number;
  /** Median of the recorded throughputs (crops/s): robust to the first, compiling steps. */
  cropsPerSec?: number;
  /** Seconds spent training: the history's time span less gaps over GAP_SECONDS (pauses, reloads). */
  trainSeconds?: number;
}

/** A gap between two history entries longer than this is a pause, not training. */
const GAP_SECONDS = 120;

/** Settings shown when they differ; the rest of a config is bookkeeping (ids, checkpoint cadence). */
const SETTINGS: readonly (keyof TrainConfig)[] = [
  'arch',
  'width',
  'inputSize',
  'channels',
  'epochs',
  'numCrops',
  'cropsPerStep',
  'optimizer',
  'lr',
  'nesterov',
  'schedule',
  'cosinePer',
  'warmupEpochs',
  'adamwSingleCropWarmupEpochs',
  'mix',
  'scale',
  'temperature',
  'seed',
  'maxImages',
  'maxValImages',
  'maxSteps',
  'maxMinutes',
  'labelSetId',
  'teacherId',
  'pretrainedId',
  'stepMilestones',
];

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function trainingSeconds(history: RunHistoryEntry[]): number | undefined {
  if (history.length < 2) return undefined;
  let total = 0;
  for (let i = 1; i < history.length; i++) {
    const dt = (history[i].time - history[i - 1].time) / 1000;
    if (dt > 0 && dt <= GAP_SECONDS) total += dt;
  }
  return total;
}

/** A run's last and best val top-1 (and the last top-5) from the evaluations in its history. */
export function valAccuracy(
  history: RunHistoryEntry[],
): Pick<CompareRow, 'lastTop1' | 'bestTop1' | 'lastTop5'> {
  const vals = history.filter((e) => e.valTop1 !== undefined);
  const lastVal = vals[vals.length - 1];
  return {
    lastTop1: lastVal?.valTop1,
    bestTop1: vals.length ? Math.max(...vals.map((e) => e.valTop1!)) : undefined,
    lastTop5: lastVal?.valTop5,
  };
}

export function compareRow(r: Run): CompareRow {
  const h = r.history;
  const last = h[h.length - 1];
  return {
    id: r.id,
    name: r.name,
    method: r.method,
    status: r.status,
    ...valAccuracy(h),
    beforeTop1: r.before?.top1,
    epochs: last?.epoch,
    steps: last?.step,
    cropsPerSec: median(h.map((e) => e.cropsPerSec).filter((x): x is number => x !== undefined && x > 0)),
    trainSeconds: trainingSeconds(h),
  };
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '–';
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return String(v);
}

/**
 * The settings whose values are not the same in every run, each with its value per run (in the order
 * given). labelSetId only counts among FKD and Fast MEAL V2 runs, teacherId among online-KD runs, Nesterov among SGD
 * runs and the single-crop warmup among AdamW runs: the others do not use them.
 */
export function differingSettings(runs: Run[]): { key: string; values: string[] }[] {
  const uses = (r: Run, key: keyof TrainConfig) => {
    if (key === 'labelSetId') return usesStoredLabels(r.method);
    if (key === 'stepMilestones') return r.config.schedule === 'step';
    if (key === 'teacherId') return r.method === 'onlineKd';
    if (key === 'nesterov') return r.config.optimizer === 'sgd';
    if (key === 'adamwSingleCropWarmupEpochs') return r.config.optimizer === 'adamw';
    return true;
  };
  // Runs saved before the single-crop warmup existed had none.
  const value = (r: Run, key: keyof TrainConfig) =>
    key === 'adamwSingleCropWarmupEpochs' ? (r.config[key] ?? 0) : r.config[key];
  const out: { key: string; values: string[] }[] = [];
  for (const key of SETTINGS) {
    const values = runs.map((r) => (uses(r, key) ? show(value(r, key)) : '(not used)'));
    const used = values.filter((v) => v !== '(not used)');
    if (new Set(used).size > 1) out.push({ key, values });
  }
  return out;
}
