/**
 * The packed image store's format (docs/packs.md): a dataset's image bytes appended into a few large
 * files, and per split a fixed-width index whose entry `i` says where image `i` lies. Reading an item
 * is then one small read at `i * PACK_ENTRY_BYTES` and one read of its bytes, through sync access
 * handles held open for the whole job: the only read path found whose per-read browser memory stays
 * flat (per-file handles and Files are each kept by Chromium until it closes).
 * Pure: the workers own the files.
 */

/** Bytes per index entry: pack number (u32), byte length (u32), byte offset (u64 as two u32), LE. */
export const PACK_ENTRY_BYTES = 16;

/** A pack file grows to at most this many bytes before the next one starts (an image never spans two). */
export const PACK_FILE_MAX = 2 ** 30;

export interface PackEntry {
  /** Which pack file (pack-000.bin = 0). */
  pack: number;
  /** The image's byte length; 0 = not in the pack (unreadable or gone when it was copied). */
  length: number;
  /** Byte offset inside the pack file. */
  offset: number;
}

const TWO_32 = 2 ** 32;

/** Writes entry `e` at byte `at` of `view`. */
export function encodePackEntry(view: DataView, at: number, e: PackEntry): void {
  if (!Number.isSafeInteger(e.offset) || e.offset < 0) throw new RangeError(`bad pack offset ${e.offset}`);
  if (!(e.length >= 0 && e.length < TWO_32)) throw new RangeError(`bad pack length ${e.length}`);
  if (!(e.pack >= 0 && e.pack < TWO_32)) throw new RangeError(`bad pack number ${e.pack}`);
  view.setUint32(at, e.pack, true);
  view.setUint32(at + 4, e.length, true);
  view.setUint32(at + 8, e.offset % TWO_32, true);
  view.setUint32(at + 12, Math.floor(e.offset / TWO_32), true);
}

export function decodePackEntry(view: DataView, at = 0): PackEntry {
  return {
    pack: view.getUint32(at, true),
    length: view.getUint32(at + 4, true),
    offset: view.getUint32(at + 8, true) + view.getUint32(at + 12, true) * TWO_32,
  };
}

/** Where the next image goes: the end of the current pack file, or a new file when it would overflow. */
export interface PackCursor {
  pack: number;
  offset: number;
}

/** Places an image of `length` bytes at the cursor; returns its entry and the cursor after it. */
export function placeInPack(
  cursor: PackCursor,
  length: number,
  max = PACK_FILE_MAX,
): { entry: PackEntry; next: PackCursor } {
  // A file that is not empty starts over in the next one rather than cross the limit; an image
  // larger than the limit alone still gets a file of its own.
  const at =
    cursor.offset > 0 && cursor.offset + length > max ? { pack: cursor.pack + 1, offset: 0 } : cursor;
  return {
    entry: { pack: at.pack, length, offset: at.offset },
    next: { pack: at.pack, offset: at.offset + length },
  };
}

export function packFileName(pack: number): string {
  return `pack-${String(pack).padStart(3, '0')}.bin`;
}

export function packIndexName(split: 'train' | 'val'): string {
  return `${split}.idx`;
}

/** The OPFS folder (under the origin's root `packs/`) of a dataset's pack; ids may hold ':' or '/'. */
export function packDirName(datasetId: string): string {
  return encodeURIComponent(datasetId);
}

export interface PackPlan {
  images: number;
  /** Image bytes from the stored index, plus the index files. */
  bytes: number;
  /** Pack files it will take at most (PACK_FILE_MAX each). */
  packs: number;
  /** What the origin may still store (quota − usage), when the browser says. */
  free?: number;
  /** False when `bytes` exceeds what is free: the copy would stop with the quota message. */
  fits: boolean;
}

/**
 * The cost of a copy before it starts: bytes as the index recorded them (the copy reads exactly those
 * files), the index files, and the pack files they fill.
 */
export function planPack(
  imageBytes: number,
  images: number,
  estimate?: { usage?: number; quota?: number },
  max = PACK_FILE_MAX,
): PackPlan {
  const bytes = imageBytes + images * PACK_ENTRY_BYTES;
  const free =
    estimate?.quota !== undefined ? Math.max(0, estimate.quota - (estimate.usage ?? 0)) : undefined;
  return {
    images,
    bytes,
    packs: Math.max(1, Math.ceil(imageBytes / max)),
    free,
    fits: free === undefined || bytes <= free,
  };
}
