import type { FrameClock } from './stagger';

/** Frames and timeouts fired by hand. */
export function fakeClock() {
  let next = 1;
  const frames = new Map<number, () => void>();
  const timers = new Map<number, { cb: () => void; ms: number }>();
  const clock: FrameClock = {
    request: (cb) => (frames.set(next, cb), next++),
    cancel: (h) => void frames.delete(h),
    timeout: (cb, ms) => (timers.set(next, { cb, ms }), next++),
    clearTimeout: (h) => void timers.delete(h),
  };
  /** Zero-delay timers, until none is left: the tasks that run before any frame or longer timer. */
  const flushZero = () => {
    for (;;) {
      const zero = [...timers].filter(([, t]) => t.ms === 0);
      if (!zero.length) return;
      for (const [h, t] of zero) {
        timers.delete(h);
        t.cb();
      }
    }
  };
  /** One animation frame: the zero-delay timers first, then every frame callback asked for. */
  const frame = () => {
    flushZero();
    const due = [...frames.values()];
    frames.clear();
    for (const cb of due) cb();
  };
  /** Frames do not come (a hidden tab): the zero-delay timers, then every longer one, once. */
  const timeout = () => {
    flushZero();
    const due = [...timers.values()];
    timers.clear();
    for (const t of due) t.cb();
  };
  return {
    clock,
    frame,
    timeout,
    tasks: flushZero,
    pending: () => frames.size + timers.size,
    framesAsked: () => frames.size,
  };
}
