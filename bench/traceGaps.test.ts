import { describe, expect, it } from 'vitest';
import {
  attributeGaps,
  concurrentTasks,
  describeGaps,
  outermost,
  threadNames,
  type TraceEvent,
} from './traceGaps';

const x = (
  pid: number,
  tid: number,
  ts: number,
  dur: number,
  tdur: number,
  name = 'RunTask',
): TraceEvent => ({
  name,
  ph: 'X',
  pid,
  tid,
  ts,
  dur,
  tdur,
});
const meta = (pid: number, tid: number, kind: 'process_name' | 'thread_name', name: string): TraceEvent => ({
  name: kind,
  ph: 'M',
  pid,
  tid,
  ts: 0,
  args: { name },
});

describe('outermost', () => {
  it('drops events nested in an earlier one and keeps time order', () => {
    const a = x(1, 1, 100, 50, 10);
    const inner = x(1, 1, 110, 10, 5, 'FunctionCall');
    const b = x(1, 1, 200, 5, 5);
    expect(outermost([b, inner, a])).toEqual([a, b]);
  });
});

describe('attributeGaps', () => {
  const events = [
    meta(1, 10, 'process_name', 'Renderer'),
    meta(1, 10, 'thread_name', 'CrRendererMain'),
    meta(1, 11, 'thread_name', 'DedicatedWorker thread'),
    meta(2, 20, 'process_name', 'GPU Process'),
    meta(2, 20, 'thread_name', 'VizCompositorThread'),
  ];
  const name = threadNames(events);

  it('splits a gap into main-thread task time and time outside any task, and names busy threads', () => {
    // Gap of 60 ms ending at 1,000,000 µs: [940,000, 1,000,000).
    const byThread = new Map<string, TraceEvent[]>([
      // A 20-ms main task of 10 ms CPU, half of it inside the gap; a nested event must not count twice.
      ['1:10', [x(1, 10, 930_000, 20_000, 10_000), x(1, 10, 931_000, 5_000, 5_000, 'MajorGC')]],
      // A worker busy the whole gap on a 200-ms task of 200 ms CPU.
      ['1:11', [x(1, 11, 900_000, 200_000, 200_000)]],
      // The compositor: 6 ms in the gap, half CPU.
      ['2:20', [x(2, 20, 990_000, 6_000, 3_000)]],
    ]);
    const [g] = attributeGaps('1:10', [{ ts: 1_000_000, delayMs: 60 }], byThread, name);
    expect(g.mainTaskMs).toBeCloseTo(10);
    expect(g.mainCpuMs).toBeCloseTo(5);
    expect(g.mainOutsideTaskMs).toBeCloseTo(50);
    expect(g.longestTask?.wallMs).toBeCloseTo(20);
    expect(g.longestTask?.parts[0]).toMatch(/^MajorGC 5\.0 ms/);
    expect(g.others.map((o) => o.thread)).toEqual([
      'Renderer/DedicatedWorker thread',
      'GPU Process/VizCompositorThread',
    ]);
    expect(g.others[0].cpuMs).toBeCloseTo(60);
    expect(g.others[1].busyMs).toBeCloseTo(6);
    expect(g.othersCpuMs).toBeCloseTo(63);
    expect(describeGaps([g])).toContain('outside any task 50 ms');
  });

  it('reports a gap with no main-thread task at all as wholly outside tasks', () => {
    const [g] = attributeGaps('1:10', [{ ts: 500_000, delayMs: 45 }], new Map(), name);
    expect(g.mainTaskMs).toBe(0);
    expect(g.mainOutsideTaskMs).toBe(45);
    expect(g.longestTask).toBeNull();
    expect(g.others).toEqual([]);
  });
});

describe('concurrentTasks', () => {
  it('measures the time two or more threads are inside tasks at once', () => {
    const a = [x(1, 1, 0, 50_000, 50_000), x(1, 1, 100_000, 10_000, 10_000)];
    // Overlaps a's first task for 30 ms (20-50 ms) and its second for 5 ms (105-110 ms).
    const b = [x(1, 2, 20_000, 40_000, 40_000), x(1, 2, 105_000, 20_000, 20_000)];
    // A third thread inside b's first task: three at once still counts once.
    const c = [x(1, 3, 25_000, 10_000, 10_000)];
    const r = concurrentTasks([a, b, c]);
    expect(r.threads).toBe(3);
    expect(r.overlapMs).toBeCloseTo(35);
    expect(r.longestMs).toBeCloseTo(30);
    expect(r.over20).toBe(1);
  });

  it('reads no overlap for tasks that only touch', () => {
    const r = concurrentTasks([[x(1, 1, 0, 10_000, 1)], [x(1, 2, 10_000, 10_000, 1)]]);
    expect(r.overlapMs).toBe(0);
    expect(r.over20).toBe(0);
  });
});

describe('threadNames', () => {
  it('names a worker thread by the script its JS runs from', () => {
    const call = (tid: number, url: string): TraceEvent => ({
      ...x(1, tid, 10, 5, 5, 'FunctionCall'),
      args: { data: { url } },
    });
    const name = threadNames([
      meta(1, 10, 'process_name', 'Renderer'),
      meta(1, 11, 'thread_name', 'DedicatedWorker thread'),
      meta(1, 12, 'thread_name', 'DedicatedWorker thread'),
      meta(1, 10, 'thread_name', 'CrRendererMain'),
      call(11, 'http://localhost:4199/assets/teacher.worker-B4xk9_2a.js'),
      call(12, 'http://localhost:4199/assets/decode.worker-Qz81mmnP.js?x=1'),
      call(10, 'http://localhost:4199/assets/index-abcdef12.js'),
    ]);
    expect(name(1, 11)).toBe('Renderer/DedicatedWorker thread (teacher.worker)');
    expect(name(1, 12)).toBe('Renderer/DedicatedWorker thread (decode.worker)');
    expect(name(1, 10)).toBe('Renderer/CrRendererMain');
  });
});
