/**
 * Room for the page: the studio's workers pause between units of work while a visible studio page's
 * main thread is running late, so on a small machine a click or a frame is not kept waiting behind
 * the workers for long.
 *
 * The CPU budget (data/cpuSlots.ts) limits how many of the studio's threads compute at once, but the
 * page's thread also shares the cores with Chrome's own threads (file reads in the browser process,
 * the renderer's thread pool decoding images), which no budget covers. So each visible page states
 * that it is keeping up: a beat on a BroadcastChannel every `BEAT_MS`, from a timer on its main
 * thread. A beat that is late says the page's thread is not getting a core (or is busy with work of
 * its own); a worker about to start its next unit (a training step, a teacher batch, a round of
 * decodes) then waits for the next beat, at most `ROOM_MAX_MS`, leaving the cores to the page. A
 * hidden page says so and is not waited for (its timers are throttled); a page whose beats stopped
 * long ago (frozen, closed without a word) is not waited for either.
 *
 * Times are epoch milliseconds (`performance.timeOrigin + performance.now()`), comparable across a
 * page and its workers.
 */

export const PAGE_BEAT_CHANNEL = 'fkd-page-beat';
/** The page's beat interval. */
export const BEAT_MS = 16;
/** A beat this old says the page's thread is late: its timer came well past its interval. */
export const LATE_MS = 40;
/** A page silent for this long is not waited for (frozen, or closed without saying so). */
export const GONE_MS = 1000;
/** The longest a unit waits for the page: the jobs' progress must not stall behind a busy page. */
export const ROOM_MAX_MS = 50;

/** What a page says on the channel. */
export interface PageBeat {
  page: string;
  /** Epoch ms of the beat. */
  at: number;
  /** False when the page is hidden or leaving: not waited for until it beats visible again. */
  visible: boolean;
}

/** The part of BroadcastChannel used here; tests pass a fake. */
export interface BeatChannel {
  postMessage(msg: PageBeat): void;
  onmessage: ((e: { data: PageBeat }) => void) | null;
  close(): void;
}

export interface BeatClock {
  /** Epoch ms. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

const epochNow = () => performance.timeOrigin + performance.now();

export const realBeatClock: BeatClock = {
  now: epochNow,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

function openChannel(): BeatChannel | null {
  return typeof BroadcastChannel === 'undefined'
    ? null
    : (new BroadcastChannel(PAGE_BEAT_CHANNEL) as unknown as BeatChannel);
}

/**
 * The worker side: the last beat of every page heard, and the wait before a unit of work. A worker
 * makes one (`pageRoom`) on first use.
 */
export class PageBeats {
  private last = new Map<string, PageBeat>();
  private waiters: (() => void)[] = [];

  constructor(
    private readonly channel: BeatChannel | null,
    private readonly clock: BeatClock = realBeatClock,
  ) {
    if (channel) channel.onmessage = (e) => this.hear(e.data);
  }

  hear(beat: PageBeat): void {
    if (!beat || typeof beat.page !== 'string' || typeof beat.at !== 'number') return;
    if (beat.visible) this.last.set(beat.page, beat);
    else this.last.delete(beat.page);
    const ws = this.waiters;
    this.waiters = [];
    ws.forEach((w) => w());
  }

  /** How late the latest-running visible page is, in ms past `LATE_MS`; 0 when none is late. */
  lateness(now = this.clock.now()): number {
    let worst = 0;
    for (const [page, b] of this.last) {
      const age = now - b.at;
      if (age >= GONE_MS) this.last.delete(page);
      else if (age > LATE_MS) worst = Math.max(worst, age - LATE_MS);
    }
    return worst;
  }

  /**
   * Resolves once no visible page is late, or after `ROOM_MAX_MS`. First lets beats already queued
   * for this thread be heard (a worker coming out of a long unit has not read its messages yet), so a
   * page that kept up is not taken for late. Returns how long it waited for the page.
   */
  async room(): Promise<number> {
    if (!this.channel || this.last.size === 0) return 0;
    await this.clock.sleep(0);
    const t0 = this.clock.now();
    while (this.lateness() > 0) {
      const left = ROOM_MAX_MS - (this.clock.now() - t0);
      if (left <= 0) break;
      await Promise.race([
        new Promise<void>((r) => this.waiters.push(r)),
        this.clock.sleep(Math.min(left, BEAT_MS)),
      ]);
    }
    return this.clock.now() - t0;
  }

  close(): void {
    this.channel?.close();
    this.last.clear();
  }
}

let beats: PageBeats | null = null;

/** This worker's view of the pages' beats, made on first use. */
export function pageRoom(): Promise<number> {
  beats ??= new PageBeats(openChannel());
  return beats.room();
}

/**
 * The page side: beats every `BEAT_MS` while visible, says when it is hidden or leaving. Returns a stop
 * function. A timer, not animation frames: frames stop in a hidden or occluded tab, and the point is
 * whether the thread's tasks run on time, frames or not.
 */
export function startPageBeat(
  channel: BeatChannel | null = openChannel(),
  doc: Pick<Document, 'hidden' | 'addEventListener' | 'removeEventListener'> = document,
  win: Pick<Window, 'addEventListener' | 'removeEventListener'> = window,
  now: () => number = epochNow,
): () => void {
  if (!channel) return () => undefined;
  const page = Math.random().toString(36).slice(2);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const say = (visible: boolean) => channel.postMessage({ page, at: now(), visible });
  const tick = () => {
    timer = undefined;
    if (doc.hidden) return;
    say(true);
    timer = setTimeout(tick, BEAT_MS);
  };
  const onVisibility = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (doc.hidden) say(false);
    else tick();
  };
  const onHide = () => say(false);
  doc.addEventListener('visibilitychange', onVisibility);
  win.addEventListener('pagehide', onHide);
  tick();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    doc.removeEventListener('visibilitychange', onVisibility);
    win.removeEventListener('pagehide', onHide);
    say(false);
    channel.close();
  };
}
