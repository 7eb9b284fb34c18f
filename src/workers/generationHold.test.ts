import { describe, expect, it, vi } from 'vitest';

vi.mock('./testBuild', () => ({ requireTestBuild: () => undefined }));
const { generationHeldAt, heldItems, holdGenerationAfter } = await import('./generationHold');

async function* count(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

async function take(it: AsyncIterator<number>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await it.next()).value as number);
  return out;
}

describe('generation hold (test builds)', () => {
  it('without a hold the items pass through untouched', () => {
    const items = count(3);
    expect(heldItems(items, new AbortController().signal)).toBe(items);
  });

  it('stops after N items until released, once: the next job runs free', async () => {
    holdGenerationAfter(2);
    const it = heldItems(count(5), new AbortController().signal)[Symbol.asyncIterator]();
    expect(await take(it, 2)).toEqual([0, 1]);
    const third = it.next();
    await vi.waitFor(() => expect(generationHeldAt()).toBe(2));
    let moved = false;
    void third.then(() => (moved = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(moved).toBe(false);
    holdGenerationAfter(null);
    expect((await third).value).toBe(2);
    expect(generationHeldAt()).toBeNull();
    expect(await take(it, 2)).toEqual([3, 4]);
    const free = count(2);
    expect(heldItems(free, new AbortController().signal)).toBe(free);
  });

  it('a paused job is not left waiting', async () => {
    holdGenerationAfter(1);
    const ctrl = new AbortController();
    const it = heldItems(count(3), ctrl.signal)[Symbol.asyncIterator]();
    expect(await take(it, 1)).toEqual([0]);
    const next = it.next();
    await vi.waitFor(() => expect(generationHeldAt()).toBe(1));
    ctrl.abort();
    expect((await next).value).toBe(1);
    expect(generationHeldAt()).toBeNull();
  });
});
