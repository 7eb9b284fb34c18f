/** Bytes held as plain arrays before they are folded into the Blob (which the browser may keep on disk). */
const FOLD_BYTES = 16 << 20;

/**
 * A Blob built from chunks as they come: every few MiB the chunks so far are folded into a Blob, so
 * a large export never keeps its whole output as arrays in the worker's heap.
 */
export class BlobParts {
  private blob: Blob;
  private parts: Uint8Array[] = [];
  private held = 0;

  constructor(private readonly type: string) {
    this.blob = new Blob([], { type });
  }

  add(chunks: readonly Uint8Array[]): void {
    for (const c of chunks) {
      this.parts.push(c);
      this.held += c.byteLength;
    }
    if (this.held >= FOLD_BYTES) this.fold();
  }

  /** Everything added, as one Blob. */
  finish(): Blob {
    this.fold();
    return this.blob;
  }

  private fold(): void {
    this.blob = new Blob([this.blob, ...(this.parts as Uint8Array<ArrayBuffer>[])], { type: this.type });
    this.parts = [];
    this.held = 0;
  }
}
