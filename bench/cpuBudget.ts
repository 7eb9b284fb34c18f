/**
 * bench:cpu: does the CPU budget (data/cpuSlots.ts, Settings → CPU) slow a job that runs alone? One
 * browser session, the budget switched off and on in turn (A B A B ...) so both see the same machine:
 *  - generation alone: the embedded CNN teacher over the embedded Fashion-MNIST 2k, images/s;
 *  - training alone, decode-bound: FKD and vanilla on 500x375 JPEGs (a small MLP at 32 px, as
 *    bench:train's decode-bound case), where the model step and the decodes compete for slots;
 *  - training alone, compute-bound: FKD, the embedded set's default student.
 * Each figure is the median over the rounds of its setting; the ratio on ÷ off is the cost.
 *
 *   npx tsx bench/cpuBudget.ts [--rounds 2] [--images 160] [--timed 40] [--gen-per-class 30]
 */
import type { Page } from 'playwright-core';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/workers/trainConfig';
import { arg, note, round, runBench, table } from './harness';
import { generateLabels } from './studioJobs';
import { importTeacher, randomTeacher } from './teachers';
import { writeSyntheticImageNet } from './syntheticImageNet';
import { CLASSES } from './trainSpeed';

const ROUNDS = arg('rounds', 2);
const IMAGES = arg('images', 160);
const TIMED = arg('timed', 40);
const GEN_PER_CLASS = arg('gen-per-class', 30);
const SIZE = 32;

async function setSlots(page: Page, on: boolean): Promise<number> {
  return page.evaluate(async (on) => {
    const s = window.__fkd!.studio();
    const n = on ? Math.max(1, navigator.hardwareConcurrency - 1) : 0;
    await Promise.all([s.teacher.api.setCpuSlots(n), s.trainer.api.setCpuSlots(n)]);
    return s.trainer.api.cpuSlots();
  }, on);
}

/** Crops per second of one method's speed row. */
async function cropsPerSec(page: Page, cfg: TrainConfig): Promise<number> {
  const t = await page.evaluate(
    ([c, n]) => window.__fkd!.studio().trainer.api.speed(c, [c.method], { warmupSteps: 2, timedSteps: n }),
    [cfg, TIMED] as const,
  );
  const r = t.rows[0];
  if (!r || r.error) throw new Error(`speed ${cfg.method}: ${r?.error ?? 'no row'}`);
  return r.cropsPerSec;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

await runBench('cpu', async ({ page }) => {
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  note(`writing ${IMAGES} 500x375 JPEGs to OPFS`);
  const made = await writeSyntheticImageNet(page, { images: IMAGES, classes: CLASSES });
  const teacherArt = await randomTeacher({
    kind: 'dense',
    inputSize: SIZE,
    channels: 3,
    numClasses: CLASSES,
  });
  const teacherId = await importTeacher(page, 'bench random dense teacher', teacherArt, {
    inputSize: SIZE,
    channels: 3,
    channelOrder: 'rgb',
    normalisation: 'imagenet',
    output: 'logits',
    numClasses: CLASSES,
    classMapping: 'dataset',
  });
  note('FKD labels for the decode-bound set and the embedded set');
  const jpegLabels = await generateLabels(page, {
    datasetId: made.datasetId,
    teacherId,
    numCrops: 16,
    inputSize: SIZE,
    scale: [0.08, 1],
  });
  const embLabels = await generateLabels(page, {
    datasetId: 'embedded:fashion-mnist',
    teacherId: 'embedded:fashion-teacher',
    numCrops: 4,
    inputSize: 28,
    scale: [0.08, 1],
  });
  const jpegCfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    method: 'fkd',
    datasetId: made.datasetId,
    labelSetId: jpegLabels.id,
    teacherId,
    arch: 'mlp',
    width: 64,
    inputSize: SIZE,
    channels: 3,
    normalisation: 'imagenet',
    numCrops: 4,
    cropsPerStep: 32,
    epochs: 40,
    scale: [0.08, 1],
    checkpointEvery: 100000,
    evalEachPass: false,
  };
  const embCfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    method: 'fkd',
    datasetId: 'embedded:fashion-mnist',
    labelSetId: embLabels.id,
    epochs: 40,
    checkpointEvery: 100000,
    evalEachPass: false,
  };

  const cases = [
    'generation img/s',
    'FKD 500x375 crops/s',
    'vanilla 500x375 crops/s',
    'FKD embedded crops/s',
  ];
  const seen: Record<'off' | 'on', number[][]> = { off: cases.map(() => []), on: cases.map(() => []) };
  let slotsOn = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const on of [false, true]) {
      const slots = await setSlots(page, on);
      if (on) slotsOn = slots;
      note(`round ${r + 1}, budget ${on ? `on (${slots} slot(s))` : 'off'}`);
      const gen = await generateLabels(page, {
        datasetId: 'embedded:fashion-mnist',
        teacherId: 'embedded:fashion-cnn-teacher',
        numCrops: 16,
        inputSize: 28,
        scale: [0.08, 1],
        seed: 1000 + r * 2 + (on ? 1 : 0),
        subset: { kind: 'perClass', n: GEN_PER_CLASS },
      });
      const row = [
        gen.imagesDone / gen.seconds,
        await cropsPerSec(page, jpegCfg),
        await cropsPerSec(page, { ...jpegCfg, method: 'vanilla' }),
        await cropsPerSec(page, embCfg),
      ];
      row.forEach((v, i) => seen[on ? 'on' : 'off'][i].push(v));
    }
  }
  const rows = cases.map((c, i) => {
    const off = median(seen.off[i]);
    const on = median(seen.on[i]);
    return [c, round(off, 1), round(on, 1), round(on / off, 3)];
  });
  console.log(
    `bench:cpu — one job at a time, CPU budget off vs on (${slotsOn} slot(s) of ${cores} hardware threads), median of ${ROUNDS} rounds each`,
  );
  console.log(table(['job', 'off', 'on', 'on ÷ off'], rows));
  return {
    cores,
    slots: slotsOn,
    rounds: ROUNDS,
    ...Object.fromEntries(rows.map((r) => [String(r[0]), { off: r[1], on: r[2], ratio: r[3] }])),
  };
});
