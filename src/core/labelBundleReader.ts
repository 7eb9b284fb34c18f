/**
 * A label bundle read as it streams, chunk by chunk, with the whole-file decoder's checks and messages
 * (decodeLabelBundle in labelBundle.ts, the reference it is tested against). Given the file's size up
 * front it finds every truncation where the whole-file decoder does, keeps a running CRC-32, and hands
 * out the header's images one by one (bundleHeaderScanner.ts), then each record, as events. It holds
 * per image only its index (4 bytes, plus 4 when the images are not ascending) and a bit, never the
 * header's image list or the records, so a bundle of any size reads in bounded memory.
 *
 * Failures the whole-file decoder reports only after the CRC (a header that is not JSON or not a
 * header, an image listed twice, a record with no image or two records) are kept and thrown when the
 * checksum has been confirmed, so both report the same first failure; after one is kept no further
 * events are emitted. A consumer must not act on events before `finish()` returns.
 */
import { crc32Update } from './crc32';
import { BundleHeaderScanner, HeaderSyntaxError } from './bundleHeaderScanner';
import {
  corrupt,
  LABEL_BUNDLE_END_MARK,
  LABEL_BUNDLE_MAGIC,
  LABEL_BUNDLE_PREFIX_BYTES,
  LABEL_BUNDLE_TRAILER_BYTES,
  LABEL_BUNDLE_VERSION,
  truncated,
  validateBundleImage,
  validateHeader,
  type BundleImage,
  type LabelBundleHeader,
} from './labelBundle';

export type LabelBundleEvent =
  /** images[position] of the header. */
  | { kind: 'image'; position: number; image: BundleImage }
  /** The header, its `images` empty (they came as events before it). */
  | { kind: 'header'; header: LabelBundleHeader }
  /** A record (a copy), with the header position of its image. */
  | { kind: 'record'; position: number; imageIndex: number; record: Uint8Array };

/** A growable array of u32. */
class U32s {
  a = new Uint32Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const grown = new Uint32Array(this.a.length * 2);
      grown.set(this.a);
      this.a = grown;
    }
    this.a[this.n++] = x;
  }
}

type Stage = 'prefix' | 'header' | 'entry' | 'length' | 'record' | 'trailer' | 'done';

export class LabelBundleReader {
  private offset = 0;
  private crc = 0;
  private stage: Stage = 'prefix';
  /** Bytes of the fixed-size field being read, and how many it needs. */
  private readonly fixed = new Uint8Array(LABEL_BUNDLE_PREFIX_BYTES);
  private fixedN = 0;
  private need: number;
  private headerEnd = 0;
  private scanner: BundleHeaderScanner;
  private events: LabelBundleEvent[] = [];
  /** The first failure the whole-file decoder reports after the CRC. */
  private kept: Error | undefined;
  private imageError: Error | undefined;
  private header: LabelBundleHeader | undefined;
  private readonly indices = new U32s();
  private ascending = true;
  /** Positions ordered by image index (absent while the images ascend: then position = rank). */
  private byIndex: Uint32Array | undefined;
  private hasRecord = new Uint8Array(0);
  private records = 0;
  private record: Uint8Array = new Uint8Array(0);
  private recordN = 0;
  private imageIndex = 0;
  private recordCount = 0;

  constructor(private readonly totalBytes: number) {
    this.need = Math.min(totalBytes, LABEL_BUNDLE_PREFIX_BYTES);
    this.scanner = new BundleHeaderScanner((value, i) => this.onImage(value, i));
    if (this.need === 0) this.checkPrefix();
  }

  /** Bytes read so far. */
  get bytesRead(): number {
    return this.offset;
  }

  /** Feeds the next bytes of the file; returns what they completed. Throws the decoder's errors. */
  feed(chunk: Uint8Array): LabelBundleEvent[] {
    if (this.offset + chunk.length > this.totalBytes)
      throw new Error(`label bundle reader: fed past the ${this.totalBytes} bytes it was told`);
    const crcEnd = this.totalBytes - 4;
    if (this.offset < crcEnd)
      this.crc = crc32Update(this.crc, chunk.subarray(0, Math.min(chunk.length, crcEnd - this.offset)));
    let j = 0;
    while (j < chunk.length) j += this.step(chunk, j);
    this.offset += chunk.length;
    return this.events.splice(0, this.events.length);
  }

  /** After the last chunk: the header (images empty) and the record count. */
  finish(): { header: LabelBundleHeader; records: number } {
    if (this.stage !== 'done')
      throw truncated(`the file ended after ${this.offset} of ${this.totalBytes} bytes`);
    return { header: this.header!, records: this.records };
  }

  /** Header position of the image with this index, or -1 (after the header). */
  positionOf(imageIndex: number): number {
    const { a, n } = this.indices;
    const order = this.byIndex;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = order ? a[order[mid]] : a[mid];
      if (at < imageIndex) lo = mid + 1;
      else hi = mid;
    }
    if (lo === n) return -1;
    const p = order ? order[lo] : lo;
    return a[p] === imageIndex ? p : -1;
  }

  /** The image index at a header position (after the header). */
  imageIndexAt(position: number): number {
    return this.indices.a[position];
  }

  /** Consumes bytes of `chunk` from `j` for the current stage; returns how many. */
  private step(chunk: Uint8Array, j: number): number {
    const at = this.offset + j;
    switch (this.stage) {
      case 'header': {
        const n = Math.min(chunk.length - j, this.headerEnd - at);
        if (!this.kept) {
          try {
            this.scanner.push(chunk.subarray(j, j + n));
          } catch (e) {
            this.keep(e);
          }
        }
        if (at + n === this.headerEnd) this.endHeader();
        return n;
      }
      case 'record': {
        const n = Math.min(chunk.length - j, this.record.length - this.recordN);
        this.record.set(chunk.subarray(j, j + n), this.recordN);
        this.recordN += n;
        if (this.recordN === this.record.length) this.endRecord(at + n);
        return n;
      }
      case 'done':
        throw new Error('label bundle reader: bytes after the end');
      default: {
        const n = Math.min(chunk.length - j, this.need - this.fixedN);
        this.fixed.set(chunk.subarray(j, j + n), this.fixedN);
        this.fixedN += n;
        if (this.fixedN === this.need) {
          this.fixedN = 0;
          this.endField(at + n);
        }
        return n;
      }
    }
  }

  private u32(at: number): number {
    return new DataView(this.fixed.buffer).getUint32(at, true);
  }

  private checkPrefix(): void {
    const total = this.totalBytes;
    const f = this.fixed;
    if (total >= 4) {
      const magic = String.fromCharCode(f[0], f[1], f[2], f[3]);
      if (magic !== LABEL_BUNDLE_MAGIC) {
        throw new Error(
          `not an FKD label bundle (magic '${magic.replace(/[^\x20-\x7e]/g, '?')}', expected 'FKDB')`,
        );
      }
    }
    const min = LABEL_BUNDLE_PREFIX_BYTES + LABEL_BUNDLE_TRAILER_BYTES;
    if (total < min) throw truncated(`${total} bytes, even an empty bundle has ${min}`);
    const dv = new DataView(f.buffer);
    const version = dv.getUint16(4, true);
    if (version !== LABEL_BUNDLE_VERSION) {
      throw new Error(
        `unsupported label bundle version ${version} (this build reads ${LABEL_BUNDLE_VERSION})`,
      );
    }
    const flags = dv.getUint16(6, true);
    if (flags !== 0) throw corrupt(`flags ${flags} (expected 0)`);
    const headerBytes = dv.getUint32(8, true);
    this.headerEnd = LABEL_BUNDLE_PREFIX_BYTES + headerBytes;
    if (this.headerEnd + LABEL_BUNDLE_TRAILER_BYTES > total) {
      throw truncated(`the ${headerBytes}-byte header does not fit in ${total} bytes`);
    }
    this.stage = 'header';
    if (headerBytes === 0) this.endHeader();
  }

  /** A fixed-size field ending at file offset `end` is complete. */
  private endField(end: number): void {
    const total = this.totalBytes;
    switch (this.stage) {
      case 'prefix':
        return this.checkPrefix();
      case 'entry': {
        this.imageIndex = this.u32(0);
        if (this.imageIndex === LABEL_BUNDLE_END_MARK) {
          const pos = end - 4;
          if (pos + LABEL_BUNDLE_TRAILER_BYTES > total) throw truncated('trailer cut off');
          const crcOffset = pos + 8;
          if (crcOffset + 4 < total) throw corrupt(`${total - crcOffset - 4} unexpected trailing bytes`);
          return this.expect('trailer', 8);
        }
        if (end + 4 > total) throw truncated(`record ${this.recordCount} entry cut off`);
        return this.expect('length', 4);
      }
      case 'length': {
        const len = this.u32(0);
        if (end + len > total) {
          throw truncated(
            `record ${this.recordCount} (image ${this.imageIndex}) needs ${len} bytes, ${total - end} left`,
          );
        }
        this.record = new Uint8Array(len);
        this.recordN = 0;
        this.stage = 'record';
        if (len === 0) this.endRecord(end);
        return;
      }
      case 'trailer':
        return this.endTrailer();
    }
  }

  private expect(stage: Stage, bytes: number): void {
    this.stage = stage;
    this.need = bytes;
    this.fixedN = 0;
  }

  /** Before an entry at file offset `pos`: room for its first field, or the end mark. */
  private nextEntry(pos: number): void {
    if (pos + 4 > this.totalBytes) throw truncated(`no end mark after ${this.recordCount} records`);
    this.expect('entry', 4);
  }

  private keep(e: unknown): void {
    if (this.kept) return;
    this.kept =
      e instanceof HeaderSyntaxError ? corrupt(`header is not valid JSON (${e.message})`) : (e as Error);
  }

  private onImage(value: unknown, i: number): void {
    if (this.imageError) return;
    try {
      validateBundleImage(value, i, (m) => corrupt(`header ${m}`));
    } catch (e) {
      this.imageError = e as Error;
      return;
    }
    const last = this.indices.n > 0 ? this.indices.a[this.indices.n - 1] : -1;
    if (value.index <= last) this.ascending = false;
    this.indices.push(value.index);
    this.events.push({ kind: 'image', position: i, image: value });
  }

  private endHeader(): void {
    if (!this.kept) {
      try {
        const header = this.scanner.finish();
        // As the whole-file decoder: the header's own fields first, then its images, then repeats.
        validateHeader(header, (m) => corrupt(`header ${m}`));
        if (this.imageError) throw this.imageError;
        this.indexImages();
        this.header = header;
        this.events.push({ kind: 'header', header });
      } catch (e) {
        this.keep(e);
      }
    }
    this.nextEntry(this.headerEnd);
  }

  private indexImages(): void {
    const { a, n } = this.indices;
    this.hasRecord = new Uint8Array(n);
    if (this.ascending) return;
    const order = new Uint32Array(n);
    for (let p = 0; p < n; p++) order[p] = p;
    order.sort((x, y) => a[x] - a[y] || x - y);
    for (let k = 1; k < n; k++)
      if (a[order[k]] === a[order[k - 1]]) throw corrupt('header lists an image index twice');
    this.byIndex = order;
  }

  /** The record ending at file offset `end` is complete. */
  private endRecord(end: number): void {
    const imageIndex = this.imageIndex;
    if (!this.kept) {
      const p = this.positionOf(imageIndex);
      if (p >= 0 && this.hasRecord[p]) this.keep(corrupt(`image ${imageIndex} has two records`));
      else if (p < 0)
        this.keep(corrupt(`record for image ${imageIndex} has no entry in the header's images`));
      else {
        this.hasRecord[p] = 1;
        this.events.push({ kind: 'record', position: p, imageIndex, record: this.record });
      }
    }
    this.record = new Uint8Array(0);
    this.recordCount++;
    this.nextEntry(end);
  }

  private endTrailer(): void {
    const stored = this.u32(4);
    if (stored !== this.crc >>> 0) {
      throw corrupt(
        `checksum mismatch (stored CRC-32 ${stored.toString(16).padStart(8, '0')}, ` +
          `computed ${(this.crc >>> 0).toString(16).padStart(8, '0')}): the file is damaged`,
      );
    }
    const count = this.u32(0);
    if (count !== this.recordCount) throw corrupt(`trailer says ${count} records, found ${this.recordCount}`);
    if (this.kept) throw this.kept;
    this.records = this.recordCount;
    this.stage = 'done';
  }
}
