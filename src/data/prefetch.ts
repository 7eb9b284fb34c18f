/**
 * Bounded, order-preserving prefetch: keeps up to `depth` items being produced ahead of the one
 * the consumer holds, so decode / IndexedDB reads overlap GPU work without unbounded memory.
 *
 * - Thunks run concurrently (up to depth at once): for independent loads (decode image i).
 * - An AsyncIterable is pulled one next() at a time (iterators generally do not support
 *   concurrent next()), but up to depth results ahead of the consumer.
 * An error surfaces at the position where it happened; an abort rejects the pending read with
 * signal.reason; breaking out of the loop stops pulling and closes the source iterator.
 */

export function prefetch<T>(
  source: AsyncIterable<T> | readonly (() => Promise<T>)[],
  depth: number,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  if (!Number.isInteger(depth) || depth < 1)
    throw new RangeError(`prefetch depth must be an integer >= 1, got ${depth}`);
  return Array.isArray(source)
    ? fromThunks(source as readonly (() => Promise<T>)[], depth, signal)
    : fromIterable(source as AsyncIterable<T>, depth, signal);
}

async function* fromThunks<T>(
  thunks: readonly (() => Promise<T>)[],
  depth: number,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  const inflight: Promise<T>[] = [];
  let next = 0;
  const fill = (): void => {
    while (inflight.length < depth && next < thunks.length) {
      const p = Promise.resolve().then(thunks[next++]);
      p.catch(() => {}); // observed later, in order; avoid unhandled-rejection noise meanwhile
      inflight.push(p);
    }
  };
  signal?.throwIfAborted();
  fill();
  while (inflight.length > 0) {
    const value = await abortable(inflight.shift()!, signal);
    fill();
    yield value;
  }
}

async function* fromIterable<T>(
  source: AsyncIterable<T>,
  depth: number,
  signal?: AbortSignal,
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
  try {
    signal?.throwIfAborted();
    const buf: Promise<IteratorResult<T>>[] = [];
    for (let i = 0; i < depth; i++) buf.push(pull());
    for (;;) {
      const r = await abortable(buf.shift()!, signal);
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
