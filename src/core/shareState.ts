/**
 * A demo as a link (TensorFlow Playground's idea): every setting that shapes it, flattened into URL
 * parameters after the view in the hash, e.g. `#/labels?ds=fashion-mnist&l.seed=42&img=7`.
 *
 * Parsing is a whitelist: each known parameter has a type and a range, anything else is reported and
 * dropped, so a link can only ever choose among values the forms could have been set to. Values are
 * plain strings and numbers; nothing is evaluated, fetched or used as a URL.
 */
import { STUDENT_ARCHS, TRAIN_METHODS } from './recipe';
import { CODECS, PRECISIONS } from './softLabel';

export const SHARE_VIEWS = ['data', 'labels', 'train', 'evaluate', 'pipeline', 'runs', 'settings'] as const;
export type ShareView = (typeof SHARE_VIEWS)[number];

const ARCHS = STUDENT_ARCHS;
const OPTIMIZERS = ['adamw', 'sgd'] as const;
const SCHEDULES = ['cosine:pass', 'cosine:step', 'step:pass', 'constant:pass'] as const;
const METHODS = TRAIN_METHODS;

export interface ShareState {
  view?: ShareView;
  /** Dataset, teacher and label-set ids as the store keeps them. */
  dataset?: string;
  teacher?: string;
  labelSet?: string;
  labels?: {
    numCrops?: number;
    codec?: (typeof CODECS)[number];
    k?: number;
    precision?: (typeof PRECISIONS)[number];
    temperature?: number;
    scale?: [number, number];
    seed?: number;
  };
  train?: {
    arch?: (typeof ARCHS)[number];
    width?: number;
    epochs?: number;
    numCrops?: number;
    cropsPerStep?: number;
    optimizer?: (typeof OPTIMIZERS)[number];
    lr?: number;
    schedule?: (typeof SCHEDULES)[number];
    temperature?: number;
    warmupEpochs?: number;
    /** AdamW only: the first epochs train on one crop per image. */
    singleCropWarmup?: number;
    seed?: number;
    methods?: (typeof METHODS)[number][];
  };
  /** The image (train split index) and crop selected in the explorers. */
  image?: number;
  crop?: number;
  /** Presenter mode: advanced controls hidden, larger type, one batch per click. */
  presenter?: boolean;
}

type Parser = (raw: string) => unknown;

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,199}$/;
const id: Parser = (raw) => (ID.test(raw) ? raw : undefined);
const int =
  (min: number, max: number): Parser =>
  (raw) => {
    if (!/^-?\d{1,10}$/.test(raw)) return undefined;
    const v = Number(raw);
    return v >= min && v <= max ? v : undefined;
  };
const num =
  (min: number, max: number): Parser =>
  (raw) => {
    if (!/^-?(\d+\.?\d*|\.\d+)(e-?\d{1,3})?$/i.test(raw)) return undefined;
    const v = Number(raw);
    return Number.isFinite(v) && v >= min && v <= max ? v : undefined;
  };
const oneOf =
  (values: readonly string[]): Parser =>
  (raw) =>
    values.includes(raw) ? raw : undefined;
const range: Parser = (raw) => {
  const parts = raw.split(',');
  if (parts.length !== 2) return undefined;
  const [a, b] = parts.map((p) => num(0.001, 1)(p) as number | undefined);
  return a !== undefined && b !== undefined && a <= b ? [a, b] : undefined;
};
const list =
  (values: readonly string[]): Parser =>
  (raw) => {
    const items = raw.split(',');
    return items.length > 0 && items.length <= values.length && items.every((x) => values.includes(x))
      ? [...new Set(items)]
      : undefined;
  };
const flag: Parser = (raw) =>
  raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : undefined;

/** Parameter name -> [where in ShareState, parser, what the message calls it]. */
const PARAMS: Record<string, [path: string, parse: Parser, what: string]> = {
  ds: ['dataset', id, 'a dataset id'],
  teacher: ['teacher', id, 'a teacher id'],
  ls: ['labelSet', id, 'a label set id'],
  'l.crops': ['labels.numCrops', int(1, 2000), 'crops per image, 1..2000'],
  'l.codec': ['labels.codec', oneOf(CODECS), `one of ${CODECS.join(', ')}`],
  'l.k': ['labels.k', int(1, 1000), 'k, 1..1000'],
  'l.prec': ['labels.precision', oneOf(PRECISIONS), `one of ${PRECISIONS.join(', ')}`],
  'l.T': ['labels.temperature', num(0.05, 100), 'a temperature, 0.05..100'],
  'l.scale': ['labels.scale', range, 'a crop scale "min,max" within 0.001..1'],
  'l.seed': ['labels.seed', int(0, 2 ** 31 - 1), 'a seed, 0..2147483647'],
  arch: ['train.arch', oneOf(ARCHS), `one of ${ARCHS.join(', ')}`],
  width: ['train.width', int(1, 4096), 'a width, 1..4096'],
  epochs: ['train.epochs', int(1, 1000), 'epochs, 1..1000'],
  nc: ['train.numCrops', int(1, 256), 'numCrops, 1..256'],
  bs: ['train.cropsPerStep', int(1, 4096), 'a batch, 1..4096'],
  opt: ['train.optimizer', oneOf(OPTIMIZERS), `one of ${OPTIMIZERS.join(', ')}`],
  lr: ['train.lr', num(1e-7, 10), 'a learning rate, 1e-7..10'],
  sched: ['train.schedule', oneOf(SCHEDULES), `one of ${SCHEDULES.join(', ')}`],
  T: ['train.temperature', num(0.05, 100), 'a temperature, 0.05..100'],
  warmup: ['train.warmupEpochs', int(0, 1000), 'warmup epochs, 0..1000'],
  sc: ['train.singleCropWarmup', int(0, 1000), 'single-crop warmup epochs, 0..1000'],
  seed: ['train.seed', int(0, 2 ** 31 - 1), 'a seed, 0..2147483647'],
  methods: ['train.methods', list(METHODS), `a list of ${METHODS.join(', ')}`],
  img: ['image', int(0, 10_000_000), 'an image index'],
  crop: ['crop', int(0, 1999), 'a crop index, 0..1999'],
  presenter: ['presenter', flag, '1 or 0'],
};

export interface ParsedShare {
  state: ShareState;
  /** One line per parameter that was unknown or malformed (and ignored). */
  problems: string[];
}

/**
 * Whether an opened link leaves anything to report: problems, or a dataset, teacher or label set to
 * look for in this browser. Without one the notice needs no lists (each re-reads IndexedDB).
 */
export function shareNeedsChecks(p: ParsedShare): boolean {
  return p.problems.length > 0 || !!p.state.dataset || !!p.state.teacher || !!p.state.labelSet;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, tail] = path.split('.') as [string, string | undefined];
  if (tail === undefined) target[head] = value;
  else ((target[head] ??= {}) as Record<string, unknown>)[tail] = value;
}

function getPath(source: object, path: string): unknown {
  const [head, tail] = path.split('.') as [string, string | undefined];
  const v = (source as Record<string, unknown>)[head];
  return tail === undefined ? v : (v as Record<string, unknown> | undefined)?.[tail];
}

/** Splits a location hash ("#/train?seed=3") into its view and its parameters. */
export function splitHash(hash: string): { view: string; query: string } {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  return q < 0 ? { view: body, query: '' } : { view: body.slice(0, q), query: body.slice(q + 1) };
}

/** The state a location hash describes, and what in it was ignored. Never throws. */
export function parseShareHash(hash: string): ParsedShare {
  const { view, query } = splitHash(hash);
  const state: Record<string, unknown> = {};
  const problems: string[] = [];
  if (view) {
    if ((SHARE_VIEWS as readonly string[]).includes(view)) state.view = view;
    else problems.push(`unknown view "${clip(view)}" (showing Data)`);
  }
  if (query.length > 8000)
    return { state: state as ShareState, problems: ['the link is too long; settings ignored'] };
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(query);
  } catch {
    return {
      state: state as ShareState,
      problems: ["the link's parameters cannot be read; settings ignored"],
    };
  }
  const seen = new Set<string>();
  for (const [name, raw] of params) {
    const spec = Object.hasOwn(PARAMS, name) ? PARAMS[name] : undefined;
    if (!spec) {
      problems.push(`unknown parameter "${clip(name)}" ignored`);
      continue;
    }
    if (seen.has(name)) {
      problems.push(`parameter "${name}" given twice; the first is used`);
      continue;
    }
    seen.add(name);
    const value = spec[1](raw.trim());
    if (value === undefined) problems.push(`"${name}=${clip(raw)}" ignored: expected ${spec[2]}`);
    else setPath(state, spec[0], value);
  }
  return { state: state as ShareState, problems };
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.map(formatValue).join(',');
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

/** The hash for a state ("#/view?..."), parameters in a fixed order; parseShareHash reads it back. */
export function shareHash(state: ShareState): string {
  const params = new URLSearchParams();
  for (const [name, [path, parse]] of Object.entries(PARAMS)) {
    const v = getPath(state, path);
    if (v === undefined || v === null) continue;
    const text = formatValue(v);
    // Only what the parser accepts goes out, so a link always reads back as it was written.
    if (parse(text) !== undefined) params.set(name, text);
  }
  const q = params.toString();
  return `#/${state.view ?? 'data'}${q ? `?${q}` : ''}`;
}
