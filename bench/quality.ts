/**
 * bench:quality: the embedded student trained three ways on the embedded Fashion-MNIST 2k set
 * with the same student, seed, epochs, batch (crops per step) and so the same number of steps and crops:
 * FKD (stored soft labels from an embedded teacher), vanilla (hard labels) and online KD (the same teacher
 * on every step's crops). Each is evaluated on the full 10,000-image Fashion-MNIST test set (the headline:
 * nothing was tuned on it; read from Debian's dataset-fashion-mnist at bench time, bench/fashionTest.ts) and
 * on the 500 val images the recipe was chosen on (top-1, against hard labels). Goal: FKD
 * >= vanilla + 3 points and within 1 point of online KD; < 1 h on 2 cores. One seed's margin moves by
 * several points (500 val images: 1 image = 0.2 points, and a change as small as float rounding in the
 * crops reshuffles a run), so the run repeats the three trainings for six seeds and the headline figures
 * are the means over seeds.
 *
 * The embedded student is the studio's default (workers/trainConfig DEFAULT_TRAIN_CONFIG): the mini ResNet
 * (width 8) with the CNN teacher (the studio's default teacher), 64 stored crops/image, numCrops 1, crop
 * scale [0.08, 1] for all three methods (the ImageNet RandomResizedCrop default: small crops make hard
 * labels noisy, which is where per-crop soft labels pay), AdamW cosine, 32 epochs, each method at its own
 * learning rate tuned on seed 1 (LR below), measured on seeds 20-25 (declared before that run).
 * Results, the recipes tried before this one and what each probe found (learning rates, label scale,
 * numCrops, temperature, top-k, teachers, the MLP student): docs/results.md, bench:quality.
 *
 *   npx tsx bench/quality.ts [--seeds 20,21,22,23,24,25] [--epochs 32] [--num-crops 1] [--gen-crops 64] [--batch 64]
 *                            [--lr X | --lr-fkd 0.008 --lr-vanilla 0.004 --lr-online-kd 0.016]
 *                            [--scale-min 0.08] [--max-images 0] [--width 8] [--arch resnetMini]
 *                            [--teacher embedded:fashion-cnn-teacher | --teacher-dir DIR] [--temperature 1]
 *                            [--methods fkd,vanilla,onlineKd] [--mix none|mixup|cutmix|both] [--k 5]
 *                            [--label-mix mixup|cutmix|both]
 *   npx tsx bench/quality.ts --method fastMeal ...: Fast MEAL V2 against its starting student (qualityFastMeal.ts)
 *
 * Label-time vs train-time mixing: `--methods fkd,fkdLabelMix --mix cutmix --label-mix cutmix` trains
 * FKD with CutMix at train time (targets mixed) and FKD on a second label set mixed at label time (the
 * teacher labelled the mixed crops; no train-time mixing), same seeds, epochs and steps.
 */
import { DEFAULT_WIDTH } from '../src/models/students';
import { DEFAULT_LABEL_SETTINGS, LABEL_SCALE_MIN } from '../src/workers/labelConfig';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/workers/trainConfig';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateOnTestSet, openTestSet, testSetMissing } from './fashionTest';
import { arg, note, round, runBench, table } from './harness';
import { generateLabels, trainRun } from './studioJobs';
import { importTeacher } from './teachers';

const EPOCHS = arg('epochs', DEFAULT_TRAIN_CONFIG.epochs);
const NUM_CROPS = arg('num-crops', DEFAULT_TRAIN_CONFIG.numCrops);
/** Stored crops per image (FKD picks numCrops of them per image per pass): the studio's default. */
const GEN_CROPS = arg('gen-crops', DEFAULT_LABEL_SETTINGS.numCrops);
const BATCH = arg('batch', DEFAULT_TRAIN_CONFIG.cropsPerStep);
/**
 * The studio's default (workers/labelConfig.ts), below the embedded teachers' training scale (0.35):
 * small crops make hard labels noisy, which is where per-crop soft labels pay (docs/results.md).
 */
const SCALE_MIN = arg('scale-min', LABEL_SCALE_MIN);
/** Train on the first N images of the 2k set (0 = all): KD's gain shows most where hard labels overfit. */
const MAX_IMAGES = arg('max-images', 0);
/** Another student (bench:quality:mlp, exploration); width = its base width (default: the arch's). */
const ARCH = (
  process.argv.includes('--arch')
    ? process.argv[process.argv.indexOf('--arch') + 1]
    : DEFAULT_TRAIN_CONFIG.arch
) as TrainConfig['arch'];
const WIDTH = arg('width', DEFAULT_TRAIN_CONFIG.width ?? DEFAULT_WIDTH[ARCH]);
const DATASET = 'embedded:fashion-mnist';
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
/**
 * Seed 1 tuned the learning rates (LR below); seeds 2-19 were seen by earlier recipes and probes, so the
 * headline is measured on seeds 20-25, declared before the run that adopted this recipe.
 */
const SEEDS = (flag('seeds') ?? '20,21,22,23,24,25').split(',').map(Number);
/**
 * The studio's default teacher (the CNN). bench:quality:mlp passes the dense one: for the MLP student
 * the CNN's sharper labels distilled worse (docs/results.md, bench:quality:mlp).
 */
const TEACHER_FLAG = flag('teacher') ?? 'embedded:fashion-cnn-teacher';
/** Exploration: a teacher folder (model.json + group1-shard1of1.bin, 28x28 grey, [0,1], logits) instead. */
const TEACHER_DIR = flag('teacher-dir');
const ALL_METHODS = ['fkd', 'vanilla', 'onlineKd'] as const;
type Method = (typeof ALL_METHODS)[number] | 'fkdLabelMix';
/** fkdLabelMix: FKD on labels mixed at label time (this mode), train-time mixing off. */
const LABEL_MIX = flag('label-mix') as 'mixup' | 'cutmix' | 'both' | undefined;
/**
 * Learning rate per method, each at its best on the tuning seed 1 (AdamW grid 0.002-0.016; the grid is
 * in docs/results.md). A shared lr would favour one method: at the MLP's 0.002 vanilla was undertrained.
 * `--lr` sets all three; `--lr-fkd`, `--lr-vanilla`, `--lr-online-kd` one each.
 */
const LR_ALL = flag('lr');
const LR: Record<Method, number> = {
  fkd: Number(flag('lr-fkd') ?? LR_ALL ?? 0.008),
  vanilla: Number(flag('lr-vanilla') ?? LR_ALL ?? 0.004),
  onlineKd: Number(flag('lr-online-kd') ?? LR_ALL ?? 0.016),
  fkdLabelMix: Number(flag('lr-fkd') ?? LR_ALL ?? 0.008),
};
/** Classes kept per stored soft label (marginal-smoothing top-k; the rest share the remainder). */
const TOP_K = arg('k', 5);
/** Distillation temperature: stored labels are softmax(teacher/T), the loss compares softmax(student/T). */
const TEMPERATURE = arg('temperature', 1);
/** Mixup / CutMix for all three methods (exploration; TrainConfig.mix). */
const MIX = (flag('mix') ?? 'none') as NonNullable<TrainConfig['mix']>;
/** For exploring recipes only: the headline needs all three. */
const METHODS = (flag('methods') ?? ALL_METHODS.join(',')).split(',') as Method[];
if (METHODS.includes('fkdLabelMix') && !LABEL_MIX) throw new Error('--methods fkdLabelMix needs --label-mix');

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

// --method fastMeal: Fast MEAL V2 fine-tuning against its starting student, a bench of its own.
if (flag('method') === 'fastMeal') await import('./qualityFastMeal');

// The headline is measured on the Fashion-MNIST test set, which no recipe choice ever saw.
const missingTestSet = testSetMissing();
if (missingTestSet) throw new Error(missingTestSet);

await runBench('quality', async ({ page }) => {
  const t0 = Date.now();
  const testSet = await openTestSet(page);
  note(`test set: ${testSet.images} Fashion-MNIST test images indexed`);
  const TEACHER = TEACHER_DIR
    ? await importTeacher(
        page,
        `teacher from ${TEACHER_DIR}`,
        {
          modelJson: readFileSync(join(TEACHER_DIR, 'model.json'), 'utf8'),
          weightsB64: readFileSync(join(TEACHER_DIR, 'group1-shard1of1.bin')).toString('base64'),
          flops: 0,
          params: 0,
        },
        {
          inputSize: 28,
          channels: 1,
          channelOrder: 'rgb',
          normalisation: 'unit',
          output: 'logits',
          numClasses: 10,
          classMapping: 'dataset',
        },
      )
    : TEACHER_FLAG;
  note(`FKD labels: ${GEN_CROPS} crops/image from the embedded teacher`);
  const labels = await generateLabels(page, {
    datasetId: DATASET,
    teacherId: TEACHER,
    numCrops: GEN_CROPS,
    inputSize: 28,
    scale: [SCALE_MIN, 1],
    temperature: TEMPERATURE,
    k: TOP_K,
  });
  // The same settings and seed, the crops mixed with their partners before the teacher.
  const mixedLabels = METHODS.includes('fkdLabelMix')
    ? await generateLabels(page, {
        datasetId: DATASET,
        teacherId: TEACHER,
        numCrops: GEN_CROPS,
        inputSize: 28,
        scale: [SCALE_MIN, 1],
        temperature: TEMPERATURE,
        k: TOP_K,
        labelMix: LABEL_MIX,
      })
    : null;
  if (mixedLabels) note(`label-time ${LABEL_MIX} labels made in ${mixedLabels.seconds.toFixed(0)} s`);
  const base: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    method: 'fkd',
    datasetId: DATASET,
    labelSetId: labels.id,
    teacherId: TEACHER,
    arch: ARCH,
    inputSize: 28,
    channels: 1,
    normalisation: 'unit',
    epochs: EPOCHS,
    numCrops: NUM_CROPS,
    cropsPerStep: BATCH,
    optimizer: 'adamw',
    lr: LR.fkd,
    schedule: 'cosine',
    cosinePer: 'step',
    temperature: TEMPERATURE,
    teacherTemperature: TEMPERATURE,
    scale: [SCALE_MIN, 1],
    mix: MIX,
    seed: SEEDS[0],
    width: WIDTH,
    maxImages: MAX_IMAGES,
    checkpointEvery: 100000,
    evalEachPass: false,
  };
  type Result = {
    top1: number;
    top5: number;
    testTop1: number;
    testTop5: number;
    steps: number;
    seconds: number;
    backend: string;
  };
  const perSeed: { seed: number; results: Partial<Record<Method, Result>> }[] = [];
  for (const seed of SEEDS) {
    const results: Partial<Record<Method, Result>> = {};
    for (const method of METHODS) {
      note(`seed ${seed}: training ${method}: ${ARCH}, ${EPOCHS} epochs, ${BATCH} crops/step`);
      const run =
        method === 'fkdLabelMix'
          ? { ...base, method: 'fkd', labelSetId: mixedLabels!.id, mix: 'none', seed, lr: LR[method] }
          : { ...base, method, seed, lr: LR[method] };
      const r = await trainRun(page, run as never);
      if (r.status !== 'done') throw new Error(`${method} run ended ${r.status}: ${r.error ?? ''}`);
      const ev = await page.evaluate((id) => window.__fkd!.studio().trainer.api.evaluate(id), r.id);
      const test = await evaluateOnTestSet(page, r.id, testSet, base);
      if (test.images !== testSet.images) throw new Error(`test evaluation saw ${test.images} images`);
      results[method] = {
        top1: ev.top1,
        top5: ev.top5,
        testTop1: test.top1,
        testTop5: test.top5,
        steps: r.step,
        seconds: r.seconds,
        backend: r.backend,
      };
      note(
        `seed ${seed}: ${method}: val top-1 ${(100 * ev.top1).toFixed(1)}%, test top-1 ${(100 * test.top1).toFixed(2)}% in ${r.seconds.toFixed(0)} s`,
      );
    }
    perSeed.push({ seed, results });
  }
  const pct = (x: number) => round(100 * x, 2);
  // NaN where --methods left a method out (exploration runs only).
  const top1Of = (p: (typeof perSeed)[number], m: Method) => pct(p.results[m]?.top1 ?? NaN);
  const testOf = (p: (typeof perSeed)[number], m: Method) => pct(p.results[m]?.testTop1 ?? NaN);
  const meanTop1 = (m: Method) => round(mean(perSeed.map((p) => top1Of(p, m))), 2);
  const meanTest = (m: Method) => round(mean(perSeed.map((p) => testOf(p, m))), 2);
  const fkdTop1 = meanTop1('fkd');
  const vanillaTop1 = meanTop1('vanilla');
  const onlineKdTop1 = meanTop1('onlineKd');
  const [fkdTest, vanillaTest, onlineKdTest] = [meanTest('fkd'), meanTest('vanilla'), meanTest('onlineKd')];
  const backend = Object.values(perSeed[0].results)[0]?.backend ?? '?';

  console.log(
    `bench:quality — ${ARCH} (width ${WIDTH}) on embedded Fashion-MNIST (${MAX_IMAGES || 2000} train images, val 500), ${EPOCHS} epochs, ${BATCH} crops/step, ` +
      `AdamW lr (FKD/vanilla/online KD) ${LR.fkd}/${LR.vanilla}/${LR.onlineKd} cosine, scale [${SCALE_MIN}, 1], seeds ${SEEDS.join(',')}; teacher ${TEACHER}; FKD: ${GEN_CROPS} stored crops/image ` +
      `(msTopK${TOP_K} q8, T=${TEMPERATURE}), numCrops ${NUM_CROPS}; backend ${backend}`,
  );
  console.log(
    table(
      ['seed', 'method', 'test top-1 %', 'test top-5 %', 'val top-1 %', 'val top-5 %', 'steps', 'train s'],
      perSeed.flatMap((p) =>
        METHODS.map((m) => [
          p.seed,
          m,
          testOf(p, m),
          pct(p.results[m]?.testTop5 ?? NaN),
          top1Of(p, m),
          pct(p.results[m]?.top5 ?? NaN),
          p.results[m]?.steps ?? '-',
          p.results[m]?.seconds ?? '-',
        ]),
      ),
    ),
  );
  const margins = perSeed.map((p) => round(top1Of(p, 'fkd') - top1Of(p, 'vanilla'), 2));
  const testMargins = perSeed.map((p) => round(testOf(p, 'fkd') - testOf(p, 'vanilla'), 2));
  const minutes = (Date.now() - t0) / 60000;
  const labelMixTest = meanTest('fkdLabelMix');
  if (mixedLabels)
    console.log(
      `mixing, test set mean over ${SEEDS.length} seeds: label-time ${LABEL_MIX} ${labelMixTest} vs FKD with train-time --mix ${MIX} ${fkdTest}: ` +
        `label-time - train-time = ${(labelMixTest - fkdTest).toFixed(2)} points (val ${meanTop1('fkdLabelMix')} vs ${fkdTop1})`,
    );
  console.log(
    `test set (${testSet.images} images), mean over ${SEEDS.length} seeds: FKD ${fkdTest}, vanilla ${vanillaTest}, online KD ${onlineKdTest}; ` +
      `FKD - vanilla = ${(fkdTest - vanillaTest).toFixed(2)} points (per seed ${testMargins.join(', ')}); ` +
      `FKD - online KD = ${(fkdTest - onlineKdTest).toFixed(2)} points`,
  );
  console.log(
    `val (500 images, the set the recipe was tuned on), mean over ${SEEDS.length} seeds: FKD ${fkdTop1}, vanilla ${vanillaTop1}, online KD ${onlineKdTop1}; ` +
      `FKD - vanilla = ${(fkdTop1 - vanillaTop1).toFixed(2)} points (goal >= 3; per seed ${margins.join(', ')}); ` +
      `FKD - online KD = ${(fkdTop1 - onlineKdTop1).toFixed(2)} points (goal within 1); ${minutes.toFixed(1)} min`,
  );
  return {
    ...(mixedLabels && {
      labelMix: LABEL_MIX,
      trainMix: MIX,
      fkdLabelMixTestTop1: labelMixTest,
      fkdLabelMixTop1: meanTop1('fkdLabelMix'),
      labelMinusTrainMixTestTop1: round(labelMixTest - fkdTest, 2),
      labelMinusTrainMixPerSeed: perSeed.map((p) => round(testOf(p, 'fkdLabelMix') - testOf(p, 'fkd'), 2)),
      labelMixGenerationSeconds: round(mixedLabels.seconds, 1),
    }),
    testImages: testSet.images,
    fkdTestTop1: fkdTest,
    vanillaTestTop1: vanillaTest,
    onlineKdTestTop1: onlineKdTest,
    fkdMinusVanillaTestTop1: round(fkdTest - vanillaTest, 2),
    fkdMinusOnlineKdTestTop1: round(fkdTest - onlineKdTest, 2),
    fkdMinusVanillaTestPerSeed: testMargins,
    fkdTop1,
    vanillaTop1,
    onlineKdTop1,
    fkdMinusVanillaTop1: round(fkdTop1 - vanillaTop1, 2),
    fkdMinusOnlineKdTop1: round(fkdTop1 - onlineKdTop1, 2),
    fkdMinusVanillaPerSeed: margins,
    perSeed: perSeed.map((p) => ({
      seed: p.seed,
      fkdTop1: top1Of(p, 'fkd'),
      vanillaTop1: top1Of(p, 'vanilla'),
      onlineKdTop1: top1Of(p, 'onlineKd'),
      fkdTestTop1: testOf(p, 'fkd'),
      vanillaTestTop1: testOf(p, 'vanilla'),
      onlineKdTestTop1: testOf(p, 'onlineKd'),
      fkdSeconds: round(p.results.fkd?.seconds ?? NaN, 1),
      vanillaSeconds: round(p.results.vanilla?.seconds ?? NaN, 1),
      onlineKdSeconds: round(p.results.onlineKd?.seconds ?? NaN, 1),
    })),
    labelGenerationSeconds: round(labels.seconds, 1),
    backend,
    minutes: round(minutes, 2),
    recipe: {
      student: `${ARCH} width ${WIDTH}`,
      teacher: TEACHER,
      trainImages: MAX_IMAGES || 2000,
      epochs: EPOCHS,
      cropsPerStep: BATCH,
      numCrops: NUM_CROPS,
      generationCrops: GEN_CROPS,
      topK: TOP_K,
      lr: LR,
      tuningSeed: LR_ALL ? null : 1,
      optimizer: 'adamw',
      scale: [SCALE_MIN, 1],
      seeds: SEEDS,
      steps: Object.values(perSeed[0].results)[0]?.steps ?? 0,
      temperature: TEMPERATURE,
    },
  };
});
