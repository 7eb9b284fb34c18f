/**
 * Shared shapes of the data layer. Items are what the store persists (one record per image);
 * DatasetIndex is the summary the UI shows after indexing.
 */

export type Split = 'train' | 'val';

export interface DatasetItem {
  split: Split;
  /** Position within its split, 0-based and dense, in deterministic index order. */
  index: number;
  /**
   * Path relative to the source root, '/'-separated, exactly as the source names it (so
   * `DataSource.open(path.split('/'))` finds it). For WebDataset items: `<key>.<imageExt>`
   * inside the shard.
   */
  path: string;
  classIndex: number;
  /** Size of the image file (bytes); for tar samples the size of the image member. */
  bytes: number;
  /** File.lastModified (ms) when indexed, where the source tells: the re-open check compares it. */
  modified?: number;
  /** Set by a re-open check when the file is gone from the folder (the index keeps its place). */
  gone?: boolean;
  /** WebDataset only: shard path relative to the source root. */
  shard?: string;
  /**
   * WebDataset only: ordinal of the sample within its shard (0-based). Not a byte offset: the tar
   * reader streams, and decoders skip forward to this sample.
   */
  offset?: number;
  /**
   * WebDataset only: where the image member's tar entry lies in the shard: its first header (pax or
   * GNU long-name header included) and its data (`bytes` long). With them one slice of the shard
   * reads the image, so random reads over a set of shards cost one read each (data/openItem.ts).
   * Absent in indexes made before they were recorded: those stream the shard.
   */
  headerAt?: number;
  dataAt?: number;
}

export interface SkippedFile {
  /** Path relative to the source root; a folder or shard path when a whole unit is reported. */
  path: string;
  reason: string;
}

export interface DatasetClass {
  index: number;
  name: string;
  /** Folder the class came from (ImageFolder layouts). */
  folder?: string;
  wnid?: string;
}

export type DatasetLayout = 'imagefolder' | 'webdataset' | 'flatval';

export interface DatasetIndex {
  layout: DatasetLayout;
  /** Classes present in the data, sorted by index. Indices may be sparse (an ImageNet subset). */
  classes: DatasetClass[];
  /** Width of the label space: 1000 for wnid folders even if only a subset is present. */
  numClasses: number;
  counts: { train: number; val: number };
  /** Capped list (see IndexOptions.maxSkippedReported); the last entry summarises the rest. */
  skipped: SkippedFile[];
  /** Number of skipped files/units, including those not listed in `skipped`. */
  skippedTotal: number;
}
