/** Bytes held as plain arrays before they are folded into the Blob (which the browser may keep on disk). */
const FOLD_BYTES = 16 << 20;
/** Small chunks (a zip's per-file headers) are packed into pieces this large: a Blob of many tiny parts costs per part. */
const PIECE_BYTES = 1 << 20;

/**
 * A Blob built from chunks as they come: small chunks are packed into 1 MiB pieces and every few MiB the
 * pieces are folded into a Blob, so a large export never keeps its whole output as arrays in the heap.
 */
export class BlobParts {
  private blob: Blob;
  private parts: Uint8Array[] = [];
  private held = 0;
  private piece = new Uint8Array(PIECE_BYTES);
  private used = 0;

  constructor(private readonly type: string) {
    this.blob = new Blob([], { type });
  }

  add(chunks: readonly Uint8Array[]): void {
    for (const c of chunks) {
      if (c.byteLength >= PIECE_BYTES / 16) {
        this.endPiece();
        this.parts.push(c);
      } else {
        if (this.used + c.byteLength > PIECE_BYTES) this.endPiece();
        this.piece.set(c, this.used);
        this.used += c.byteLength;
      }
      this.held += c.byteLength;
    }
    if (this.held >= FOLD_BYTES) this.fold();
  }

  /** Everything added, as one Blob. */
  finish(): Blob {
    this.fold();
    return this.blob;
  }

  private endPiece(): void {
    if (this.used === 0) return;
    this.parts.push(this.piece.slice(0, this.used));
    this.used = 0;
  }

  private fold(): void {
    this.endPiece();
    this.blob = new Blob([this.blob, ...(this.parts as Uint8Array<ArrayBuffer>[])], { type: this.type });
    this.parts = [];
    this.held = 0;
  }
}
