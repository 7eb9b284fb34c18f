import { startTransition, useEffect, useState, type ReactNode } from 'react';

/**
 * Spreading one large redraw over several frames. A live view that replaces all of its tiles at once
 * (the Pipeline view's images, each with its crops and top-k rows) lays out and paints all of them in
 * one frame, and under full load that one frame is what keeps the page from answering: its style,
 * layout and paint stretch while the workers share the cores. Updating tile j `j` frames after tile 0
 * makes each frame lay out one tile; the next sample comes hundreds of milliseconds later.
 */

/** The frame source: requestAnimationFrame in the page, a fake in tests. */
export interface FrameClock {
  request(cb: () => void): number;
  cancel(handle: number): void;
  /** Runs `cb` after `ms` when frames do not come (a hidden tab gets none). */
  timeout(cb: () => void, ms: number): number;
  clearTimeout(handle: number): void;
}

export const pageClock: FrameClock = {
  request: (cb) => requestAnimationFrame(cb),
  cancel: (h) => cancelAnimationFrame(h),
  timeout: (cb, ms) => window.setTimeout(cb, ms),
  clearTimeout: (h) => window.clearTimeout(h),
};

/** Longest wait for one frame before running without it. */
const FRAME_FALLBACK_MS = 100;

/**
 * Runs `run` in the next animation frame after the page's waiting tasks. Work spread over frames
 * that asks for each next frame from inside the last one keeps Chromium's renderer drawing frames back
 * to back, and while frames are due it runs them ahead of the page's timers and other queued tasks:
 * under load, ten-ms frames chained that way kept a 5-ms timer waiting 54-78 ms, where a timer task
 * between frames kept it under 32 ms (docs/results.md, bench:ui). So the frame is asked for from a
 * timer task, queued behind what already waits. Falls back to a timer where frames do not come (a
 * hidden tab gets none). Returns a cancel.
 */
export function nextFrame(run: () => void, clock: FrameClock = pageClock): () => void {
  let frame = -1;
  let fallback = -1;
  let done = false;
  const fire = () => {
    clock.cancel(frame);
    clock.clearTimeout(fallback);
    if (done) return;
    done = true;
    run();
  };
  let yieldTimer: number | null = clock.timeout(() => {
    yieldTimer = null;
    if (done) return;
    frame = clock.request(fire);
    fallback = clock.timeout(fire, FRAME_FALLBACK_MS);
  }, 0);
  return () => {
    done = true;
    if (yieldTimer !== null) clock.clearTimeout(yieldTimer);
    clock.cancel(frame);
    clock.clearTimeout(fallback);
  };
}

/** Calls `run` after `frames` animation frames (at once for 0); the returned function cancels it. */
export function afterFrames(frames: number, run: () => void, clock: FrameClock = pageClock): () => void {
  if (frames <= 0) {
    run();
    return () => undefined;
  }
  let left = frames;
  let cancel: () => void = () => undefined;
  const step = () => {
    left -= 1;
    if (left <= 0) run();
    else cancel = nextFrame(step, clock);
  };
  cancel = nextFrame(step, clock);
  return () => cancel();
}

/**
 * `value`, taken up `delayFrames` frames after it changes (at once for 0). A newer value replaces one
 * still waiting, so a tile never shows an older value after a newer one. While `active` is false (its
 * tile is off screen: onScreen.ts) it keeps the value it last took up, and takes up the latest when
 * it is active again.
 */
export function useStaggered<T>(value: T, delayFrames: number, active = true): T {
  const [shown, setShown] = useState(value);
  // A transition: taken up in a frame callback, a plain update renders and commits the tile inside that
  // frame's task, before its layout and paint; as a transition React renders it in slices of its own.
  useEffect(() => {
    if (!active) return;
    return afterFrames(delayFrames, () => startTransition(() => setShown(() => value)));
  }, [value, delayFrames, active]);
  return delayFrames <= 0 && active ? value : shown;
}

/**
 * `children`, mounted `frames` frames after this mounts (at once for 0). A view switch mounts the whole
 * view in one commit, then lays it out and paints it in one frame; a view whose sections come one frame
 * apart spreads that over frames, the top of the view first.
 */
export function Later({ frames, children }: { frames: number; children: ReactNode }): ReactNode {
  const [ready, setReady] = useState(frames <= 0);
  useEffect(() => {
    if (ready) return;
    return afterFrames(frames, () => startTransition(() => setReady(true)));
  }, [frames, ready]);
  return ready ? children : null;
}
