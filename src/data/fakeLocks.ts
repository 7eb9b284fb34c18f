import type { SlotLocks } from './cpuSlots';

/**
 * Exclusive named locks granted first come first served, as the Web Locks spec has them, with
 * per-client ownership so a client's death frees what it held and withdraws what it waited for. A
 * `steal` request is granted at once: the holder loses the lock (its request rejects with an
 * AbortError, as in the spec) and the queue behind it stays as it was.
 */
export class FakeLocks {
  private readonly held = new Map<string, { client: number; done: () => void; steal: () => void }>();
  private readonly queues = new Map<
    string,
    { client: number; grant: () => void; fail: (e: unknown) => void }[]
  >();
  /** How many locks named `${prefix}-slot-*` are held now, and the most ever held at once. */
  slotsHeld = 0;
  maxSlotsHeld = 0;

  client(id: number): SlotLocks {
    return {
      query: () =>
        Promise.resolve({
          held: [...this.held.keys()].map((name) => ({ name })),
          pending: [...this.queues].flatMap(([name, q]) => q.map(() => ({ name }))),
        }),
      request: (name, opts, cb) =>
        new Promise((resolve, reject) => {
          const run = () => {
            const isSlot = name.includes('-slot-');
            let finished = false;
            const done = () => {
              if (finished) return;
              finished = true;
              if (this.held.get(name)?.client === id) this.held.delete(name);
              if (isSlot) this.slotsHeld--;
              this.next(name);
            };
            const steal = () => {
              finished = true;
              if (isSlot) this.slotsHeld--;
              reject(new DOMException('lock stolen', 'AbortError'));
            };
            this.held.set(name, { client: id, done, steal });
            if (isSlot) this.maxSlotsHeld = Math.max(this.maxSlotsHeld, ++this.slotsHeld);
            // As the spec has it: the lock is freed before the request's promise settles.
            Promise.resolve(cb({ name })).then(
              (v) => {
                done();
                resolve(v);
              },
              (e: unknown) => {
                done();
                reject(e);
              },
            );
          };
          const queue = this.queues.get(name) ?? [];
          if (opts.steal) {
            this.held.get(name)?.steal();
            this.held.delete(name);
            return run();
          }
          if (!this.held.has(name) && queue.length === 0) return run();
          if (opts.ifAvailable) {
            Promise.resolve(cb(null)).then(resolve, reject);
            return;
          }
          const entry = { client: id, grant: run, fail: reject };
          queue.push(entry);
          this.queues.set(name, queue);
          opts.signal?.addEventListener('abort', () => {
            const q = this.queues.get(name) ?? [];
            const i = q.indexOf(entry);
            if (i < 0) return;
            q.splice(i, 1);
            reject(opts.signal!.reason);
          });
        }),
    };
  }

  private next(name: string): void {
    const q = this.queues.get(name);
    const e = q?.shift();
    if (e) e.grant();
  }

  /** What the browser does when a worker ends: its locks are freed, its waits withdrawn. */
  kill(id: number): void {
    for (const [, q] of this.queues) {
      for (let i = q.length - 1; i >= 0; i--) if (q[i].client === id) q.splice(i, 1);
    }
    for (const [, h] of [...this.held]) if (h.client === id) h.done();
  }
}
