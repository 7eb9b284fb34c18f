/**
 * Test builds: a sure "mid-job" for generation. e2e tests delete files, remove the folder, revoke access
 * or reload the page while a job is between two images; on a fast teacher a job finishes before a test
 * can act, so the next job stops reading after a given number of images until the test releases it (or
 * the job is paused). Nothing else changes: the images before the hold are labelled and stored as usual.
 */
import { requireTestBuild } from './testBuild';
import { holdWait } from './holdWait';

let holdAfter: number | null = null;
let held: { at: number; release: () => void } | null = null;

/** The next generation job reads `images` images, then waits; null releases a waiting job. */
export function holdGenerationAfter(images: number | null): void {
  requireTestBuild('holdGenerationAfter');
  holdAfter = images;
  if (images === null) held?.release();
}

/** Images a waiting job has read (null: no job is waiting). */
export function generationHeldAt(): number | null {
  requireTestBuild('generationHeldAt');
  return held?.at ?? null;
}

/** A job's images, stopping at a hold set for it (consumed: a resumed job runs free). */
export function heldItems<T>(items: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  const limit = holdAfter;
  if (limit === null) return items;
  holdAfter = null;
  return (async function* () {
    let n = 0;
    for await (const item of items) {
      if (n === limit) await waitHere(n, signal);
      n++;
      yield item;
    }
  })();
}

async function waitHere(at: number, signal: AbortSignal): Promise<void> {
  const wait = holdWait(signal);
  held = { at, release: wait.release };
  await wait.done;
  held = null;
}
