import { describe, expect, it, vi } from 'vitest';
import type { JobProgress, LiveSample, TrainLiveUpdate, TrainMetrics } from './api';
import { TrainReports } from './progress';

const progress: JobProgress = { phase: 'pass 1/2', done: 3, total: 10 };
const metrics = { step: 3, loss: 1.5 } as TrainMetrics;
const sample = { step: 2, images: [] } as unknown as LiveSample;

describe('TrainReports', () => {
  it("with onLive, holds a step's progress, metrics and sample and sends them as one message", async () => {
    const sent: TrainLiveUpdate[] = [];
    const onProgress = vi.fn();
    const r = new TrainReports({ onLive: (u) => sent.push(u), onProgress });
    r.progress({ ...progress, done: 2 });
    r.progress(progress);
    r.metrics(metrics);
    r.sample(sample);
    expect(sent).toEqual([]);
    r.send();
    await Promise.resolve();
    expect(sent).toEqual([{ progress, metrics, sample }]);
    // Nothing new: no message; the next one carries only what is new.
    r.send();
    r.progress(progress);
    r.send();
    expect(sent).toEqual([{ progress, metrics, sample }, { progress }]);
    expect(onProgress).not.toHaveBeenCalled();
    expect(r.wantsSamples).toBe(true);
  });

  it('without onLive, each report goes to its own callback at once', () => {
    const onProgress = vi.fn();
    const onMetrics = vi.fn();
    const r = new TrainReports({ onProgress, onMetrics });
    r.progress(progress);
    r.metrics(metrics);
    r.sample(sample);
    r.send();
    expect(onProgress).toHaveBeenCalledWith(progress);
    expect(onMetrics).toHaveBeenCalledWith(metrics);
    expect(r.wantsSamples).toBe(false);
  });
});
