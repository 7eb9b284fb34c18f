/**
 * FKD label bundle: one label set (settings, dataset description, per-image identity and every label
 * record) in a single file, so labels made once can be shared and imported onto another copy of the
 * dataset. The byte layout is specified in docs/label-bundle.md; keep the two in sync.
 *
 *   'FKDB' | u16 version | u16 flags | u32 headerBytes | UTF-8 JSON header
 *   then per record: u32 imageIndex | u32 byteLength | record bytes (an FKDL label record)
 *   then the trailer: u32 0xFFFFFFFF (end mark) | u32 recordCount | u32 CRC-32 of everything before it
 *
 * The writer never needs the record count or total size up front and emits bounded chunks, so a large
 * set streams into a Blob without one giant buffer. The reader checks structure (truncation), then the
 * CRC, then the header, and reports each failure with a message that says which.
 */
import type { LabelSetSettings } from './labelSettings';
import { LABEL_MIX_MODES } from './labelMix';
import { CODECS, PRECISIONS } from './softLabel';

import { crc32 } from './crc32';
import { CrcChunks } from './crcChunks';

export const LABEL_BUNDLE_MAGIC = 'FKDB';
export const LABEL_BUNDLE_VERSION = 1;
/** magic (4) + version (2) + flags (2) + headerBytes (4). */
export const LABEL_BUNDLE_PREFIX_BYTES = 12;
/** end mark (4) + recordCount (4) + crc32 (4). */
export const LABEL_BUNDLE_TRAILER_BYTES = 12;
/** imageIndex value that marks the end of the records (never a valid image index). */
export const LABEL_BUNDLE_END_MARK = 0xffffffff;
/** File name extension used by the studio. */
export const LABEL_BUNDLE_EXTENSION = '.fkdlabels';
/** Download name for a label set: its name made file-system safe, plus `.fkdlabels`. */
export function bundleFileName(set: { name: string }): string {
  const stem =
    set.name
      .replace(/[^\w.-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 80) || 'labels';
  return `${stem}${LABEL_BUNDLE_EXTENSION}`;
}
export const MAX_HEADER_BYTES = 0x7fffffff;

export interface BundleClass {
  index: number;
  name: string;
  wnid?: string;
}

/** Identity of one labelled image: where it is in the dataset, so another copy can be matched by path. */
export interface BundleImage {
  /** imageIndex of the record in the source dataset's train split. */
  index: number;
  path: string;
  classIndex: number;
  width?: number;
  height?: number;
}

export interface LabelBundleHeader {
  labelSet: {
    /** Id in the exporting studio (informative; an import gets a new id). */
    id: string;
    name: string;
    teacherId: string;
    settings: Omit<LabelSetSettings, 'reuseBoxesFrom'>;
    imagesTotal: number;
    createdAt: number;
  };
  /** C: every record's numClasses. */
  numClasses: number;
  dataset: {
    id: string;
    name: string;
    counts: { train: number; val: number };
    classes: BundleClass[];
  };
  /** One entry per record in the bundle (the train-split images that were labelled). */
  images: BundleImage[];
  /** Writer and time of export, informative. */
  exportedBy?: string;
  exportedAt?: number;
}

export interface BundleRecord {
  imageIndex: number;
  record: Uint8Array;
}

export interface DecodedLabelBundle {
  version: number;
  header: LabelBundleHeader;
  /** In file order; each record is a copy (safe to store without keeping the whole file alive). */
  records: BundleRecord[];
}

// ---- Writer ----

export function checkU32(name: string, v: number, max = 0xfffffffe): void {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new Error(`label bundle: ${name} ${v} is not in 0..${max}`);
}

/** The bundle's fixed prefix: magic, version, a reserved zero, then the header's length in bytes. */
export function bundlePrefix(headerBytes: number): Uint8Array {
  const prefix = new Uint8Array(LABEL_BUNDLE_PREFIX_BYTES);
  const dv = new DataView(prefix.buffer);
  for (let i = 0; i < 4; i++) prefix[i] = LABEL_BUNDLE_MAGIC.charCodeAt(i);
  dv.setUint16(4, LABEL_BUNDLE_VERSION, true);
  dv.setUint16(6, 0, true);
  dv.setUint32(8, headerBytes, true);
  return prefix;
}

/**
 * Incremental writer: `push` records as they are read (any order, each imageIndex once), collect the
 * chunks it returns, then the chunks of `finish()`. Chunks are at most `chunkBytes` long unless a single
 * header is longer; their concatenation is the bundle.
 */
export class LabelBundleWriter {
  private readonly chunks: CrcChunks;
  private count = 0;
  private finished = false;
  private readonly seen = new Set<number>();

  constructor(header: LabelBundleHeader, chunkBytes = 1 << 20) {
    if (!(chunkBytes >= 64)) throw new Error(`label bundle: chunkBytes ${chunkBytes} < 64`);
    validateHeader(header, (m) => new Error(`label bundle: invalid header: ${m}`));
    const json = new TextEncoder().encode(JSON.stringify(header));
    if (json.length > MAX_HEADER_BYTES) throw new Error('label bundle: header too large');
    this.chunks = new CrcChunks(chunkBytes);
    this.write(bundlePrefix(json.length));
    this.write(json);
  }

  /** Appends one record; returns the chunks that became full (possibly none). */
  push(imageIndex: number, record: Uint8Array): Uint8Array[] {
    if (this.finished) throw new Error('label bundle: push after finish');
    checkU32('imageIndex', imageIndex);
    if (!(record instanceof Uint8Array))
      throw new Error(`label bundle: record ${imageIndex} is not a Uint8Array`);
    checkU32('record byteLength', record.byteLength);
    if (this.seen.has(imageIndex)) throw new Error(`label bundle: image ${imageIndex} written twice`);
    this.seen.add(imageIndex);
    const entry = new Uint8Array(8);
    const dv = new DataView(entry.buffer);
    dv.setUint32(0, imageIndex, true);
    dv.setUint32(4, record.byteLength, true);
    this.write(entry);
    this.write(record);
    this.count++;
    return this.take();
  }

  /** Writes the trailer and returns the remaining chunks. */
  finish(): Uint8Array[] {
    if (this.finished) throw new Error('label bundle: finish called twice');
    this.finished = true;
    const tail = new Uint8Array(8);
    const dv = new DataView(tail.buffer);
    dv.setUint32(0, LABEL_BUNDLE_END_MARK, true);
    dv.setUint32(4, this.count, true);
    this.write(tail);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, this.chunks.crc, true);
    this.write(crc, false);
    this.chunks.flush();
    return this.chunks.take();
  }

  get recordCount(): number {
    return this.count;
  }

  private write(bytes: Uint8Array, checksum = true): void {
    this.chunks.write(bytes, checksum);
  }

  private take(): Uint8Array[] {
    return this.chunks.take();
  }
}

/** Whole bundle as chunks (concatenate, or pass to `new Blob(chunks)`). */
export function encodeLabelBundle(
  header: LabelBundleHeader,
  records: Iterable<BundleRecord>,
  chunkBytes?: number,
): Uint8Array[] {
  const w = new LabelBundleWriter(header, chunkBytes);
  const out: Uint8Array[] = [];
  for (const { imageIndex, record } of records) out.push(...w.push(imageIndex, record));
  out.push(...w.finish());
  return out;
}

// ---- Reader ----

export function truncated(msg: string): Error {
  return new Error(`label bundle truncated: ${msg}`);
}

export function corrupt(msg: string): Error {
  return new Error(`label bundle corrupt: ${msg}`);
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, lo = 0, hi = Number.MAX_SAFE_INTEGER): v is number =>
  Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;

/** Throws fail(message) unless `h` has the shape of a LabelBundleHeader. */
export function validateHeader(h: unknown, fail: (m: string) => Error): asserts h is LabelBundleHeader {
  if (!isObj(h)) throw fail('not an object');
  const ls = h.labelSet;
  if (!isObj(ls)) throw fail('labelSet missing');
  for (const f of ['id', 'name', 'teacherId'] as const)
    if (typeof ls[f] !== 'string') throw fail(`labelSet.${f} missing`);
  const s = ls.settings;
  if (!isObj(s)) throw fail('labelSet.settings missing');
  if (!isInt(s.numCrops, 1, 0xffffffff)) throw fail('settings.numCrops invalid');
  if (!CODECS.some((c) => c === s.codec)) throw fail(`settings.codec ${String(s.codec)} unknown`);
  if (!PRECISIONS.some((p) => p === s.precision))
    throw fail(`settings.precision ${String(s.precision)} unknown`);
  if (!isInt(s.k, 0, 65536)) throw fail('settings.k invalid');
  if (s.labelMix !== undefined && !LABEL_MIX_MODES.some((m) => m === s.labelMix))
    throw fail(`settings.labelMix ${String(s.labelMix)} unknown`);
  for (const f of ['temperature', 'seed', 'inputSize'] as const)
    if (typeof s[f] !== 'number' || !Number.isFinite(s[f])) throw fail(`settings.${f} invalid`);
  for (const f of ['scale', 'ratio'] as const) {
    const v = s[f];
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number'))
      throw fail(`settings.${f} invalid`);
  }
  if (!isInt(ls.imagesTotal)) throw fail('labelSet.imagesTotal invalid');
  if (typeof ls.createdAt !== 'number') throw fail('labelSet.createdAt invalid');
  if (!isInt(h.numClasses, 2, 65536)) throw fail(`numClasses ${String(h.numClasses)} not in 2..65536`);
  const d = h.dataset;
  if (!isObj(d)) throw fail('dataset missing');
  if (typeof d.id !== 'string' || typeof d.name !== 'string') throw fail('dataset.id/name missing');
  if (!isObj(d.counts) || !isInt(d.counts.train) || !isInt(d.counts.val))
    throw fail('dataset.counts invalid');
  if (!Array.isArray(d.classes)) throw fail('dataset.classes missing');
  d.classes.forEach((c: unknown, i) => {
    if (
      !isObj(c) ||
      !isInt(c.index) ||
      typeof c.name !== 'string' ||
      (c.wnid !== undefined && typeof c.wnid !== 'string')
    )
      throw fail(`dataset.classes[${i}] invalid`);
  });
  if (!Array.isArray(h.images)) throw fail('images missing');
  h.images.forEach((im: unknown, i) => validateBundleImage(im, i, fail));
}

/** Throws fail(message) unless `im`, the header's `images[i]`, has the shape of a BundleImage. */
export function validateBundleImage(
  im: unknown,
  i: number,
  fail: (m: string) => Error,
): asserts im is BundleImage {
  if (!isObj(im) || !isInt(im.index, 0, 0xfffffffe) || typeof im.path !== 'string' || !isInt(im.classIndex))
    throw fail(`images[${i}] invalid`);
  for (const f of ['width', 'height'] as const)
    if (im[f] !== undefined && !isInt(im[f], 1)) throw fail(`images[${i}].${f} invalid`);
}

/**
 * Parses and verifies a whole bundle. Errors start with "not an FKD label bundle", "unsupported label
 * bundle version", "label bundle truncated" or "label bundle corrupt" (checksum mismatch, bad header,
 * trailing bytes, duplicate images, records without an identity in the header).
 */
export function decodeLabelBundle(bytes: Uint8Array): DecodedLabelBundle {
  const min = LABEL_BUNDLE_PREFIX_BYTES + LABEL_BUNDLE_TRAILER_BYTES;
  if (bytes.length >= 4) {
    const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
    if (magic !== LABEL_BUNDLE_MAGIC) {
      throw new Error(
        `not an FKD label bundle (magic '${magic.replace(/[^\x20-\x7e]/g, '?')}', expected 'FKDB')`,
      );
    }
  }
  if (bytes.length < min) throw truncated(`${bytes.length} bytes, even an empty bundle has ${min}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(4, true);
  if (version !== LABEL_BUNDLE_VERSION) {
    throw new Error(`unsupported label bundle version ${version} (this build reads ${LABEL_BUNDLE_VERSION})`);
  }
  const flags = dv.getUint16(6, true);
  if (flags !== 0) throw corrupt(`flags ${flags} (expected 0)`);
  const headerBytes = dv.getUint32(8, true);
  const headerEnd = LABEL_BUNDLE_PREFIX_BYTES + headerBytes;
  if (headerEnd + LABEL_BUNDLE_TRAILER_BYTES > bytes.length) {
    throw truncated(`the ${headerBytes}-byte header does not fit in ${bytes.length} bytes`);
  }

  // Walk the entries up to the end mark (bounds only; the CRC is checked before anything is trusted).
  const spans: { imageIndex: number; start: number; end: number }[] = [];
  let pos = headerEnd;
  for (;;) {
    if (pos + 4 > bytes.length) throw truncated(`no end mark after ${spans.length} records`);
    const imageIndex = dv.getUint32(pos, true);
    if (imageIndex === LABEL_BUNDLE_END_MARK) break;
    if (pos + 8 > bytes.length) throw truncated(`record ${spans.length} entry cut off`);
    const len = dv.getUint32(pos + 4, true);
    const start = pos + 8;
    if (start + len > bytes.length) {
      throw truncated(
        `record ${spans.length} (image ${imageIndex}) needs ${len} bytes, ${bytes.length - start} left`,
      );
    }
    spans.push({ imageIndex, start, end: start + len });
    pos = start + len;
  }
  if (pos + LABEL_BUNDLE_TRAILER_BYTES > bytes.length) throw truncated('trailer cut off');
  const crcOffset = pos + 8;
  if (crcOffset + 4 < bytes.length)
    throw corrupt(`${bytes.length - crcOffset - 4} unexpected trailing bytes`);
  const stored = dv.getUint32(crcOffset, true);
  const actual = crc32(bytes.subarray(0, crcOffset));
  if (stored !== actual) {
    throw corrupt(
      `checksum mismatch (stored CRC-32 ${stored.toString(16).padStart(8, '0')}, ` +
        `computed ${actual.toString(16).padStart(8, '0')}): the file is damaged`,
    );
  }
  const count = dv.getUint32(pos + 4, true);
  if (count !== spans.length) throw corrupt(`trailer says ${count} records, found ${spans.length}`);

  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(LABEL_BUNDLE_PREFIX_BYTES, headerEnd)),
    );
  } catch (e) {
    throw corrupt(`header is not valid JSON (${(e as Error).message})`);
  }
  validateHeader(header, (m) => corrupt(`header ${m}`));
  const identities = new Set(header.images.map((im) => im.index));
  if (identities.size !== header.images.length) throw corrupt('header lists an image index twice');

  const seen = new Set<number>();
  const records = spans.map(({ imageIndex, start, end }) => {
    if (seen.has(imageIndex)) throw corrupt(`image ${imageIndex} has two records`);
    seen.add(imageIndex);
    if (!identities.has(imageIndex))
      throw corrupt(`record for image ${imageIndex} has no entry in the header's images`);
    return { imageIndex, record: bytes.slice(start, end) };
  });
  return { version, header, records };
}

/** Concatenates chunks (tests, small bundles). */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
