import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from './coalesce';

describe('Coalescer', () => {
  beforeEach(() => {
    // performance.now() too: the interval is measured with it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => vi.useRealTimers());

  it('runs a burst under one key once, with the latest work', () => {
    const c = new Coalescer(250);
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) c.schedule('k', () => ran.push(i));
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(ran).toEqual([4]);
  });

  it('runs queued work at most once per interval, every key together', () => {
    const c = new Coalescer(250);
    const ran: string[] = [];
    c.schedule('a', () => ran.push('a1'));
    vi.advanceTimersByTime(0);
    expect(ran).toEqual(['a1']);
    vi.advanceTimersByTime(50);
    c.schedule('a', () => ran.push('a2'));
    vi.advanceTimersByTime(100);
    c.schedule('b', () => ran.push('b1'));
    vi.advanceTimersByTime(99);
    expect(ran).toEqual(['a1']);
    // (+1 ms: with no frames here a run waits on a 0-ms timer, which fake timers put 1 ms on.)
    vi.advanceTimersByTime(2);
    expect(ran).toEqual(['a1', 'a2', 'b1']);
    // Nothing queued: no run, and the next one may come at once.
    vi.advanceTimersByTime(1000);
    c.schedule('a', () => ran.push('a3'));
    vi.advanceTimersByTime(0);
    expect(ran).toEqual(['a1', 'a2', 'b1', 'a3']);
  });

  it('runs soon work on the next frame whatever the interval, taking the queue along', () => {
    const c = new Coalescer(250);
    const ran: string[] = [];
    c.schedule('live', () => ran.push('x'));
    vi.advanceTimersByTime(0);
    c.schedule('live', () => ran.push('live'));
    vi.advanceTimersByTime(10);
    expect(ran).toEqual(['x']);
    c.schedule('click', () => ran.push('click'), true);
    vi.advanceTimersByTime(0);
    expect(ran).toEqual(['x', 'live', 'click']);
    // The interval counts from that run: the live timer set before it does not run again early.
    c.schedule('live', () => ran.push('live2'));
    vi.advanceTimersByTime(249);
    expect(ran).toEqual(['x', 'live', 'click']);
    vi.advanceTimersByTime(2);
    expect(ran).toEqual(['x', 'live', 'click', 'live2']);
  });

  it('drops cancelled work', () => {
    const c = new Coalescer(250);
    const ran: string[] = [];
    c.schedule('a', () => ran.push('a'));
    c.schedule('b', () => ran.push('b'));
    c.cancel('a');
    vi.runAllTimers();
    expect(ran).toEqual(['b']);
  });
});
