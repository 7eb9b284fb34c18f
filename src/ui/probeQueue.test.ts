import { describe, expect, it } from 'vitest';
import { ProbeQueue } from './probeQueue';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('ProbeQueue', () => {
  it('runs probes one at a time, in the order asked, and keeps each result by key', async () => {
    const q = new ProbeQueue<string>();
    const started: string[] = [];
    const a = deferred<string>();
    const b = deferred<string>();
    const pa = q.get('a', () => (started.push('a'), a.promise));
    const pb = q.get('b', () => (started.push('b'), b.promise));
    await Promise.resolve();
    expect(started).toEqual(['a']); // b waits for a
    a.resolve('A');
    expect(await pa).toBe('A');
    await Promise.resolve();
    expect(started).toEqual(['a', 'b']);
    b.resolve('B');
    expect(await pb).toBe('B');
    // Asked again: the kept result, no new probe.
    expect(await q.get('a', () => Promise.reject(new Error('not again')))).toBe('A');
    expect(started).toEqual(['a', 'b']);
  });

  it('a failed probe does not block the next one and is asked again later', async () => {
    const q = new ProbeQueue<number>();
    const failed = q.get('x', () => Promise.reject(new Error('worker busy')));
    const next = q.get('y', () => Promise.resolve(2));
    await expect(failed).rejects.toThrow('worker busy');
    expect(await next).toBe(2);
    expect(q.has('x')).toBe(false);
    expect(await q.get('x', () => Promise.resolve(1))).toBe(1);
  });
});
