import { describe, expect, it } from 'vitest';
import { CanvasFrames } from './canvasFrames';
import { fakeClock } from './testClock';

describe('CanvasFrames', () => {
  it('draws at most perFrame canvases a frame, in the order queued, until none is left', () => {
    const c = fakeClock();
    const q = new CanvasFrames(2, c.clock);
    const drawn: string[] = [];
    const keys = ['a', 'b', 'c', 'd', 'e'].map((k) => ({ k }));
    for (const key of keys) q.draw(key, () => drawn.push(key.k));
    expect(drawn).toEqual([]);
    c.frame();
    expect(drawn).toEqual(['a', 'b']);
    c.frame();
    expect(drawn).toEqual(['a', 'b', 'c', 'd']);
    c.frame();
    expect(drawn).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(q.pending).toBe(0);
    expect(c.pending()).toBe(0);
  });

  it("keeps only a canvas's latest draw, in the first one's place", () => {
    const c = fakeClock();
    const q = new CanvasFrames(1, c.clock);
    const drawn: string[] = [];
    const a = {};
    const b = {};
    q.draw(a, () => drawn.push('a1'));
    q.draw(b, () => drawn.push('b'));
    q.draw(a, () => drawn.push('a2'));
    c.frame();
    c.frame();
    expect(drawn).toEqual(['a2', 'b']);
  });

  it('drops a cancelled draw, but a cancel from an older draw leaves the newer one', () => {
    const c = fakeClock();
    const q = new CanvasFrames(4, c.clock);
    const drawn: string[] = [];
    const a = {};
    const b = {};
    const cancelOld = q.draw(a, () => drawn.push('a1'));
    q.draw(a, () => drawn.push('a2'));
    cancelOld();
    q.draw(b, () => drawn.push('b'))();
    c.frame();
    expect(drawn).toEqual(['a2']);
  });

  it('draws on the fallback timer where frames do not come, and goes on after a draw that throws', () => {
    const c = fakeClock();
    const errors: unknown[] = [];
    const q = new CanvasFrames(1, c.clock, (e) => errors.push(e));
    const drawn: string[] = [];
    q.draw({}, () => {
      throw new Error('lost context');
    });
    q.draw({}, () => drawn.push('next'));
    c.timeout();
    expect(errors).toHaveLength(1);
    c.timeout();
    expect(drawn).toEqual(['next']);
    c.frame();
    expect(c.pending()).toBe(0);
  });
});
