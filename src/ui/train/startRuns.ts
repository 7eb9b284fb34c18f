/**
 * What the Train form's Start does, minus React: why it cannot start now (said beside the disabled
 * button), and the runs one click stores (one per ticked method, same student, seed and budget). Pure.
 */
import type { Run } from '../../store';
import { usesStoredLabels, type TrainConfig, type TrainMethod } from '../../core/recipe';

export const METHOD_LABEL: Record<TrainMethod, string> = {
  fkd: 'FKD (stored soft labels)',
  vanilla: 'Vanilla (hard labels)',
  onlineKd: 'Online KD (teacher every step)',
  fastMeal: 'Fast MEAL V2 (fine-tune a pretrained student)',
};

export interface StartState {
  hasDataset: boolean;
  /** What is wrong with the form's recipe (core/recipeCheck), if anything. */
  problems?: string[];
  methods: TrainMethod[];
  /** The finished label set FKD would use, if any. */
  labelSetId?: string;
  /** A label set of the dataset this tab is generating (FKD can be queued behind it). */
  generatingId?: string;
  teacherId?: string;
  /** Fast MEAL V2: the pretrained student picked, and why its weights cannot start a run (if so). */
  pretrainedId?: string;
  pretrainedBlocker?: string | null;
  anyRunning: boolean;
}

const storedLabelMethods = (s: StartState) => s.methods.filter(usesStoredLabels);

/** FKD (or Fast MEAL V2) has no finished set yet but one is being generated: Start queues the runs behind it. */
export function waitsForLabels(s: StartState): boolean {
  return storedLabelMethods(s).length > 0 && !s.labelSetId && s.generatingId !== undefined;
}

/** Why Start cannot run now, or null. */
export function startBlocker(s: StartState): string | null {
  if (!s.hasDataset) return 'pick a dataset';
  if (s.methods.length === 0) return 'tick at least one method';
  if (s.problems?.length) return s.problems.join('; ');
  if (storedLabelMethods(s).length > 0 && !s.labelSetId && !waitsForLabels(s))
    return s.methods.includes('fkd')
      ? 'FKD needs a finished soft-label set for this dataset (generate one above, or untick FKD)'
      : "Fast MEAL V2 needs a finished soft-label set for this dataset (an ensemble's, as MEAL V2)";
  if (s.methods.includes('fastMeal') && !s.pretrainedId)
    return 'Fast MEAL V2 needs a pretrained student: pick one from the library or a folder';
  if (s.methods.includes('fastMeal') && s.pretrainedBlocker) return s.pretrainedBlocker;
  if (s.methods.includes('onlineKd') && !s.teacherId)
    return 'online KD needs a teacher with as many outputs as the dataset has classes';
  if (s.anyRunning) return 'a run is training: one at a time on the device';
  return null;
}

/**
 * The pending runs of one Start: FKD's and Fast MEAL V2's with `fkdLabels`, online KD's with the
 * teacher; only Fast MEAL V2 starts from the pretrained student (the others train from scratch).
 */
export function newRuns(
  methods: TrainMethod[],
  cfg: Omit<TrainConfig, 'method'>,
  dataset: { id: string; name: string },
  fkdLabels: string | undefined,
  now: number,
): Run[] {
  return methods.map((method, i) => ({
    id: `run:${(now + i).toString(36)}`,
    name: `${METHOD_LABEL[method].split(' (')[0]} · ${cfg.arch} · ${dataset.name}`,
    method,
    datasetId: dataset.id,
    labelSetId: usesStoredLabels(method) ? fkdLabels : undefined,
    teacherId: method === 'onlineKd' ? cfg.teacherId : undefined,
    config: {
      ...cfg,
      labelSetId: fkdLabels,
      method,
      pretrainedId: method === 'fastMeal' ? cfg.pretrainedId : undefined,
    },
    seed: cfg.seed,
    status: 'pending',
    history: [],
    createdAt: now + i,
    updatedAt: now + i,
  }));
}
