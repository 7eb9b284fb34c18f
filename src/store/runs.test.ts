import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeStudioDb, openStudioDb, type StudioDb } from './db';
import { StoreError } from './errors';
import { sweepOrphans } from './maintenance';
import {
  appendRunHistory,
  deleteRun,
  getRun,
  latestCheckpoint,
  listCheckpointSteps,
  listRuns,
  patchRun,
  pruneCheckpoints,
  putCheckpoint,
  putRun,
  truncateRunHistory,
} from './runs';
import { freshDbName, makeCheckpoint, makeRun } from './test-fixtures';

let name: string;
let db: StudioDb;

beforeEach(async () => {
  name = freshDbName();
  db = await openStudioDb(name);
});

afterEach(() => closeStudioDb(name));

describe('runs', () => {
  it('round-trips, appends history atomically and patches without losing history', async () => {
    await putRun(db, makeRun('r2', 2));
    await putRun(db, makeRun('r1', 1));
    expect((await listRuns(db)).map((r) => r.id)).toEqual(['r1', 'r2']);
    await appendRunHistory(db, 'r1', { step: 10, epoch: 0, loss: 2.3, time: 100 });
    const run = await appendRunHistory(
      db,
      'r1',
      [
        { step: 20, epoch: 0, loss: 2.1, lr: 0.1, time: 200 },
        { step: 30, epoch: 1, valTop1: 0.4, valTop5: 0.8, cropsPerSec: 900, time: 300 },
      ],
      { status: 'paused' },
    );
    expect(run.history.map((h) => h.step)).toEqual([10, 20, 30]);
    expect(run.status).toBe('paused');
    await patchRun(db, 'r1', { name: 'renamed', speed: { cropsPerSec: 950 } });
    const stored = await getRun(db, 'r1');
    expect(stored?.history).toHaveLength(3);
    expect(stored).toMatchObject({ name: 'renamed', speed: { cropsPerSec: 950 }, status: 'paused' });
    const missing = await appendRunHistory(db, 'nope', { step: 1, epoch: 0, time: 1 }).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(StoreError);
    expect((missing as StoreError).kind).toBe('notFound');
    expect(await getRun(db, 'nope')).toBeUndefined();
  });
});

describe('truncateRunHistory', () => {
  it('drops the steps a resume from an older checkpoint trains again, and sets the status with them', async () => {
    await putRun(db, makeRun('r1', 1));
    await appendRunHistory(
      db,
      'r1',
      [4, 8, 12, 14].map((step) => ({ step, epoch: 0, loss: 1, time: step })),
    );
    const run = await truncateRunHistory(db, 'r1', 8, { status: 'running', error: undefined });
    expect(run.history.map((h) => h.step)).toEqual([4, 8]);
    expect((await getRun(db, 'r1'))?.history.map((h) => h.step)).toEqual([4, 8]);
    expect(run.status).toBe('running');
    const missing = await truncateRunHistory(db, 'nope', 0).catch((e: unknown) => e);
    expect((missing as StoreError).kind).toBe('notFound');
  });
});

describe('checkpoints', () => {
  it('latestCheckpoint picks the highest step of that run only', async () => {
    expect(await latestCheckpoint(db, 'r1')).toBeUndefined();
    for (const step of [100, 5, 2000, 300]) await putCheckpoint(db, makeCheckpoint('r1', step));
    await putCheckpoint(db, makeCheckpoint('r10', 9999));
    await putCheckpoint(db, makeCheckpoint('r0', 8888));
    const latest = await latestCheckpoint(db, 'r1');
    expect(latest?.step).toBe(2000);
    expect(new Float32Array(latest!.weights[0].data)).toEqual(new Float32Array([2000, 2000.5]));
    expect(latest?.cursor).toEqual({ epoch: 0, position: 2000 });
    expect(await listCheckpointSteps(db, 'r1')).toEqual([5, 100, 300, 2000]);
  });

  it('pruneCheckpoints keeps the newest N and leaves other runs alone', async () => {
    for (const step of [1, 2, 3, 4, 5]) await putCheckpoint(db, makeCheckpoint('r1', step));
    await putCheckpoint(db, makeCheckpoint('r2', 1));
    expect(await pruneCheckpoints(db, 'r1', 2)).toBe(3);
    expect(await listCheckpointSteps(db, 'r1')).toEqual([4, 5]);
    expect(await pruneCheckpoints(db, 'r1', 5)).toBe(0);
    expect(await listCheckpointSteps(db, 'r2')).toEqual([1]);
    expect(await pruneCheckpoints(db, 'r1', 0)).toBe(2);
    expect(await latestCheckpoint(db, 'r1')).toBeUndefined();
  });

  it('deleteRun removes the run and its checkpoints; sweep finds orphaned checkpoints', async () => {
    await putRun(db, makeRun('r1'));
    await putRun(db, makeRun('r2'));
    for (let step = 0; step < 10; step++) await putCheckpoint(db, makeCheckpoint('r1', step));
    await putCheckpoint(db, makeCheckpoint('r2', 1));
    await putCheckpoint(db, makeCheckpoint('ghost', 1));
    await deleteRun(db, 'r1');
    expect(await getRun(db, 'r1')).toBeUndefined();
    expect(await listCheckpointSteps(db, 'r1')).toEqual([]);
    expect(await listCheckpointSteps(db, 'r2')).toEqual([1]);
    expect(await sweepOrphans(db)).toEqual({ datasetItems: 0, labels: 0, checkpoints: 1 });
    expect(await listCheckpointSteps(db, 'r2')).toEqual([1]);
  });
});
