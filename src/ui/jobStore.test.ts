import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobStore, LIVE_MS } from './jobStore';

describe('job store notifications', () => {
  afterEach(() => vi.useRealTimers());

  it('coalesces a burst of updates into one notification, with the latest state readable at once', () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const off = jobStore.subscribe(() => seen.push(jobStore.get().storeVersion));
    const start = jobStore.get().storeVersion;
    for (let i = 0; i < 10; i++) jobStore.bumpStore();
    expect(jobStore.get().storeVersion).toBe(start + 10);
    expect(seen).toEqual([]);
    vi.runAllTimers();
    expect(seen).toEqual([start + 10]);
    jobStore.bumpStore();
    vi.runAllTimers();
    expect(seen).toEqual([start + 10, start + 11]);
    off();
  });

  it("tells a job's streamed updates at most every LIVE_MS, and any other update on the next frame", () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const seen: number[] = [];
    const off = jobStore.subscribe(() => seen.push(jobStore.get().storeVersion));
    const start = jobStore.get().storeVersion;
    jobStore.bumpStore();
    vi.advanceTimersByTime(0);
    expect(seen).toEqual([start + 1]);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(20);
      jobStore.bumpStore(true);
    }
    vi.advanceTimersByTime(LIVE_MS - 101);
    expect(seen).toEqual([start + 1]);
    vi.advanceTimersByTime(2);
    expect(seen).toEqual([start + 1, start + 6]);
    vi.advanceTimersByTime(10);
    jobStore.bumpStore();
    vi.advanceTimersByTime(0);
    expect(seen).toEqual([start + 1, start + 6, start + 7]);
    off();
  });
});
