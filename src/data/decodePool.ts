/**
 * Image decoding off the model's thread. The worker that runs tfjs (teacher or trainer) hands each
 * image (its bytes, or a folder's File: data/imageInput.ts) to a small pool of decode workers and gets
 * RGBA back by transfer, so decoding overlaps the model's compute instead of interrupting it: the
 * teacher/trainer thread only awaits finished pixels. This is what DataLoader workers do for the
 * reference code.
 *
 * Pool size: hardwareConcurrency - 2, at least 1, at most 4: with the model's own thread, a job keeps
 * at most hardwareConcurrency - 1 threads busy and leaves a core to the page, whose tasks otherwise
 * wait their turn behind them (docs/results.md, bench:ui). Two decode workers keep 2 cores busier (part
 * of each image is waiting: the file read, the decoder's thread pool, the transfer back; measured:
 * docs/results.md, bench:train), at the cost of the page's responsiveness there. Where workers cannot be created (Node tests, a context without nested
 * workers) or a decode worker crashes, images are decoded inline: the same function, the same result,
 * only on this thread.
 *
 * Bytes go to a decode worker by transfer: their buffer moves, with no copy and no Blob (a Blob would
 * cost an entry in the browser process's blob registry per image), so the sender must not use them
 * afterwards. An inline decode after a crash needs them back: a worker whose decode threw hands the
 * bytes back with its crash reply, and a worker that has not answered yet (one that may never have
 * started: a script that fails to load dies with everything sent to it) gets a copy instead, the
 * sender keeping the original until the reply. A Blob (a folder's File) is posted as it is.
 */
import { cpuSlotsToShare } from './cpuSlots';
import { decodeImage, type DecodedPixels, type DecodeFailure, type DecodeOptions } from './decode';
import { isImageBytes, type ImageInput } from './imageInput';

export interface DecodeRequest {
  id: number;
  input: ImageInput;
  opts: DecodeOptions;
  /** The sender's CPU budget (data/cpuSlots.ts), which the decode worker's decodes share. */
  slots: number;
}
export type DecodeReply =
  | { id: number; result: DecodedPixels | DecodeFailure }
  /** The decode threw; `input` is the request's bytes handed back (absent for a Blob, which was not moved). */
  | { id: number; crash: string; input?: Uint8Array<ArrayBuffer> };

type Pending = {
  resolve: (r: DecodedPixels | DecodeFailure) => void;
  /** What to decode inline should the worker fail; null once the bytes were transferred to it. */
  input: ImageInput | null;
  opts: DecodeOptions;
};

interface Slot {
  worker: Worker;
  /** Request ids sent to this worker and not answered yet. */
  ids: Set<number>;
  /** The worker has answered a request, so its script loaded and runs: bytes are moved to it, not copied. */
  answered: boolean;
}

/**
 * What to post for `input` and what to keep for an inline retry. A Blob is posted as it is (not moved,
 * so it is kept). Bytes are moved to a worker that has answered (a throwing decode hands them back);
 * a worker that has not yet gets a copy of exactly the image, moved, and the original is kept. Bytes
 * that are a view into a larger buffer are copied too: moving the buffer would take the rest of it.
 */
function toPost(
  input: ImageInput,
  answered: boolean,
): { post: ImageInput; transfer: Transferable[]; keep: ImageInput | null } {
  if (!isImageBytes(input)) return { post: input, transfer: [], keep: input };
  const ownBuffer = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength;
  if (answered && ownBuffer) return { post: input, transfer: [input.buffer], keep: null };
  const copy = input.slice();
  return { post: copy, transfer: [copy.buffer], keep: input };
}

export function decodePoolSize(hardwareConcurrency: number | undefined): number {
  return Math.max(1, Math.min(4, (hardwareConcurrency ?? 2) - 2));
}

/**
 * Decodes on this thread what a worker could not. Always settles: a file deleted or changed after it
 * was opened fails to read here too, and an unsettled promise would hang the whole job.
 */
function inline(p: Pending, input: ImageInput | null | undefined = p.input): void {
  if (!input) {
    // Bytes moved to a worker that then died without a word: only an answering worker failing (its
    // decodes catch their own errors), where there is nothing left on this thread to decode.
    p.resolve({ error: 'decode worker stopped with the image in flight (its bytes went with it)' });
    return;
  }
  decodeImage(input, p.opts).then(p.resolve, (e: unknown) =>
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
      const slot: Slot = { worker, ids: new Set(), answered: false };
      worker.onmessage = (e: MessageEvent<DecodeReply>) => this.reply(slot, e.data);
      // A worker that dies takes its images with it: decode those inline (what was kept of them) and
      // stop using it.
      worker.onerror = () => this.retire(slot);
      this.slots.push(slot);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** Decodes `input`; bytes are the pool's from here on (their buffer may be transferred). */
  decode(input: ImageInput, opts: DecodeOptions = {}): Promise<DecodedPixels | DecodeFailure> {
    if (this.slots.length === 0) return decodeImage(input, opts);
    const slot = this.slots.reduce((a, b) => (b.ids.size < a.ids.size ? b : a));
    const id = this.nextId++;
    const { post, transfer, keep } = toPost(input, slot.answered);
    return new Promise((resolve) => {
      const p: Pending = { resolve, input: keep, opts };
      this.pending.set(id, p);
      slot.ids.add(id);
      try {
        slot.worker.postMessage(
          { id, input: post, opts, slots: cpuSlotsToShare() } satisfies DecodeRequest,
          transfer,
        );
      } catch {
        // Not sent (nothing was moved then): decoded here rather than left pending for ever.
        this.pending.delete(id);
        slot.ids.delete(id);
        inline(p, input);
      }
    });
  }

  private reply(slot: Slot, msg: DecodeReply): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    slot.ids.delete(msg.id);
    slot.answered = true;
    if ('crash' in msg) inline(p, p.input ?? msg.input);
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

/**
 * decodeImage, run by the decode pool when there is one. Bytes passed here are the pool's: the caller
 * must not use them afterwards (their buffer may have moved to a decode worker).
 */
export function decodeOffThread(
  input: ImageInput,
  opts: DecodeOptions = {},
): Promise<DecodedPixels | DecodeFailure> {
  const pool = sharedPool();
  return pool ? pool.decode(input, opts) : decodeImage(input, opts);
}
