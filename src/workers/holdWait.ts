/**
 * The wait behind every test-build hold (index walk, copy, generation, training): it ends when the test
 * releases it or when the job is cancelled, whichever comes first. Releasing it twice is harmless.
 */
export function holdWait(signal: AbortSignal): { done: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    release = () => {
      signal.removeEventListener('abort', release);
      resolve();
    };
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', release, { once: true });
  });
  return { done, release };
}
