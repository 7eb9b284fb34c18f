import { crc32Update } from './crc32';

/**
 * Bytes cut into chunks of `chunkBytes`, with a running CRC-32 of the bytes written with `checksum`:
 * what a streamed file's writer hands out as it goes, so no writer holds the whole file.
 */
export class CrcChunks {
  private buf: Uint8Array;
  private pos = 0;
  private sum = 0;
  private readonly out: Uint8Array[] = [];

  constructor(private readonly chunkBytes: number) {
    this.buf = new Uint8Array(chunkBytes);
  }

  get crc(): number {
    return this.sum;
  }

  write(bytes: Uint8Array, checksum = true): void {
    if (checksum) this.sum = crc32Update(this.sum, bytes);
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, this.buf.length - this.pos);
      this.buf.set(bytes.subarray(off, off + n), this.pos);
      this.pos += n;
      off += n;
      if (this.pos === this.buf.length) this.flush();
    }
  }

  /** Hands out the partly filled chunk too (at the end of the file). */
  flush(): void {
    if (this.pos === 0) return;
    this.out.push(this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos));
    this.buf = new Uint8Array(this.chunkBytes);
    this.pos = 0;
  }

  /** The chunks filled since the last call. */
  take(): Uint8Array[] {
    return this.out.splice(0, this.out.length);
  }
}
