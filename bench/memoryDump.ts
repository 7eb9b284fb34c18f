/**
 * One Chromium memory-infra dump (the numbers chrome://tracing's memory view shows): per process, the
 * size each allocator reports (malloc, partition_alloc's partitions, v8's isolates, blink_gc, the web
 * and font caches, discardable, shared memory, …), so resident memory outside the JS heaps can be
 * attributed. Taken over CDP with the disabled-by-default-memory-infra category, which only a trace
 * can carry: not while another trace runs (bench:scale takes it only with --no-trace).
 */
import type { CDPSession, Page } from 'playwright-core';

const MB = 2 ** 20;

interface DumpEvent {
  ph: string;
  pid: number;
  name?: string;
  args?: {
    name?: string;
    dumps?: { allocators?: Record<string, { attrs?: Record<string, { value?: string; units?: string }> }> };
  };
}

/**
 * MB by allocator, per process type ('Browser', 'Renderer', 'GPU Process', …, from the trace's
 * process names; of several of a type, such as a spare renderer, the one with the most). Allocators are cut to their first two path levels
 * (e.g. 'partition_alloc/partitions'), each taking its `effective_size` where reported (shared
 * memory counted once), else its `size`; a parent level is reported only if it has no child listed.
 */
export async function memoryInfraDump(page: Page): Promise<Record<string, Record<string, number>>> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const events: DumpEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => {
    for (const ev of e.value as unknown as DumpEvent[]) if (ev.ph === 'v' || ev.ph === 'M') events.push(ev);
  });
  try {
    await cdp.send('Tracing.start', {
      transferMode: 'ReportEvents',
      traceConfig: {
        includedCategories: ['disabled-by-default-memory-infra', '__metadata'],
        recordMode: 'recordAsMuchAsPossible',
        memoryDumpConfig: { triggers: [] },
      } as never,
    });
    await cdp.send('Tracing.requestMemoryDump', { deterministic: true, levelOfDetail: 'detailed' } as never);
    const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await done;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
  const processName = new Map<number, string>();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'process_name' && e.args?.name) processName.set(e.pid, e.args.name);
  const byPid: Record<number, Record<string, number>> = {};
  for (const e of events) {
    const allocators = e.ph === 'v' ? e.args?.dumps?.allocators : undefined;
    if (!allocators) continue;
    const mine = (byPid[e.pid] ??= {});
    const names = Object.keys(allocators);
    for (const name of names) {
      const parts = name.split('/');
      if (parts.length > 2) continue;
      // A level with children listed is their sum: count the children, not it.
      if (parts.length === 1 && names.some((n) => n.startsWith(`${name}/`) && n.split('/').length === 2))
        continue;
      const attrs = allocators[name].attrs ?? {};
      const v = attrs.effective_size?.value ?? attrs.size?.value;
      if (v === undefined || (attrs.effective_size ?? attrs.size)?.units !== 'bytes') continue;
      // Many small segments of one kind (shared_memory/<id>, global/<id>, leveldatabase/db_<addr>): summed.
      const key = /^(shared_memory|global|leveldatabase|sqlite)\//.test(name) ? `${parts[0]}/*` : name;
      mine[key] = (mine[key] ?? 0) + parseInt(v, 16) / MB;
    }
  }
  const out: Record<string, Record<string, number>> = {};
  const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  for (const [pid, dump] of Object.entries(byPid)) {
    const kind = processName.get(Number(pid));
    if (!kind) continue;
    if (!out[kind] || total(dump) > total(out[kind])) out[kind] = dump;
  }
  return out;
}

/** The largest entries of one process type's allocators, as "name MB, …". */
export function topAllocators(dump: Record<string, number> | undefined, n = 10): string {
  return Object.entries(dump ?? {})
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');
}
