import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobStore } from './jobStore';

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
});
