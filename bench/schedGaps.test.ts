import { describe, expect, it } from 'vitest';
import { attributeWaits, describeWaits, parseTimehist } from './schedGaps';

// `perf sched timehist --state` rows: time, cpu, thread[tid/pid], wait, scheduling delay, run time
// (ms), state at switch-out (R: preempted).
const TEXT = `           time    cpu  task name                       wait time  sch delay   run time  state
                        [tid/pid]                          (msec)     (msec)     (msec)
--------------- ------  ------------------------------  ---------  ---------  ---------  -----
   100.000000 [0000]  chromium[50]                        0.000      0.000      1.000      S
   100.040000 [0000]  DedicatedWorker[61/50]              0.000      0.000     40.000      R
   100.050000 [0001]  node[70]                            0.000      0.000     50.000      R
   100.055000 [0000]  <idle>                              0.000      0.000     15.000      I
   100.061000 [0000]  chromium[50]                       60.000     58.000      2.000      R
   100.070000 [0001]  :-1[-1/4727]                        0.000      0.000      1.000      S
   100.150000 [0001]  chromium[50]                       88.000      0.000      1.000      S
`;

describe('parseTimehist', () => {
  it('reads threads with and without a pid, idle rows, and skips headers and odd names', () => {
    const rows = parseTimehist(TEXT);
    expect(rows.map((r) => r.thread)).toEqual([
      'chromium[50]',
      'DedicatedWorker[61/50]',
      'node[70]',
      '<idle>',
      'chromium[50]',
      'chromium[50]',
    ]);
    expect(rows[1]).toMatchObject({ tid: 61, pid: 50, runMs: 40, schDelayMs: 0, state: 'R' });
    expect(rows[4]).toMatchObject({ tid: 50, pid: 50, waitMs: 60, schDelayMs: 58, runMs: 2, state: 'R' });
  });
});

describe('attributeWaits', () => {
  it('splits the cores during a long wait into the browser, other processes and idle', () => {
    // The main thread (tid 50) was woken and waited 58 ms, from 100.001 to 100.059 s; then, preempted
    // at 100.061, it waited 88 ms on the run queue (its wait time, with no wake-up between).
    const r = attributeWaits(parseTimehist(TEXT), 50, new Set([50]), 40);
    expect(r.runs).toBe(3);
    expect(r.longestDelayMs).toBe(88);
    expect(r.waits.map((w) => [w.delayMs, w.cause])).toEqual([
      [58, 'woken'],
      [88, 'preempted'],
    ]);
    const [w] = r.waits;
    // Worker ran 100.000-100.040 (39 ms inside), node 100.000-100.050 (49 ms), idle 100.040-100.055 (15 ms).
    expect(w.browserMs).toBeCloseTo(39);
    expect(w.otherMs).toBeCloseTo(49);
    expect(w.idleMs).toBeCloseTo(15);
    expect(w.top[0].thread).toBe('node[70]');
    expect(describeWaits(r)).toContain('2 waits >= 40 ms');
  });

  it('keeps short waits out of the list but counts the runs', () => {
    const r = attributeWaits(parseTimehist(TEXT), 50, new Set([50]), 90);
    expect(r.waits).toEqual([]);
    expect(r.runs).toBe(3);
  });
});
