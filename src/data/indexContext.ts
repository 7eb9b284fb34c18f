/**
 * State shared by the indexing passes: options, the skip report, progress counters, and the
 * batching sink that hands items to the caller (the worker stores them) so the indexer never
 * holds more than one batch per split.
 */
import type { ClassInfo } from '../core/classes';
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

  constructor(
    readonly source: DataSource,
    readonly opts: IndexOptions,
  ) {
    if (!(opts.valFraction >= 0 && opts.valFraction <= 1))
      throw new RangeError('valFraction must be in [0, 1]');
    this.report = new SkipReport(opts.maxSkippedReported ?? 1000);
    this.sink = new ItemSink(opts.onItems, Math.max(1, opts.batchSize ?? 1000));
    this.maxBytes = opts.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  }

  checkAbort(): void {
    this.opts.signal?.throwIfAborted();
  }

  emitProgress(): void {
    this.opts.onProgress?.({ ...this.progress });
  }
}
