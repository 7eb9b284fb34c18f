import { describe, expect, it } from 'vitest';
import { DecodePool, decodePoolSize, type DecodeReply, type DecodeRequest } from './decodePool';

/**
 * A stand-in Worker: records requests; the test answers them (or crashes the worker) by hand. What is
 * sent with a transfer list is structured-cloned with it, as postMessage does: the sender's buffers
 * are detached.
 */
class FakeWorker {
  onmessage: ((e: MessageEvent<DecodeReply>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  readonly requests: DecodeRequest[] = [];
  readonly transfers: Transferable[][] = [];
  terminated = false;
  postMessage(msg: DecodeRequest, transfer: Transferable[] = []) {
    this.transfers.push(transfer);
    this.requests.push(transfer.length ? structuredClone(msg, { transfer }) : msg);
  }
  terminate() {
    this.terminated = true;
  }
  answer(reply: DecodeReply, transfer: Transferable[] = []) {
    const data = transfer.length ? structuredClone(reply, { transfer }) : reply;
    this.onmessage?.({ data } as MessageEvent<DecodeReply>);
  }
}

function pool(size: number) {
  const workers: FakeWorker[] = [];
  const p = new DecodePool(size, () => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  });
  return { p, workers };
}

const pixels = (n: number) => ({
  pixels: new Uint8ClampedArray(4).fill(n),
  width: 1,
  height: 1,
  sourceWidth: 1,
  sourceHeight: 1,
  format: 'png' as const,
  warnings: [],
});

describe('DecodePool', () => {
  it('keeps a core for the model and one for the page: hardwareConcurrency - 2 workers, 1 to 4', () => {
    expect(decodePoolSize(2)).toBe(1);
    expect(decodePoolSize(1)).toBe(1);
    expect(decodePoolSize(4)).toBe(2);
    expect(decodePoolSize(8)).toBe(4);
    expect(decodePoolSize(undefined)).toBe(1);
  });

  it('spreads images over the least busy worker and routes each reply to its own request', async () => {
    const { p, workers } = pool(2);
    const a = p.decode(new Blob(['a']), { name: 'a.png' });
    const b = p.decode(new Blob(['b']), { name: 'b.png' });
    const c = p.decode(new Blob(['c']), { name: 'c.png' });
    expect(workers.map((w) => w.requests.length)).toEqual([2, 1]);
    expect(workers[0].requests[0].opts.name).toBe('a.png');
    // Out of order: c's reply first.
    workers[0].answer({ id: workers[0].requests[1].id, result: pixels(3) });
    workers[1].answer({ id: workers[1].requests[0].id, result: { error: 'corrupt PNG: x' } });
    workers[0].answer({ id: workers[0].requests[0].id, result: pixels(1) });
    expect(await a).toMatchObject({ pixels: new Uint8ClampedArray(4).fill(1) });
    expect(await b).toEqual({ error: 'corrupt PNG: x' });
    expect(await c).toMatchObject({ pixels: new Uint8ClampedArray(4).fill(3) });
  });

  it('decodes inline when a worker reports a crash or dies, and stops using a dead worker', async () => {
    const { p, workers } = pool(2);
    const first = p.decode(new Blob([]), { name: 'empty.png' });
    const second = p.decode(new Blob([new Uint8Array([1, 2, 3, 4])]), { name: 'junk.png' });
    // The first worker's decode threw: the same image is decoded on this thread (an empty file here).
    workers[0].answer({ id: workers[0].requests[0].id, crash: 'out of memory' });
    expect(await first).toEqual({ error: 'empty file (0 bytes)' });
    // The second worker dies with the image in flight.
    workers[1].onerror?.({} as ErrorEvent);
    expect(await second).toEqual({ error: 'not a decodable image (starts with 01 02 03 04)' });
    expect(workers[1].terminated).toBe(true);
    expect(p.size).toBe(1);
    p.decode(new Blob(['x']));
    expect(workers[0].requests).toHaveLength(2);
    p.dispose();
    expect(p.size).toBe(0);
    // No workers left: inline.
    expect(await p.decode(new Blob([]))).toEqual({ error: 'empty file (0 bytes)' });
  });

  it('reports a file that cannot be read any more instead of leaving its decode unsettled', async () => {
    // A File whose disk entry was deleted or changed after it was opened: every read rejects.
    class GoneBlob extends Blob {
      override slice(): Blob {
        return this;
      }
      override arrayBuffer(): Promise<ArrayBuffer> {
        return Promise.reject(new DOMException('A requested file could not be found', 'NotFoundError'));
      }
    }
    const { p, workers } = pool(1);
    const gone = p.decode(new GoneBlob(['abcd']), { name: 'gone.jpg' });
    workers[0].answer({ id: workers[0].requests[0].id, crash: 'NotFoundError' });
    expect(await gone).toEqual({
      error: 'unreadable (changed or deleted while being read?): A requested file could not be found',
    });
  });

  describe('image bytes (the studio copy, tar members)', () => {
    /** Junk whose error names its first bytes: a decode of the same image says the same, a lost one "empty file". */
    const junk = (n: number) => new Uint8Array([n, 2, 3, 4, 5, 6]);
    const notAnImage = (n: number) => ({
      error: `not a decodable image (starts with 0${n} 02 03 04)`,
    });
    /** A pool whose worker has answered once (its script runs). */
    function answeredPool() {
      const { p, workers } = pool(1);
      const warm = p.decode(new Blob(['w']));
      workers[0].answer({ id: workers[0].requests[0].id, result: pixels(0) });
      return { p, workers, warm };
    }

    it('moves bytes to a worker that has answered: no copy, the sender keeps nothing', async () => {
      const { p, workers, warm } = answeredPool();
      await warm;
      const bytes = junk(1);
      const buffer = bytes.buffer;
      const done = p.decode(bytes, { name: 'a.jpg' });
      expect(workers[0].transfers[1]).toEqual([buffer]);
      expect(bytes.byteLength).toBe(0); // detached: moved, not copied
      expect(workers[0].requests[1].input).toEqual(junk(1));
      workers[0].answer({ id: workers[0].requests[1].id, result: pixels(1) });
      expect(await done).toMatchObject({ pixels: new Uint8ClampedArray(4).fill(1) });
    });

    it('decodes the same image inline after a crash, from the bytes the worker hands back', async () => {
      const { p, workers, warm } = answeredPool();
      await warm;
      const done = p.decode(junk(1), { name: 'a.jpg' });
      const sent = workers[0].requests[1];
      const back = sent.input as Uint8Array<ArrayBuffer>;
      // What decode.worker.ts does when a decode throws: the bytes go back with the crash reply.
      workers[0].answer({ id: sent.id, crash: 'out of memory', input: back }, [back.buffer]);
      expect(await done).toEqual(notAnImage(1));
    });

    it('copies bytes to a worker that has not answered yet, so one that never starts loses nothing', async () => {
      const { p, workers } = pool(2);
      const a = junk(1);
      const b = junk(2);
      const first = p.decode(a, { name: 'a.jpg' });
      const second = p.decode(b, { name: 'b.jpg' });
      // A copy of exactly the image is moved; the sender's bytes stay as they were.
      expect(workers[0].transfers[0]).toHaveLength(1);
      expect(workers[0].transfers[0][0]).not.toBe(a.buffer);
      expect(a).toEqual(junk(1));
      expect(workers[0].requests[0].input).toEqual(junk(1));
      // The first worker's script fails to load; the second's decode throws without handing anything back.
      workers[0].onerror?.({} as ErrorEvent);
      workers[1].answer({ id: workers[1].requests[0].id, crash: 'boom' });
      expect(await first).toEqual(notAnImage(1));
      expect(await second).toEqual(notAnImage(2));
    });

    it('copies a view into a larger buffer rather than moving the rest of it', async () => {
      const { p, workers, warm } = answeredPool();
      await warm;
      const shared = new Uint8Array(16).fill(7);
      const view = shared.subarray(4, 8) as Uint8Array<ArrayBuffer>;
      void p.decode(view);
      expect(shared.byteLength).toBe(16); // not detached
      expect(workers[0].requests[1].input).toEqual(new Uint8Array(4).fill(7));
      expect((workers[0].requests[1].input as Uint8Array).buffer.byteLength).toBe(4);
    });

    it('reports, not hangs, an image whose bytes went with a worker that died after answering', async () => {
      const { p, workers, warm } = answeredPool();
      await warm;
      const done = p.decode(junk(1));
      workers[0].onerror?.({} as ErrorEvent);
      expect(await done).toEqual({
        error: 'decode worker stopped with the image in flight (its bytes went with it)',
      });
    });

    it('decodes inline an image that could not be posted, instead of leaving it pending', async () => {
      const { p, workers, warm } = answeredPool();
      await warm;
      workers[0].postMessage = () => {
        throw new DOMException('An ArrayBuffer is detached and could not be cloned.', 'DataCloneError');
      };
      expect(await p.decode(junk(4))).toEqual(notAnImage(4));
      expect(workers[0].requests).toHaveLength(1);
    });

    it('decodes bytes inline the same as a Blob where there is no worker', async () => {
      const { p } = pool(0);
      expect(await p.decode(junk(3))).toEqual(notAnImage(3));
      expect(await p.decode(new Blob([junk(3)]))).toEqual(notAnImage(3));
    });
  });
});
