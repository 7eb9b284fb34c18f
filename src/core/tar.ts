/**
 * Streaming tar reader and WebDataset sample grouping (docs/datasets.md, WebDataset shards).
 *
 * Reads ustar, pax ('x' per-entry headers for path/size, 'g' global headers ignored) and GNU ('L' long
 * names) archives from a ReadableStream, whatever its chunking. Memory is bounded by the largest entry
 * plus one chunk: entry data is copied straight into its own buffer and padding is skipped.
 *
 * Error policy: a bad header checksum or malformed field throws TarFormatError (the stream cannot be
 * resynchronised safely). A stream that ends early first yields every complete entry, then throws
 * TarTruncatedError, so a partly downloaded shard still gives its whole samples.
 */

export interface TarEntry {
  path: string;
  size: number;
  type: 'file' | 'directory' | 'other';
  /** Contents for files; empty for directories and other entry types. */
  data: Uint8Array;
  /**
   * Byte position in the stream of this entry's first header (a pax or GNU long-name header when it
   * has one), and of its data: a plain-tar member can be read again later from `headerAt` to
   * `dataAt + size` without streaming the archive up to it.
   */
  headerAt: number;
  dataAt: number;
}

export interface WdsSample {
  key: string;
  /** Lower-cased extension (everything after the first dot of the basename) → bytes. */
  files: Map<string, Uint8Array>;
  /** Extension → where its member lies in the stream (`TarEntry.headerAt` / `dataAt`). */
  spans: Map<string, { headerAt: number; dataAt: number }>;
}

export interface WdsProblem {
  key?: string;
  path?: string;
  reason: string;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

export class TarTruncatedError extends TarFormatError {
  constructor(
    readonly entriesRead: number,
    readonly missingBytes: number,
    detail = '',
  ) {
    super(`tar archive truncated after ${entriesRead} entries: expected ${missingBytes} more bytes${detail}`);
    this.name = 'TarTruncatedError';
  }
}

const BLOCK = 512;
const utf8 = new TextDecoder('utf-8');

/** Pulls chunks on demand and hands out exact byte counts across chunk boundaries. */
class ByteSource {
  private chunk: Uint8Array = new Uint8Array(0);
  private offset = 0;
  private done = false;
  /** Bytes consumed from the start of the stream (for error messages). */
  position = 0;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  private async next(): Promise<boolean> {
    while (!this.done && this.offset >= this.chunk.length) {
      const { value, done } = await this.reader.read();
      if (done) this.done = true;
      else {
        this.chunk = value;
        this.offset = 0;
      }
    }
    return this.offset < this.chunk.length;
  }

  /** Copy up to out.length bytes (or discard them when `out` is null); returns how many were available. */
  async read(out: Uint8Array | null, n = out?.length ?? 0): Promise<number> {
    let got = 0;
    while (got < n && (await this.next())) {
      const take = Math.min(n - got, this.chunk.length - this.offset);
      if (out) out.set(this.chunk.subarray(this.offset, this.offset + take), got);
      this.offset += take;
      got += take;
    }
    this.position += got;
    return got;
  }
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** Octal numeric field (NUL/space padded), or GNU base-256 when the high bit of the first byte is set. */
function numericField(bytes: Uint8Array, what: string, at: number): number {
  if (bytes[0] & 0x80) {
    if (bytes[0] === 0xff) throw new TarFormatError(`negative base-256 ${what} in header at byte ${at}`);
    let v = bytes[0] & 0x7f;
    for (let i = 1; i < bytes.length; i++) v = v * 256 + bytes[i];
    return v;
  }
  const text = String.fromCharCode(...bytes)
    .replace(/[\0 ]+$/, '')
    .replace(/^[\0 ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw new TarFormatError(`invalid ${what} field '${text}' in header at byte ${at}`);
  return parseInt(text, 8);
}

function checksumOk(h: Uint8Array, at: number): boolean {
  const stored = numericField(h.subarray(148, 156), 'checksum', at);
  // The checksum field counts as 8 spaces; some old writers summed signed bytes, accept both.
  let unsigned = 8 * 32;
  let signed = 8 * 32;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    unsigned += h[i];
    signed += h[i] > 127 ? h[i] - 256 : h[i];
  }
  return stored === unsigned || stored === signed;
}

/** Apply pax extended-header records ("<len> <key>=<value>\n") we care about: path and size. */
function parsePax(data: Uint8Array, pending: { path?: string; size?: number }, at: number): void {
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad with NULs
    const space = data.indexOf(0x20, pos);
    const len = space < 0 ? NaN : Number(String.fromCharCode(...data.subarray(pos, space)));
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
      throw new TarFormatError(`malformed pax record in header at byte ${at}`);
    }
    const kv = utf8.decode(data.subarray(space + 1, pos + len - 1));
    const eq = kv.indexOf('=');
    const key = kv.slice(0, eq);
    const value = kv.slice(eq + 1);
    if (key === 'path') pending.path = value;
    else if (key === 'size') {
      if (!/^\d+$/.test(value)) throw new TarFormatError(`invalid pax size '${value}' at byte ${at}`);
      pending.size = Number(value);
    }
    pos += len;
  }
}

/** Yield the entries of a tar stream in order; see the file comment for the error policy. */
export async function* readTar(stream: ReadableStream<Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = stream.getReader();
  const src = new ByteSource(reader);
  let entries = 0;
  let finished = false;
  let pending: { path?: string; size?: number } = {};
  let headerAt = -1; // first header of the entry being read (-1: none read yet)
  const readFully = async (n: number): Promise<Uint8Array> => {
    const buf = new Uint8Array(n);
    const got = await src.read(buf);
    if (got < n) throw new TarTruncatedError(entries, n - got);
    return buf;
  };
  const skipPadding = async (size: number) => {
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    const got = await src.read(null, pad);
    if (got < pad) throw new TarTruncatedError(entries, pad - got);
  };
  try {
    for (;;) {
      const at = src.position;
      if (headerAt < 0) headerAt = at;
      const h = new Uint8Array(BLOCK);
      const got = await src.read(h);
      if (got === 0) throw new TarTruncatedError(entries, 2 * BLOCK, ' (the end-of-archive marker)');
      if (got < BLOCK) throw new TarTruncatedError(entries, BLOCK - got);
      if (h.every((b) => b === 0)) {
        finished = true; // end-of-archive marker; what follows (second zero block, record padding) is unused
        return;
      }
      if (!checksumOk(h, at))
        throw new TarFormatError(`tar header checksum mismatch at byte ${at} (after ${entries} entries)`);
      const flag = String.fromCharCode(h[156]);
      const headerSize = numericField(h.subarray(124, 136), 'size', at);
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        const data = await readFully(headerSize);
        await skipPadding(headerSize);
        if (flag === 'x') parsePax(data, pending, at);
        else if (flag === 'L') pending.path ??= cString(data); // a pax path, if any, wins
        continue; // 'g' (global pax) and 'K' (GNU long link name) carry nothing we use
      }
      const posixUstar = h[257] === 0x75 && String.fromCharCode(...h.subarray(257, 263)) === 'ustar\0';
      const prefix = posixUstar ? cString(h.subarray(345, 500)) : ''; // GNU uses these bytes for other fields
      let path =
        pending.path ?? (prefix ? `${prefix}/${cString(h.subarray(0, 100))}` : cString(h.subarray(0, 100)));
      const size = pending.size ?? headerSize;
      pending = {};
      let type: TarEntry['type'] =
        flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : 'other';
      if (type === 'file' && flag === '\0' && path.endsWith('/')) type = 'directory'; // old V7 directories
      if (type === 'directory') path = path.replace(/\/+$/, '');
      let data: Uint8Array = new Uint8Array(0);
      const dataAt = src.position;
      const entryAt = headerAt;
      headerAt = -1;
      if (type === 'file') data = await readFully(size);
      else {
        const skipped = await src.read(null, size);
        if (skipped < size) throw new TarTruncatedError(entries, size - skipped);
      }
      entries += 1;
      yield { path, size: type === 'file' ? size : 0, type, data, headerAt: entryAt, dataAt };
      await skipPadding(size);
    }
  } finally {
    // Stop the producer when the consumer breaks early or the archive is bad.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function isMetadataName(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.startsWith('.') || base.startsWith('_');
}

/**
 * WebDataset key/extension split: the key is the path up to the first dot of the basename
 * (directories stay in the key), the extension the rest, lower-cased (`n01.seg.PNG` → `seg.png`).
 * Returns null for metadata files (basename starting with '.' or '_') and names without an extension.
 */
export function splitWdsName(path: string): { key: string; ext: string } | null {
  if (isMetadataName(path)) return null;
  const m = /^((?:.*\/|)[^./]+)\.([^/]+)$/.exec(path);
  return m ? { key: m[1], ext: m[2].toLowerCase() } : null;
}

/**
 * Group contiguous tar files into WebDataset samples. Problems are reported, not thrown, so one bad
 * file does not lose a shard: a name without an extension is skipped, a repeated extension within a
 * sample keeps the first file. On truncation the sample in progress is dropped (it may be missing
 * files) and reported, then the TarTruncatedError is rethrown.
 */
export async function* readWebDataset(
  stream: ReadableStream<Uint8Array>,
  onProblem?: (p: WdsProblem) => void,
): AsyncGenerator<WdsSample> {
  let cur: WdsSample | null = null;
  try {
    for await (const e of readTar(stream)) {
      if (e.type !== 'file' || isMetadataName(e.path)) continue;
      const name = splitWdsName(e.path);
      if (!name) {
        onProblem?.({ path: e.path, reason: 'file name has no extension; skipped' });
        continue;
      }
      if (cur && cur.key !== name.key) {
        const done: WdsSample = cur;
        cur = null;
        yield done;
      }
      cur ??= { key: name.key, files: new Map(), spans: new Map() };
      if (cur.files.has(name.ext)) {
        onProblem?.({
          key: name.key,
          path: e.path,
          reason: `duplicate extension '${name.ext}'; kept the first file`,
        });
        continue;
      }
      cur.files.set(name.ext, e.data);
      cur.spans.set(name.ext, { headerAt: e.headerAt, dataAt: e.dataAt });
    }
  } catch (err) {
    if (err instanceof TarTruncatedError && cur) {
      onProblem?.({ key: cur.key, reason: 'sample dropped: the archive is truncated inside it' });
    }
    throw err;
  }
  if (cur) yield cur;
}

/** A `.cls`-style ASCII integer (Python int() rules: surrounding whitespace, sign, digit underscores). */
export function parseCls(bytes: Uint8Array): number | null {
  const text = utf8.decode(bytes).trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(text)) return null;
  const v = Number(text.replace(/_/g, ''));
  return Number.isSafeInteger(v) ? v : null;
}
