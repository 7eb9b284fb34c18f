/**
 * Image decoding off the model's thread. The worker that runs tfjs (teacher or trainer) hands each
 * image's Blob to a small pool of decode workers and gets RGBA back by transfer, so decoding overlaps
 * the model's compute instead of interrupting it: the teacher/trainer thread only awaits finished
 * pixels. This is what DataLoader workers do for the reference code.
 *
 * Pool size: hardwareConcurrency - 2, at least 1, at most 4: with the model's own thread, a job keeps
 * at most hardwareConcurrency - 1 threads busy and leaves a core to the page, whose tasks otherwise
 * wait their turn behind them (docs/results.md, bench:ui). Two decode workers keep 2 cores busier (part
 * of each image is waiting: the file read, the decoder's thread pool, the transfer back; measured:
 * docs/results.md, bench:train), at the cost of the page's responsiveness there. Where workers cannot be created (Node tests, a context without nested
 * workers) or a decode worker crashes, images are decoded inline: the same function, the same result,
 * only on this thread.
 */
import { cpuSlotsToShare } from './cpuSlots';
import { decodeImage, type DecodedPixels, type DecodeFailure, type DecodeOptions } from './decode';

export interface DecodeRequest {
  id: number;
  blob: Blob;
  opts: DecodeOptions;
  /** The sender's CPU budget (data/cpuSlots.ts), which the decode worker's decodes share. */
  slots: number;
}
export type DecodeReply =
  { id: number; result: DecodedPixels | DecodeFailure } | { id: number; crash: string };

type Pending = {
  resolve: (r: DecodedPixels | DecodeFailure) => void;
  blob: Blob;
  opts: DecodeOptions;
};

interface Slot {
  worker: Worker;
  /** Request ids sent to this worker and not answered yet. */
  ids: Set<number>;
}

export function decodePoolSize(hardwareConcurrency: number | undefined): number {
  return Math.max(1, Math.min(4, (hardwareConcurrency ?? 2) - 2));
}

/**
 * Decodes on this thread what a worker could not. Always settles: a file deleted or changed after it
 * was opened fails to read here too, and an unsettled promise would hang the whole job.
 */
function inline(p: Pending): void {
  decodeImage(p.blob, p.opts).then(p.resolve, (e: unknown) =>
    p.resolve({
      error: `unreadable (changed or deleted while being read?): ${e instanceof Error ? e.message : String(e)}`,
    }),
  );
}

export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(size: number, spawn: () => Worker) {
    for (let i = 0; i < size; i++) {
      const worker = spawn();
      const slot: Slot = { worker, ids: new Set() };
      worker.onmessage = (e: MessageEvent<DecodeReply>) => this.reply(slot, e.data);
      // A worker that dies takes its images with it: decode those inline and stop using it.
      worker.onerror = () => this.retire(slot);
      this.slots.push(slot);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  decode(blob: Blob, opts: DecodeOptions = {}): Promise<DecodedPixels | DecodeFailure> {
    if (this.slots.length === 0) return decodeImage(blob, opts);
    const slot = this.slots.reduce((a, b) => (b.ids.size < a.ids.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, blob, opts });
      slot.ids.add(id);
      slot.worker.postMessage({ id, blob, opts, slots: cpuSlotsToShare() } satisfies DecodeRequest);
    });
  }

  private reply(slot: Slot, msg: DecodeReply): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    slot.ids.delete(msg.id);
    if ('crash' in msg) inline(p);
    else p.resolve(msg.result);
  }

  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    slot.worker.terminate();
    for (const id of slot.ids) {
      const p = this.pending.get(id);
      if (!p) continue;
      this.pending.delete(id);
      inline(p);
    }
  }

  dispose(): void {
    for (const s of [...this.slots]) this.retire(s);
  }
}

let shared: DecodePool | null | undefined;

/** This thread's pool, created on first use; null where no worker can be spawned. */
function sharedPool(): DecodePool | null {
  if (shared !== undefined) return shared;
  shared = null;
  const g = globalThis as { Worker?: typeof Worker; navigator?: { hardwareConcurrency?: number } };
  if (typeof g.Worker !== 'function' || typeof document !== 'undefined') return shared;
  try {
    shared = new DecodePool(
      decodePoolSize(g.navigator?.hardwareConcurrency),
      () => new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module', name: 'decode' }),
    );
  } catch {
    shared = null;
  }
  return shared;
}

/** decodeImage, run by the decode pool when there is one. */
export function decodeOffThread(
  blob: Blob,
  opts: DecodeOptions = {},
): Promise<DecodedPixels | DecodeFailure> {
  const pool = sharedPool();
  return pool ? pool.decode(blob, opts) : decodeImage(blob, opts);
}
