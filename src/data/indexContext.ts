/**
 * State shared by the indexing passes: options, the skip report, progress counters, and the
 * batching sink that hands items to the caller (the worker stores them) so the indexer never
 * holds more than one batch per split.
 */
import type { ClassInfo } from '../core/classes';
import { UnitDigest, type IndexedUnit, type IndexWalkState, type UnitSplit } from '../core/indexWalk';
import { DEFAULT_MAX_IMAGE_BYTES, SkipReport } from './report';
import type { DataSource } from './source';
import type { DatasetItem, Split } from './types';

export interface IndexProgress {
  filesSeen: number;
  /** Class folders done (ImageFolder layouts) or shards done (WebDataset). */
  classesDone: number;
  classesTotal: number;
}

export interface IndexOptions {
  /** Seed of the train/val split for layouts without one (bare class tree, top-level shards). */
  splitSeed: number;
  /** Fraction of files sent to val in those layouts, 0..1. */
  valFraction: number;
  /** Larger files are skipped and reported (default 64 MB). */
  maxImageBytes?: number;
  /**
   * Receives items in batches; every batch holds one split only, in index order. Awaited, so a
   * slow store applies back-pressure to the walk.
   */
  onItems: (items: DatasetItem[]) => Promise<void> | void;
  onProgress?: (p: IndexProgress) => void;
  signal?: AbortSignal;
  /** The 1000 ImageNet classes (public/imagenet-classes.json); enables wnid folder mapping. */
  imagenetClasses?: readonly ClassInfo[];
  /** Label-space width for WebDataset class ids; else the source's hint, else max id + 1. */
  numClasses?: number;
  /** Items per onItems call (default 1000). */
  batchSize?: number;
  /** Skipped entries listed verbatim before the rest are summarised (default 1000). */
  maxSkippedReported?: number;
  /** Continue a cancelled walk: its units are skipped unlisted and numbering goes on from its counts. */
  resume?: IndexResume;
  /**
   * Called once per completed unit (class folder, shard, flat val folder), after its items were
   * handed to onItems: a caller that persists `state` and the unit can resume after them.
   */
  onUnitDone?: (unit: IndexedUnit, state: IndexWalkState) => Promise<void> | void;
}

export interface IndexResume extends IndexWalkState {
  /** Paths of the units already done. */
  done: readonly string[];
}

/** The unit being walked: its digest and the item counts it started from. */
export interface UnitTracker {
  digest: UnitDigest;
  start: { train: number; val: number };
}

export class ItemSink {
  readonly counts = { train: 0, val: 0 };
  private readonly pending: Record<Split, DatasetItem[]> = { train: [], val: [] };

  constructor(
    private readonly onItems: IndexOptions['onItems'],
    private readonly batchSize: number,
  ) {}

  async push(split: Split, item: Omit<DatasetItem, 'split' | 'index'>): Promise<void> {
    const buf = this.pending[split];
    buf.push({ split, index: this.counts[split]++, ...item });
    if (buf.length >= this.batchSize) await this.flushSplit(split);
  }

  async flush(): Promise<void> {
    await this.flushSplit('train');
    await this.flushSplit('val');
  }

  private async flushSplit(split: Split): Promise<void> {
    const batch = this.pending[split];
    if (batch.length === 0) return;
    this.pending[split] = [];
    await this.onItems(batch);
  }
}

export class IndexContext {
  readonly report: SkipReport;
  readonly sink: ItemSink;
  readonly maxBytes: number;
  readonly progress: IndexProgress = { filesSeen: 0, classesDone: 0, classesTotal: 0 };
  /** WebDataset class ids seen (carried across a resume). */
  readonly classIds = new Set<number>();
  /** Units this run walked (listed), as opposed to skipped because a resumed walk had them. */
  unitsWalked = 0;
  unit: UnitTracker | null = null;
  private readonly done: Set<string>;

  constructor(
    readonly source: DataSource,
    readonly opts: IndexOptions,
  ) {
    if (!(opts.valFraction >= 0 && opts.valFraction <= 1))
      throw new RangeError('valFraction must be in [0, 1]');
    this.report = new SkipReport(opts.maxSkippedReported ?? 1000);
    this.sink = new ItemSink(opts.onItems, Math.max(1, opts.batchSize ?? 1000));
    this.maxBytes = opts.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
    const r = opts.resume;
    this.done = new Set(r?.done ?? []);
    if (r) {
      this.sink.counts.train = r.counts.train;
      this.sink.counts.val = r.counts.val;
      this.progress.filesSeen = r.filesSeen;
      this.report.restore(r.skipped, r.skippedTotal);
      for (const c of r.classIds) this.classIds.add(c);
    }
  }

  /** True when a resumed walk already finished this unit (it is then neither listed nor counted again). */
  isDone(path: string): boolean {
    return this.done.has(path);
  }

  beginUnit(): UnitTracker {
    this.unit = { digest: new UnitDigest(), start: { ...this.sink.counts } };
    return this.unit;
  }

  /** Flushes the unit's items, then reports it with the walk state a resume continues from. */
  async endUnit(unit: Omit<IndexedUnit, 'digest' | 'files' | 'ranges'>): Promise<void> {
    const t = this.unit;
    if (!t) throw new Error('endUnit without beginUnit');
    this.unit = null;
    await this.sink.flush();
    this.unitsWalked++;
    const ranges = (['train', 'val'] as UnitSplit[])
      .map((split) => ({ split, start: t.start[split], end: this.sink.counts[split] }))
      .filter((r) => r.end > r.start);
    const full: IndexedUnit = {
      ...unit,
      digest: t.digest.value(),
      names: t.digest.namesValue(),
      files: t.digest.files,
      ranges,
    };
    await this.opts.onUnitDone?.(full, this.state());
  }

  state(): IndexWalkState {
    return {
      counts: { ...this.sink.counts },
      filesSeen: this.progress.filesSeen,
      skipped: this.report.toList(),
      skippedTotal: this.report.total,
      classIds: [...this.classIds].sort((a, b) => a - b),
    };
  }

  checkAbort(): void {
    this.opts.signal?.throwIfAborted();
  }

  emitProgress(): void {
    this.opts.onProgress?.({ ...this.progress });
  }
}
