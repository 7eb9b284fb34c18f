import { describe, expect, it } from 'vitest';
import { afterFrames, nextFrame } from './stagger';
import { fakeClock } from './testClock';

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

describe('nextFrame', () => {
  it('asks for its frame from a timer task, so tasks already waiting run first', () => {
    const c = fakeClock();
    const order: string[] = [];
    c.clock.timeout(() => order.push('waiting task'), 0);
    nextFrame(() => order.push('frame work'), c.clock);
    // No frame asked for yet: a frame already due would not run it ahead of the waiting task.
    expect(c.framesAsked()).toBe(0);
    c.frame();
    expect(order).toEqual(['waiting task', 'frame work']);
    expect(c.pending()).toBe(0);
  });

  it('does nothing once cancelled, before or after its frame was asked for', () => {
    const c = fakeClock();
    const ran: string[] = [];
    nextFrame(() => ran.push('a'), c.clock)();
    const cancelB = nextFrame(() => ran.push('b'), c.clock);
    c.tasks();
    expect(c.framesAsked()).toBe(1);
    cancelB();
    c.frame();
    c.timeout();
    nextFrame(() => ran.push('c'), c.clock);
    c.timeout();
    expect(ran).toEqual(['c']);
    expect(c.pending()).toBe(0);
  });
});
