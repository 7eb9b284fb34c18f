/**
 * Generation's label writer: encoded label records gathered into IndexedDB transactions of whole
 * records (each also advances the label set's counters), one transaction in flight while labelling
 * goes on. A failed write surfaces at the next flush or at close.
 */

export interface LabelWrite {
  imageIndex: number;
  record: Uint8Array;
}

/** Write a transaction at least every this many images or bytes. */
export const FLUSH_IMAGES = 64;
export const FLUSH_BYTES = 4 * 2 ** 20;

export class LabelWriter {
  private pending: LabelWrite[] = [];
  private pendingBytes = 0;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly write: (batch: LabelWrite[]) => Promise<unknown>,
    private readonly limits = { images: FLUSH_IMAGES, bytes: FLUSH_BYTES },
  ) {}

  /** Queues one image's record; starts a transaction when enough have gathered. */
  async add(imageIndex: number, record: Uint8Array): Promise<void> {
    this.pending.push({ imageIndex, record });
    this.pendingBytes += record.byteLength;
    if (this.pending.length >= this.limits.images || this.pendingBytes >= this.limits.bytes)
      await this.flush();
  }

  /** Waits for the transaction in flight, then starts one with what has gathered. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = this.write(batch);
    this.writing.catch(() => undefined); // surfaced by the next await of `writing`
  }

  /** Everything queued written (or the first failure thrown). */
  async close(): Promise<void> {
    await this.flush();
    await this.writing;
  }

  /** Waits for the transaction in flight, whatever its outcome (cleanup after a failure). */
  settle(): Promise<void> {
    return this.writing.then(
      () => undefined,
      () => undefined,
    );
  }
}
