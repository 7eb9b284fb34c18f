import { describe, expect, it } from 'vitest';
import { afterFrames, type FrameClock } from './stagger';

/** Frames and timeouts fired by hand. */
function fakeClock() {
  let next = 1;
  const frames = new Map<number, () => void>();
  const timers = new Map<number, { cb: () => void; ms: number }>();
  const clock: FrameClock = {
    request: (cb) => (frames.set(next, cb), next++),
    cancel: (h) => void frames.delete(h),
    timeout: (cb, ms) => (timers.set(next, { cb, ms }), next++),
    clearTimeout: (h) => void timers.delete(h),
  };
  const frame = () => {
    const due = [...frames.values()];
    frames.clear();
    for (const cb of due) cb();
  };
  const timeout = () => {
    const due = [...timers.values()];
    timers.clear();
    for (const t of due) t.cb();
  };
  return { clock, frame, timeout, pending: () => frames.size + timers.size };
}

describe('afterFrames', () => {
  it('runs at once for 0 frames, else after exactly that many frames', () => {
    const c = fakeClock();
    const ran: number[] = [];
    afterFrames(0, () => ran.push(0), c.clock);
    expect(ran).toEqual([0]);
    afterFrames(3, () => ran.push(3), c.clock);
    afterFrames(1, () => ran.push(1), c.clock);
    c.frame();
    expect(ran).toEqual([0, 1]);
    c.frame();
    expect(ran).toEqual([0, 1]);
    c.frame();
    expect(ran).toEqual([0, 1, 3]);
    expect(c.pending()).toBe(0);
  });

  it('counts a timeout as a frame where frames do not come (a hidden tab), never both', () => {
    const c = fakeClock();
    const ran: string[] = [];
    afterFrames(2, () => ran.push('x'), c.clock);
    c.timeout();
    expect(ran).toEqual([]);
    c.timeout();
    expect(ran).toEqual(['x']);
    c.frame();
    c.timeout();
    expect(ran).toEqual(['x']);
    expect(c.pending()).toBe(0);
  });

  it('does nothing once cancelled', () => {
    const c = fakeClock();
    const ran: string[] = [];
    const cancel = afterFrames(2, () => ran.push('x'), c.clock);
    c.frame();
    cancel();
    c.frame();
    c.timeout();
    expect(ran).toEqual([]);
    expect(c.pending()).toBe(0);
  });
});
