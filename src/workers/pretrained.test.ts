import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../engine/testSetup';
import { saveModelArtifacts } from '../engine/weights';
import { buildStudent } from '../models/students';
import { openStudioDb, putModel } from '../store';
import { checkPretrained } from './pretrained';

beforeAll(useCpu);

/** A resnetMini of 10 classes in the model library, as a run's student is kept there. */
async function libraryStudent(id: string): Promise<void> {
  const model = buildStudent('resnetMini', { inputSize: 8, channels: 1, numClasses: 10, seed: 1, width: 4 });
  const a = await saveModelArtifacts(model);
  model.dispose();
  await putModel(await openStudioDb(), {
    id,
    name: 'pretrained',
    kind: 'student',
    source: 'run',
    student: { arch: 'resnetMini', width: 4 },
    createdAt: 0,
    config: {
      id,
      name: 'pretrained',
      inputSize: 8,
      channels: 1,
      channelOrder: 'rgb',
      normalisation: 'unit',
      output: 'logits',
      numClasses: 10,
      classMapping: 'dataset',
    },
    artifacts: {
      modelTopology: a.modelTopology,
      weightSpecs: a.weightSpecs,
      weightData: a.weightData as ArrayBuffer,
    },
  });
}

describe('checkPretrained (the Train form, before any work)', () => {
  it('lists a head replaced for another class count, and refuses another student', async () => {
    await libraryStudent('student:a');
    const same = { arch: 'resnetMini' as const, inputSize: 8, channels: 1 as const, width: 4 };
    const ok = await checkPretrained('student:a', { ...same, numClasses: 10 });
    expect(ok).toMatchObject({ blocker: null, missing: 0, extra: 0, shapeDiffers: 0 });
    expect(ok.headReplaced).toBeUndefined();
    const head = await checkPretrained('student:a', { ...same, numClasses: 4 });
    expect(head.headReplaced).toEqual({ sourceClasses: 10, targetClasses: 4 });
    expect(head.blocker).toBeNull();
    expect(head.lines.join('\n')).toContain('classifier head replaced');
    const wider = await checkPretrained('student:a', { ...same, width: 8, numClasses: 10 });
    expect(wider.shapeDiffers).toBeGreaterThan(0);
    const other = await checkPretrained('student:a', { ...same, arch: 'mlp', numClasses: 10 });
    expect(other.blocker).toMatch(/no weight of this model fits/);
    await expect(checkPretrained('student:gone', { ...same, numClasses: 10 })).rejects.toThrow(
      /no longer in the model library/,
    );
  });
});
