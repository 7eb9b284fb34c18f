/**
 * Bounded, order-preserving prefetch: keeps up to `depth` items being produced ahead of the one
 * the consumer holds, so decode / IndexedDB reads overlap device work without unbounded memory.
 *
 * - Thunks (any iterable of them, pulled lazily) run concurrently, up to depth at once: for
 *   independent loads (decode image i, load step g).
 * - An AsyncIterable is pulled one next() at a time (iterators generally do not support
 *   concurrent next()), but up to depth results ahead of the consumer.
 * An error surfaces at the position where it happened; an abort rejects the pending read with
 * signal.reason; breaking out of the loop stops pulling and closes the source. Items produced ahead
 * and never handed out (break, error, abort) go to `discard` once they settle, so what they hold
 * (tensors, pixels) can be freed.
 */

export interface PrefetchOptions<T> {
  signal?: AbortSignal;
  /** Called with every item that was produced but never handed to the consumer. */
  discard?: (item: T) => void;
}

export function prefetch<T>(
  source: AsyncIterable<T> | Iterable<() => Promise<T>>,
  depth: number,
  opts: PrefetchOptions<T> = {},
): AsyncGenerator<T, void, undefined> {
  if (!Number.isInteger(depth) || depth < 1)
    throw new RangeError(`prefetch depth must be an integer >= 1, got ${depth}`);
  return Symbol.asyncIterator in source ? fromIterable(source, depth, opts) : fromThunks(source, depth, opts);
}

async function* fromThunks<T>(
  thunks: Iterable<() => Promise<T>>,
  depth: number,
  { signal, discard }: PrefetchOptions<T>,
): AsyncGenerator<T, void, undefined> {
  const it = thunks[Symbol.iterator]();
  const inflight: Promise<T>[] = [];
  let exhausted = false;
  const fill = (): void => {
    while (!exhausted && inflight.length < depth) {
      const r = it.next();
      if (r.done) {
        exhausted = true;
        return;
      }
      const p = Promise.resolve().then(r.value);
      p.catch(() => {}); // observed later, in order; avoid unhandled-rejection noise meanwhile
      inflight.push(p);
    }
  };
  try {
    signal?.throwIfAborted();
    fill();
    while (inflight.length > 0) {
      // Shifted only once settled, so an abort leaves it in `inflight` to be discarded.
      const value = await abortable(inflight[0], signal);
      inflight.shift();
      fill();
      yield value;
    }
  } finally {
    for (const p of inflight.splice(0)) if (discard) p.then(discard, () => {});
  }
}

async function* fromIterable<T>(
  source: AsyncIterable<T>,
  depth: number,
  { signal, discard }: PrefetchOptions<T>,
): AsyncGenerator<T, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  let tail: Promise<IteratorResult<T>> | null = null;
  // Each pull starts when the previous one has settled; after done or an error, pulls settle as done.
  const pull = (): Promise<IteratorResult<T>> => {
    const prev = tail;
    const p: Promise<IteratorResult<T>> =
      prev === null
        ? it.next()
        : prev.then(
            (r) => (r.done ? r : it.next()),
            () => ({ done: true, value: undefined }),
          );
    p.catch(() => {});
    tail = p;
    return p;
  };
  let finished = false;
  const buf: Promise<IteratorResult<T>>[] = [];
  try {
    signal?.throwIfAborted();
    for (let i = 0; i < depth; i++) buf.push(pull());
    for (;;) {
      const r = await abortable(buf[0], signal);
      buf.shift();
      if (r.done) {
        finished = true;
        return;
      }
      // Request the next one only now: `depth` ahead of the item handed out.
      buf.push(pull());
      yield r.value;
    }
  } catch (e) {
    finished = true; // the source failed or we were aborted; a failed iterator needs no return()
    if (!(signal?.aborted ?? false)) throw e;
    void Promise.resolve(it.return?.()).catch(() => {});
    throw e;
  } finally {
    // Consumer broke out early: stop the source (queued after its pending next() calls).
    if (!finished) void Promise.resolve(it.return?.()).catch(() => {});
    for (const p of buf.splice(0))
      if (discard)
        p.then(
          (r) => (r.done ? undefined : discard(r.value)),
          () => {},
        );
  }
}

function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
