import { describe, expect, it } from 'vitest';
import { DecodePool, decodePoolSize, type DecodeReply, type DecodeRequest } from './decodePool';

/** A stand-in Worker: records requests; the test answers them (or crashes the worker) by hand. */
class FakeWorker {
  onmessage: ((e: MessageEvent<DecodeReply>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  readonly requests: DecodeRequest[] = [];
  terminated = false;
  postMessage(msg: DecodeRequest) {
    this.requests.push(msg);
  }
  terminate() {
    this.terminated = true;
  }
  answer(reply: DecodeReply) {
    this.onmessage?.({ data: reply } as MessageEvent<DecodeReply>);
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
});
