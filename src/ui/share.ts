/**
 * Share links, UI side: a link's state (core/shareState.ts) is written into the forms' drafts before
 * anything mounts, so it takes precedence over what this browser had; "Copy link" reads the drafts
 * back. The forms stay the one owner of their settings.
 */
import { useSyncExternalStore } from 'react';
import { parseShareHash, shareHash, splitHash, type ParsedShare, type ShareState } from '../core/shareState';
import { DEFAULT_LABEL_SETTINGS } from '../core/labelSettings';
import { DEFAULT_TRAIN_CONFIG, TRAIN_METHODS, type TrainConfig } from '../core/recipe';
import { readDraft, writeDraft } from './useDraft';

type TrainDraft = Partial<Omit<TrainConfig, 'method'>>;

function draft<T>(key: string): T | undefined {
  const raw = readDraft(key);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

/** Draft keys of the selection the explorers share (label set, image, crop). */
export const EXPLORE_KEYS = { labelSet: 'explore.labelSet', image: 'explore.image', crop: 'explore.crop' };

/** Writes a link's settings into the drafts the forms start from. */
export function applyShareState(s: ShareState): void {
  const l = s.labels ?? {};
  const t = s.train ?? {};
  if (s.dataset) writeDraft('labels.dataset', s.dataset);
  if (s.teacher) writeDraft('labels.teacher', s.teacher);
  if (l.numCrops !== undefined) writeDraft('labels.numCrops', l.numCrops);
  if (l.codec) writeDraft('labels.codec', l.codec);
  if (l.k !== undefined) writeDraft('labels.k', l.k);
  if (l.precision) writeDraft('labels.precision', l.precision);
  if (l.temperature !== undefined) writeDraft('labels.temperature', l.temperature);
  if (l.scale) writeDraft('labels.scale', l.scale);
  if (l.seed !== undefined) writeDraft('labels.seed', l.seed);
  const cfg: TrainDraft = { ...(draft<TrainDraft>('train.config') ?? {}) };
  if (s.dataset) cfg.datasetId = s.dataset;
  if (s.labelSet) cfg.labelSetId = s.labelSet;
  if (s.teacher) cfg.teacherId = s.teacher;
  if (t.arch) cfg.arch = t.arch;
  if (t.width !== undefined) cfg.width = t.width;
  if (t.epochs !== undefined) cfg.epochs = t.epochs;
  if (t.numCrops !== undefined) cfg.numCrops = t.numCrops;
  if (t.cropsPerStep !== undefined) cfg.cropsPerStep = t.cropsPerStep;
  if (t.optimizer) cfg.optimizer = t.optimizer;
  if (t.lr !== undefined) cfg.lr = t.lr;
  if (t.schedule) {
    const [kind, per] = t.schedule.split(':');
    cfg.schedule = kind as TrainConfig['schedule'];
    cfg.cosinePer = per as TrainConfig['cosinePer'];
  }
  if (t.temperature !== undefined) cfg.temperature = t.temperature;
  if (t.warmupEpochs !== undefined) cfg.warmupEpochs = t.warmupEpochs;
  if (t.singleCropWarmup !== undefined) cfg.adamwSingleCropWarmupEpochs = t.singleCropWarmup;
  if (t.seed !== undefined) cfg.seed = t.seed;
  if (Object.keys(cfg).length) writeDraft('train.config', cfg);
  if (t.methods)
    writeDraft('train.methods', {
      fkd: t.methods.includes('fkd'),
      vanilla: t.methods.includes('vanilla'),
      onlineKd: t.methods.includes('onlineKd'),
      fastMeal: t.methods.includes('fastMeal'),
    });
  if (s.labelSet) writeDraft(EXPLORE_KEYS.labelSet, s.labelSet);
  if (s.image !== undefined) writeDraft(EXPLORE_KEYS.image, s.image);
  if (s.crop !== undefined) writeDraft(EXPLORE_KEYS.crop, s.crop);
}

/** What the forms hold now, as a share state (their defaults where a field was never touched). */
export function currentShareState(view: string, presenter: boolean): ShareState {
  const cfg = { ...DEFAULT_TRAIN_CONFIG, ...(draft<TrainDraft>('train.config') ?? {}) };
  const methods = draft<Record<string, boolean>>('train.methods') ?? { fkd: true, vanilla: true };
  const D = DEFAULT_LABEL_SETTINGS;
  const str = (k: string) => {
    const v = draft<unknown>(k);
    return typeof v === 'string' && v ? v : undefined;
  };
  const n = (k: string) => {
    const v = draft<unknown>(k);
    return typeof v === 'number' ? v : undefined;
  };
  const scale = draft<[number, number] | null>('labels.scale') ?? undefined;
  return {
    view: view as ShareState['view'],
    dataset: str('labels.dataset') ?? (cfg.datasetId || undefined),
    teacher: str('labels.teacher'),
    labelSet: str(EXPLORE_KEYS.labelSet) ?? cfg.labelSetId,
    labels: {
      numCrops: n('labels.numCrops') ?? D.numCrops,
      codec: (str('labels.codec') ?? D.codec) as 'msTopK',
      k: n('labels.k') ?? D.k,
      precision: (str('labels.precision') ?? D.precision) as 'q8',
      temperature: n('labels.temperature') ?? D.temperature,
      scale: Array.isArray(scale) ? scale : undefined,
      seed: n('labels.seed') ?? D.seed,
    },
    train: {
      arch: cfg.arch,
      width: cfg.width,
      epochs: cfg.epochs,
      numCrops: cfg.numCrops,
      cropsPerStep: cfg.cropsPerStep,
      optimizer: cfg.optimizer,
      lr: cfg.lr,
      schedule: `${cfg.schedule}:${cfg.cosinePer}` as 'cosine:step',
      temperature: cfg.temperature,
      warmupEpochs: cfg.warmupEpochs,
      singleCropWarmup: cfg.adamwSingleCropWarmupEpochs,
      seed: cfg.seed,
      methods: TRAIN_METHODS.filter((m) => methods[m]),
    },
    image: n(EXPLORE_KEYS.image),
    crop: n(EXPLORE_KEYS.crop),
    presenter: presenter || undefined,
  };
}

/** The link to this demo: this page's address with the state in its hash. */
export function shareLink(view: string, presenter: boolean): string {
  return `${location.origin}${location.pathname}${location.search}${shareHash(currentShareState(view, presenter))}`;
}

/** The link this page was opened with, parsed once at start-up (before the hash is tidied). */
let opened: ParsedShare | null = null;
export function openedShare(): ParsedShare {
  opened ??= parseShareHash(location.hash);
  return opened;
}

/**
 * At start-up: a link's settings go into the drafts, then the hash keeps only the view (and presenter
 * mode), so a reload does not overwrite what the user changed since.
 */
export function consumeShareLink(): ParsedShare {
  const parsed = openedShare();
  const { query } = splitHash(location.hash);
  if (query) {
    applyShareState(parsed.state);
    const view = parsed.state.view ?? 'data';
    history.replaceState(
      null,
      '',
      `${location.pathname}${location.search}#/${view}${parsed.state.presenter ? '?presenter=1' : ''}`,
    );
  }
  return parsed;
}

/** Presenter mode stays on while its flag is in the hash. */
export function presenterFromHash(): boolean {
  return parseShareHash(location.hash).state.presenter === true;
}

/** Switches view the way the header does, keeping presenter mode. */
export function goToView(view: string): void {
  location.hash = `/${view}${presenterFromHash() ? '?presenter=1' : ''}`;
}

/** Presenter mode as React state: follows the hash. */
export function usePresenter(): boolean {
  return useSyncExternalStore(
    (l) => (addEventListener('hashchange', l), () => removeEventListener('hashchange', l)),
    presenterFromHash,
  );
}

/** Turns presenter mode on or off, staying on the current view. */
export function setPresenter(on: boolean): void {
  const { view } = splitHash(location.hash);
  location.hash = `/${view || 'data'}${on ? '?presenter=1' : ''}`;
}
