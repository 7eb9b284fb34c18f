import { startTransition, useEffect, useState } from 'react';

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

const pageClock: FrameClock = {
  request: (cb) => requestAnimationFrame(cb),
  cancel: (h) => cancelAnimationFrame(h),
  timeout: (cb, ms) => window.setTimeout(cb, ms),
  clearTimeout: (h) => window.clearTimeout(h),
};

/** Longest wait for one frame before running without it. */
const FRAME_FALLBACK_MS = 100;

/** Calls `run` after `frames` animation frames (at once for 0); the returned function cancels it. */
export function afterFrames(frames: number, run: () => void, clock: FrameClock = pageClock): () => void {
  if (frames <= 0) {
    run();
    return () => undefined;
  }
  let left = frames;
  let frame = -1;
  let fallback = -1;
  let done = false;
  const tick = () => {
    clock.cancel(frame);
    clock.clearTimeout(fallback);
    if (done) return;
    left -= 1;
    if (left <= 0) {
      done = true;
      run();
      return;
    }
    wait();
  };
  const wait = () => {
    frame = clock.request(tick);
    fallback = clock.timeout(tick, FRAME_FALLBACK_MS);
  };
  wait();
  return () => {
    done = true;
    clock.cancel(frame);
    clock.clearTimeout(fallback);
  };
}

/**
 * `value`, taken up `delayFrames` frames after it changes (at once for 0). A newer value replaces one
 * still waiting, so a tile never shows an older value after a newer one.
 */
export function useStaggered<T>(value: T, delayFrames: number): T {
  const [shown, setShown] = useState(value);
  // A transition: taken up in a frame callback, a plain update renders and commits the tile inside that
  // frame's task, before its layout and paint; as a transition React renders it in slices of its own.
  useEffect(
    () => afterFrames(delayFrames, () => startTransition(() => setShown(() => value))),
    [value, delayFrames],
  );
  return delayFrames <= 0 ? value : shown;
}
