/**
 * Forward cursors over WebDataset shards, for readers that walk a shard in order (generation, which
 * pages through the index). A slice per image (readShardMember) serves any order, but each slice is a
 * separate read of the file, and Chrome's browser process keeps about 1 KB for every read it serves;
 * one stream per shard reads it sequentially and keeps nothing per image. A request is served from a
 * cursor when it lies a few samples past the last one claimed from it; a cursor opens when a request
 * steps a few samples past the request before it in the same shard, near the shard's start. So an
 * in-order walk streams each shard once (its first image a slice), and random reads are slices.
 * Requests issued together (a decode-ahead keeps several in flight) are chained in order.
 */
import { readWebDataset, type WdsSample } from '../core/tar';
import { sampleImage } from './openItem';
import type { DatasetItem } from './types';

/** How far past the last claimed sample a request may be and still be streamed to (skipped samples are read). */
export const CURSOR_REACH = 8;
/** A cursor opens only for a sample this close to its shard's start (the stream reads every sample before it). */
export const CURSOR_OPEN_WITHIN = 64;
/** Shards streamed at once; the oldest is closed when another opens. */
export const CURSORS_KEPT = 2;

interface Cursor {
  samples: AsyncGenerator<WdsSample>;
  /** Ordinal of the next sample the stream yields. */
  next: number;
  /** Highest ordinal a request has claimed (requests are served in the order they claimed). */
  claimed: number;
  /** The chain requests wait on. */
  tail: Promise<unknown>;
}

export class ShardCursors {
  private cursors = new Map<string, Cursor>();
  private last: { shard: string; ordinal: number } | undefined;

  constructor(private readonly open: (shard: string) => Promise<Blob>) {}

  /**
   * The item's image bytes from a cursor (not wrapped in a Blob: data/imageInput.ts), or null when the
   * item is not a short step forward from one (the caller reads a slice instead). Throws like
   * readShardItems when the shard no longer matches.
   */
  take(item: DatasetItem): Promise<Uint8Array<ArrayBuffer>> | null {
    const shard = item.shard;
    const ordinal = item.offset;
    if (shard === undefined || ordinal === undefined) return null;
    const prev = this.last;
    this.last = { shard, ordinal };
    let c = this.cursors.get(shard);
    if (!c || !(ordinal > c.claimed && ordinal - c.claimed <= CURSOR_REACH)) {
      // Open one only when this request steps a little past the one before it in the same shard,
      // and near enough the shard's start that streaming up to it costs less than the slices.
      const stepping =
        prev?.shard === shard &&
        ordinal > prev.ordinal &&
        ordinal - prev.ordinal <= CURSOR_REACH &&
        ordinal < CURSOR_OPEN_WITHIN;
      if (!stepping) return null;
      if (c) this.close(shard);
      c = { samples: this.stream(shard), next: 0, claimed: -1, tail: Promise.resolve() };
      this.cursors.set(shard, c);
      while (this.cursors.size > CURSORS_KEPT) this.close(this.cursors.keys().next().value!);
    }
    c.claimed = ordinal;
    const cursor = c;
    const read = cursor.tail.catch(() => undefined).then(() => this.advance(shard, cursor, item, ordinal));
    cursor.tail = read;
    return read;
  }

  private async *stream(shard: string): AsyncGenerator<WdsSample> {
    yield* readWebDataset((await this.open(shard)).stream());
  }

  private async advance(
    shard: string,
    c: Cursor,
    item: DatasetItem,
    ordinal: number,
  ): Promise<Uint8Array<ArrayBuffer>> {
    try {
      while (c.next <= ordinal) {
        const r = await c.samples.next();
        if (r.done)
          throw new Error(`shard ${shard} changed since indexing: it ended before sample ${ordinal}`);
        if (c.next++ === ordinal) return sampleImage(r.value, item, ordinal);
      }
      throw new Error(`shard ${shard}: sample ${ordinal} was already read past`);
    } catch (e) {
      if (this.cursors.get(shard) === c) this.close(shard);
      throw e;
    }
  }

  private close(shard: string): void {
    const c = this.cursors.get(shard);
    if (!c) return;
    this.cursors.delete(shard);
    // After the requests already chained on it; a stream cut mid-shard just stops reading.
    void c.tail
      .catch(() => undefined)
      .then(() => c.samples.return(undefined))
      .catch(() => undefined);
  }
}
