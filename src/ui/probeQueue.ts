/**
 * The Soft labels plan's teacher probes, one at a time. A probe labels a few images on the teacher's
 * device, and a probe for a new teacher or crop count compiles that device's programs again: on a slow
 * WebGPU (SwiftShader) a CNN teacher's first probe took over a minute, and the generation that followed
 * queued behind it on the same GPU process. So a probe is asked for only once the form has settled (the
 * plan's debounce), and probes run in turn, each result kept for the session by its key.
 */
export class ProbeQueue<T> {
  private readonly results = new Map<string, Promise<T>>();
  private tail: Promise<unknown> = Promise.resolve();

  /** The probe for `key`: the one already asked for, or `run` once every earlier probe has settled. */
  get(key: string, run: () => Promise<T>): Promise<T> {
    const known = this.results.get(key);
    if (known) return known;
    const p = this.tail.then(run);
    this.tail = p.catch(() => undefined);
    this.results.set(key, p);
    // A failed probe is asked again next time (the worker may have been busy or restarted).
    p.catch(() => this.results.delete(key));
    return p;
  }

  /** Whether a probe for `key` was asked for (done or waiting). */
  has(key: string): boolean {
    return this.results.has(key);
  }
}
