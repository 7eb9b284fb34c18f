import { describe, expect, it } from 'vitest';
import {
  BEAT_MS,
  GONE_MS,
  LATE_MS,
  PageBeats,
  ROOM_MAX_MS,
  startPageBeat,
  type BeatChannel,
  type BeatClock,
  type PageBeat,
} from './pageBeat';

/** A clock whose sleeps resolve when the test advances time past them. */
class FakeClock implements BeatClock {
  t = 1_000_000;
  private sleepers: { until: number; wake: () => void }[] = [];
  now = () => this.t;
  sleep = (ms: number) =>
    new Promise<void>((wake) => {
      this.sleepers.push({ until: this.t + ms, wake });
    });
  /** Moves time forward in 1-ms steps, waking due sleepers and letting their continuations run. */
  async advance(ms: number, each?: (t: number) => void): Promise<void> {
    for (let i = 0; i < ms; i++) {
      this.t += 1;
      each?.(this.t);
      await this.flush();
    }
  }
  async flush(): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const due = this.sleepers.filter((s) => s.until <= this.t);
      this.sleepers = this.sleepers.filter((s) => s.until > this.t);
      due.forEach((s) => s.wake());
      for (let k = 0; k < 10; k++) await Promise.resolve();
    }
  }
}

class FakeChannel implements BeatChannel {
  sent: PageBeat[] = [];
  closed = false;
  onmessage: ((e: { data: PageBeat }) => void) | null = null;
  postMessage(msg: PageBeat) {
    this.sent.push(msg);
  }
  close() {
    this.closed = true;
  }
}

describe('PageBeats (the workers side)', () => {
  it('waits for nobody when no page has beaten, or the channel is missing', async () => {
    const clock = new FakeClock();
    expect(await new PageBeats(new FakeChannel(), clock).room()).toBe(0);
    expect(await new PageBeats(null, clock).room()).toBe(0);
  });

  it('does not wait for a page that keeps up', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel();
    const beats = new PageBeats(ch, clock);
    ch.onmessage!({ data: { page: 'a', at: clock.t - 5, visible: true } });
    expect(beats.lateness()).toBe(0);
    const waited = beats.room();
    await clock.advance(1);
    expect(await waited).toBe(0);
  });

  it('waits for a late page until its next beat, then goes on', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel();
    const beats = new PageBeats(ch, clock);
    ch.onmessage!({ data: { page: 'a', at: clock.t - LATE_MS - 10, visible: true } });
    expect(beats.lateness()).toBe(10);
    let done = false;
    const waited = beats.room().then((ms) => ((done = true), ms));
    await clock.advance(7);
    expect(done).toBe(false);
    ch.onmessage!({ data: { page: 'a', at: clock.t, visible: true } });
    await clock.flush();
    expect(done).toBe(true);
    expect(await waited).toBeLessThanOrEqual(7);
  });

  it('waits at most ROOM_MAX_MS for a page that stays late', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel();
    const beats = new PageBeats(ch, clock);
    ch.onmessage!({ data: { page: 'a', at: clock.t - LATE_MS - 1, visible: true } });
    let waited = -1;
    void beats.room().then((ms) => (waited = ms));
    await clock.advance(ROOM_MAX_MS + BEAT_MS + 2);
    expect(waited).toBeGreaterThanOrEqual(ROOM_MAX_MS);
    expect(waited).toBeLessThanOrEqual(ROOM_MAX_MS + 1);
  });

  it('hears beats already queued before judging a page late', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel();
    const beats = new PageBeats(ch, clock);
    ch.onmessage!({ data: { page: 'a', at: clock.t - LATE_MS - 30, visible: true } });
    let waited = -1;
    void beats.room().then((ms) => (waited = ms));
    // The beat that was queued while the unit ran is delivered before the first check.
    ch.onmessage!({ data: { page: 'a', at: clock.t, visible: true } });
    await clock.advance(1);
    expect(waited).toBe(0);
  });

  it('does not wait for a hidden page, nor one silent past GONE_MS', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel();
    const beats = new PageBeats(ch, clock);
    ch.onmessage!({ data: { page: 'a', at: clock.t - LATE_MS - 5, visible: true } });
    ch.onmessage!({ data: { page: 'a', at: clock.t, visible: false } });
    expect(beats.lateness()).toBe(0);
    ch.onmessage!({ data: { page: 'b', at: clock.t - GONE_MS, visible: true } });
    expect(beats.lateness()).toBe(0);
    const waited = beats.room();
    await clock.advance(1);
    expect(await waited).toBe(0);
  });

  it('judges by the latest-running of several pages and ignores malformed messages', () => {
    const clock = new FakeClock();
    const ch = new FakeChannel();
    const beats = new PageBeats(ch, clock);
    ch.onmessage!({ data: { page: 'a', at: clock.t - 2, visible: true } });
    ch.onmessage!({ data: { page: 'b', at: clock.t - LATE_MS - 20, visible: true } });
    ch.onmessage!({ data: null as unknown as PageBeat });
    ch.onmessage!({ data: { page: 3, at: 'x' } as unknown as PageBeat });
    expect(beats.lateness()).toBe(20);
  });
});

describe('startPageBeat (the page side)', () => {
  function fakeDoc() {
    const listeners = new Map<string, () => void>();
    return {
      hidden: false,
      addEventListener: (t: string, f: () => void) => listeners.set(t, f),
      removeEventListener: (t: string) => listeners.delete(t),
      fire: (t: string) => listeners.get(t)?.(),
      listeners,
    };
  }

  it('beats while visible, says hidden, beats again when shown, and says goodbye on stop', async () => {
    const ch = new FakeChannel();
    const doc = fakeDoc();
    const win = fakeDoc();
    let t = 0;
    const stop = startPageBeat(ch, doc as never, win as never, () => ++t);
    expect(ch.sent).toHaveLength(1);
    expect(ch.sent[0]!.visible).toBe(true);
    await new Promise((r) => setTimeout(r, BEAT_MS * 4));
    const visibleBeats = ch.sent.length;
    expect(visibleBeats).toBeGreaterThanOrEqual(2);
    expect(new Set(ch.sent.map((b) => b.page)).size).toBe(1);
    doc.hidden = true;
    doc.fire('visibilitychange');
    expect(ch.sent.at(-1)!.visible).toBe(false);
    await new Promise((r) => setTimeout(r, BEAT_MS * 3));
    expect(ch.sent.length).toBe(visibleBeats + 1);
    doc.hidden = false;
    doc.fire('visibilitychange');
    expect(ch.sent.at(-1)!.visible).toBe(true);
    win.fire('pagehide');
    expect(ch.sent.at(-1)!.visible).toBe(false);
    stop();
    expect(ch.sent.at(-1)!.visible).toBe(false);
    expect(ch.closed).toBe(true);
    expect(doc.listeners.size).toBe(0);
    const n = ch.sent.length;
    await new Promise((r) => setTimeout(r, BEAT_MS * 3));
    expect(ch.sent.length).toBe(n);
  });

  it('is a no-op without a channel', () => {
    expect(() => startPageBeat(null, fakeDoc() as never, fakeDoc() as never)()).not.toThrow();
  });
});
