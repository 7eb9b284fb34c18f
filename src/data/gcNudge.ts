/**
 * A File System Access handle or File that a listing has already dropped keeps several KB in the
 * browser process (its handle and blob registrations) until the worker's garbage collector runs,
 * and a listing allocates too little for the worker to collect often: an ImageNet folder then holds
 * hundreds of MB there (`npm run bench:handles`). An ArrayBuffer counts as external memory the
 * moment it is made, so a large one, never touched and so never resident, makes V8 collect soon.
 */
export class GcNudge {
  private count = 0;

  constructor(
    /** Handles or Files between nudges: bounds what waits for the collector (~11 KB each). */
    readonly every: number,
    private readonly fire: () => void = allocateUntouched,
  ) {}

  /** Counts `n` handles or Files made; nudges the collector each time `every` more were made. */
  tick(n = 1): void {
    this.count += n;
    if (this.count < this.every) return;
    this.count %= this.every;
    this.fire();
  }
}

function allocateUntouched(): void {
  try {
    // Over V8's external-memory step, so it starts a major collection; the pages are never written.
    void new ArrayBuffer(64 * 2 ** 20);
  } catch {
    // Out of address space: the nudge is an optimisation, never a failure.
  }
}

/** The one nudge of this worker's File System Access listings and opens. */
export const fsaNudge = new GcNudge(4096);
