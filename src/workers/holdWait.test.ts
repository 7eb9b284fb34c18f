import { describe, expect, it } from 'vitest';
import { holdWait } from './holdWait';

/** Whether `p` has settled after the microtasks queued so far. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, 0));
  return done;
}

describe('holdWait', () => {
  it('waits until released, and a second release is harmless', async () => {
    const w = holdWait(new AbortController().signal);
    expect(await settled(w.done)).toBe(false);
    w.release();
    w.release();
    expect(await settled(w.done)).toBe(true);
  });

  it('ends when the job is cancelled, or at once when it already was', async () => {
    const ac = new AbortController();
    const w = holdWait(ac.signal);
    expect(await settled(w.done)).toBe(false);
    ac.abort();
    expect(await settled(w.done)).toBe(true);
    expect(await settled(holdWait(ac.signal).done)).toBe(true);
  });
});
