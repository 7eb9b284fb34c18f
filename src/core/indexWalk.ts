/**
 * The unit of a streaming index walk: one class folder (with its nested folders), one WebDataset
 * shard, or one flat val folder. A walk is resumable per unit (units done are skipped without a
 * listing), and each unit keeps a digest of what it listed so a re-open can tell "unchanged"
 * from one listing without reading the stored items.
 */
import { murmur3 } from './murmur3';

export type UnitSplit = 'train' | 'val';

export interface IndexedUnit {
  /** Root-relative path of the class folder, shard or flat val folder. */
  path: string;
  kind: 'folder' | 'shard' | 'flatval';
  /** Class of every item of a class folder. */
  classIndex?: number;
  /** How a file added later is split: a fixed split, or the seeded hash of its path. */
  choose: UnitSplit | 'hash';
  /** Order-free digest of (path, size, lastModified) of every file listed in the unit. */
  digest: string;
  /** Order-free digest of the paths alone: a re-open compares it from a listing that opens no file. */
  names?: string;
  /** Files listed in the unit, usable or not. */
  files: number;
  /** Index ranges [start, end) of the unit's items per split (appends from re-opens add ranges). */
  ranges: { split: UnitSplit; start: number; end: number }[];
}

/** Where a walk stands after its last completed unit: enough to continue it. */
export interface IndexWalkState {
  counts: { train: number; val: number };
  filesSeen: number;
  /** The skip report so far (capped list, the overflow summarised as `… / N more: reason`). */
  skipped: { path: string; reason: string }[];
  skippedTotal: number;
  /** WebDataset: class ids seen so far. */
  classIds: number[];
}

const encoder = new TextEncoder();

/**
 * Sums two independent 32-bit hashes of each file's (path, size, lastModified): a sum does not
 * depend on listing order (OPFS lists in no order), and two sums make a chance match negligible.
 */
export class UnitDigest {
  private a = 0;
  private b = 0;
  private readonly paths = new NamesDigest();
  files = 0;

  add(path: string, size: number | undefined, modified: number | undefined): void {
    const bytes = encoder.encode(`${path}\u0000${size ?? -1}\u0000${modified ?? -1}`);
    this.a = (this.a + murmur3(bytes, 0x9e3779b9)) >>> 0;
    this.b = (this.b + murmur3(bytes, 0x27d4eb2f)) >>> 0;
    this.paths.add(path);
    this.files++;
  }

  value(): string {
    return `${this.files}:${hex(this.a)}${hex(this.b)}`;
  }

  namesValue(): string {
    return this.paths.value();
  }
}

/** The same order-free sum over paths only, for a listing that asks no file for its size or date. */
export class NamesDigest {
  private a = 0;
  private b = 0;
  files = 0;

  add(path: string): void {
    const bytes = encoder.encode(path);
    this.a = (this.a + murmur3(bytes, 0x85ebca6b)) >>> 0;
    this.b = (this.b + murmur3(bytes, 0xc2b2ae35)) >>> 0;
    this.files++;
  }

  value(): string {
    return `${this.files}:${hex(this.a)}${hex(this.b)}`;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
