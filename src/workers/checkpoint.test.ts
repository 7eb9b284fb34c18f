import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../engine/testSetup';
import { createTrainer } from '../engine/trainStep';
import { buildStudent } from '../models/students';
import { latestCheckpoint, listCheckpointSteps, openStudioDb } from '../store';
import { checkpointDue, restoreLatest, saveCheckpoint } from './checkpoint';

beforeAll(useCpu);

async function weightsOf(model: tf.LayersModel): Promise<number[]> {
  const out: number[] = [];
  for (const w of model.weights) out.push(...(await w.read().data()));
  return out;
}

describe('checkpoints', () => {
  it('restore brings back the weights and the step; only the latest two are kept', async () => {
    const model = buildStudent('mlp', { inputSize: 4, channels: 1, numClasses: 3, seed: 1, width: 8 });
    const trainer = createTrainer(model, { optimizer: 'sgd', lr: 0.1 });
    const s = { model, trainer, cfg: { seed: 7 } };
    const step = () => {
      const x = tf.randomUniform([2, 4, 4, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
      const q = tf.tensor2d([1, 0, 0, 0, 1, 0], [2, 3]);
      trainer.step(x, q).dispose();
      tf.dispose([x, q]);
    };
    expect(await restoreLatest('ckpt-run', s)).toBe(0); // nothing saved yet: start at step 0
    step();
    await saveCheckpoint('ckpt-run', s, { step: 1, epoch: 0, pass: 0 });
    step();
    await saveCheckpoint('ckpt-run', s, { step: 2, epoch: 0, pass: 0 });
    const saved = await weightsOf(model);
    step();
    await saveCheckpoint('ckpt-run', s, { step: 3, epoch: 1, pass: 1 });
    step(); // trained past the checkpoint, then the tab closed
    expect(await weightsOf(model)).not.toEqual(saved);

    const db = await openStudioDb();
    const latest = (await latestCheckpoint(db, 'ckpt-run'))!;
    expect([latest.step, latest.epoch, latest.pass, latest.rngState]).toEqual([3, 1, 1, { seed: 7 }]);
    expect((await listCheckpointSteps(db, 'ckpt-run')).sort()).toEqual([2, 3]);

    expect(await restoreLatest('ckpt-run', s)).toBe(3);
    await db.delete('checkpoints', [latest.runId, latest.step]);
    expect(await restoreLatest('ckpt-run', s)).toBe(2);
    expect(await weightsOf(model)).toEqual(saved);
    trainer.dispose();
    model.dispose();
  });

  it('is due at the end of a pass, every N steps, and when pausing', () => {
    expect(checkpointDue(5, 10, false, false)).toBe(false);
    expect(checkpointDue(10, 10, false, false)).toBe(true);
    expect(checkpointDue(7, 10, true, false)).toBe(true);
    expect(checkpointDue(7, 10, false, true)).toBe(true);
  });
});
