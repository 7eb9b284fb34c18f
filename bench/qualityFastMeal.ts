/**
 * bench:quality --method fastMeal: Fast MEAL V2 fine-tuning against the student it starts from, on the
 * embedded Fashion-MNIST 2k set. As MEAL V2 starts from a hard-label (timm ImageNet) model, the starting
 * student is the studio's default student trained vanilla with bench:quality's budget; it goes into the
 * model library and Fast MEAL V2 fine-tunes it with MEAL V2's recipe (core/recipe FAST_MEAL_RECIPE) on
 * the stored labels of the ensemble of both embedded teachers. Both are evaluated on the 500 val images
 * and the 10,000-image Fashion-MNIST test set; the run's own "before" (evaluated in the run before step 0)
 * must equal the starting student's val top-1, which checks the weight load end to end. A control run
 * fine-tunes the same start with the same recipe and budget on hard labels (vanilla from the pretrained
 * student), so the gain from the ensemble's labels is told apart from the gain of training longer.
 *
 *   npx tsx bench/quality.ts --method fastMeal [--seeds 20,21] [--epochs 32] [--fm-epochs 8]
 *                            [--gen-crops 64] [--fm-lr 0.01] [--fm-num-crops 8] [--fm-schedule step|cosine]
 */
import { ensembleTeacherId } from '../src/core/ensembleId';
import { DEFAULT_LABEL_SETTINGS, LABEL_SCALE_MIN } from '../src/core/labelSettings';
import {
  DEFAULT_TRAIN_CONFIG,
  FAST_MEAL_RECIPE,
  withFastMealRecipe,
  type TrainConfig,
} from '../src/core/recipe';
import { evaluateOnTestSet, openTestSet } from './fashionTest';
import { arg, note, round, runBench, table } from './harness';
import { generateLabels, trainRun } from './studioJobs';

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const SEEDS = (flag('seeds') ?? '20,21').split(',').map(Number);
const EPOCHS = arg('epochs', DEFAULT_TRAIN_CONFIG.epochs);
const FM_EPOCHS = arg('fm-epochs', 8);
const GEN_CROPS = arg('gen-crops', DEFAULT_LABEL_SETTINGS.numCrops);
const FM_LR = arg('fm-lr', FAST_MEAL_RECIPE.lr);
const FM_NUM_CROPS = arg('fm-num-crops', FAST_MEAL_RECIPE.numCrops);
const FM_SCHEDULE = (flag('fm-schedule') ?? FAST_MEAL_RECIPE.schedule) as TrainConfig['schedule'];
/** bench:quality's vanilla learning rate (tuned on seed 1 there). */
const VANILLA_LR = 0.004;
const DATASET = 'embedded:fashion-mnist';
const TEACHER = ensembleTeacherId(['embedded:fashion-cnn-teacher', 'embedded:fashion-teacher']);

type Eval = { val: number; test: number };

await runBench('quality-fastmeal', async ({ page }) => {
  const t0 = Date.now();
  const testSet = await openTestSet(page);
  note(`ensemble labels: ${GEN_CROPS} crops/image from ${TEACHER}`);
  const labels = await generateLabels(page, {
    datasetId: DATASET,
    teacherId: TEACHER,
    numCrops: GEN_CROPS,
    inputSize: 28,
    scale: [LABEL_SCALE_MIN, 1],
  });
  const base: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    method: 'vanilla',
    datasetId: DATASET,
    epochs: EPOCHS,
    lr: VANILLA_LR,
    checkpointEvery: 100000,
    evalEachPass: false,
  };
  const evaluate = async (runId: string): Promise<Eval> => {
    const ev = await page.evaluate((id) => window.__fkd!.studio().trainer.api.evaluate(id), runId);
    const test = await evaluateOnTestSet(page, runId, testSet, base);
    return { val: ev.top1, test: test.top1 };
  };
  const rows: {
    seed: number;
    start: Eval;
    fastMeal: Eval;
    control: Eval;
    runBefore: number;
    seconds: number;
  }[] = [];
  for (const seed of SEEDS) {
    note(`seed ${seed}: the starting student, vanilla, ${EPOCHS} epochs`);
    const r0 = await trainRun(page, { ...base, seed });
    if (r0.status !== 'done') throw new Error(`starting run ended ${r0.status}: ${r0.error ?? ''}`);
    const start = await evaluate(r0.id);
    const pretrainedId = await page.evaluate(
      (id) => window.__fkd!.studio().trainer.api.saveStudentToLibrary(id),
      r0.id,
    );
    note(`seed ${seed}: Fast MEAL V2, ${FM_EPOCHS} epochs from ${pretrainedId}`);
    const fm: TrainConfig = {
      ...withFastMealRecipe(base),
      method: 'fastMeal',
      labelSetId: labels.id,
      pretrainedId,
      seed,
      epochs: FM_EPOCHS,
      lr: FM_LR,
      numCrops: FM_NUM_CROPS,
      schedule: FM_SCHEDULE,
    };
    const r1 = await trainRun(page, fm);
    if (r1.status !== 'done') throw new Error(`Fast MEAL V2 run ended ${r1.status}: ${r1.error ?? ''}`);
    const runBefore = await page.evaluate(async (id) => {
      const { store } = window.__fkd!;
      return (await store.getRun(await store.openStudioDb(), id))?.before?.top1 ?? NaN;
    }, r1.id);
    if (runBefore !== start.val)
      throw new Error(
        `the run's before (${runBefore}) is not the starting student's val top-1 (${start.val})`,
      );
    const fastMeal = await evaluate(r1.id);
    note(`seed ${seed}: control, the same fine-tuning on hard labels`);
    const r2 = await trainRun(page, { ...fm, method: 'vanilla', labelSetId: undefined });
    if (r2.status !== 'done') throw new Error(`control run ended ${r2.status}: ${r2.error ?? ''}`);
    const control = await evaluate(r2.id);
    rows.push({ seed, start, fastMeal, control, runBefore, seconds: r1.seconds });
    note(`seed ${seed}: test top-1 ${(100 * start.test).toFixed(2)} -> ${(100 * fastMeal.test).toFixed(2)}`);
  }
  const pct = (x: number) => round(100 * x, 2);
  const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length, 2);
  const meanOf = (f: (r: (typeof rows)[number]) => number) => mean(rows.map((r) => pct(f(r))));
  const summary = {
    startTestTop1: meanOf((r) => r.start.test),
    fastMealTestTop1: meanOf((r) => r.fastMeal.test),
    startValTop1: meanOf((r) => r.start.val),
    fastMealValTop1: meanOf((r) => r.fastMeal.val),
    controlTestTop1: meanOf((r) => r.control.test),
    controlValTop1: meanOf((r) => r.control.val),
  };
  console.log(
    `bench:quality --method fastMeal — ${base.arch} on embedded Fashion-MNIST; start: vanilla AdamW lr ${VANILLA_LR}, ${EPOCHS} epochs; ` +
      `Fast MEAL V2: ${FM_EPOCHS} epochs, SGD lr ${FM_LR} m0.9 wd 0, numCrops ${FM_NUM_CROPS}, ${FM_SCHEDULE} schedule, labels ${GEN_CROPS} crops/image from ${TEACHER}; seeds ${SEEDS.join(',')}`,
  );
  console.log(
    table(
      [
        'seed',
        'start test %',
        'Fast MEAL V2 test %',
        'start val %',
        'Fast MEAL V2 val %',
        'run before %',
        'FM train s',
      ],
      rows.map((r) => [
        r.seed,
        pct(r.start.test),
        pct(r.fastMeal.test),
        pct(r.start.val),
        pct(r.fastMeal.val),
        pct(r.runBefore),
        round(r.seconds, 1),
      ]),
    ),
  );
  const gain = round(summary.fastMealTestTop1 - summary.startTestTop1, 2);
  const minutes = (Date.now() - t0) / 60000;
  console.log(
    `test set mean over ${SEEDS.length} seeds: start ${summary.startTestTop1}, Fast MEAL V2 ${summary.fastMealTestTop1} (${gain >= 0 ? '+' : ''}${gain} points), ` +
      `the same fine-tuning on hard labels ${summary.controlTestTop1}; ${minutes.toFixed(1)} min`,
  );
  return {
    ...summary,
    fastMealMinusStartTestTop1: gain,
    fastMealMinusStartValTop1: round(summary.fastMealValTop1 - summary.startValTop1, 2),
    fastMealMinusControlTestTop1: round(summary.fastMealTestTop1 - summary.controlTestTop1, 2),
    perSeed: rows.map((r) => ({
      seed: r.seed,
      startTestTop1: pct(r.start.test),
      fastMealTestTop1: pct(r.fastMeal.test),
      startValTop1: pct(r.start.val),
      fastMealValTop1: pct(r.fastMeal.val),
      controlTestTop1: pct(r.control.test),
      controlValTop1: pct(r.control.val),
    })),
    recipe: {
      student: base.arch,
      startEpochs: EPOCHS,
      fastMealEpochs: FM_EPOCHS,
      lr: FM_LR,
      numCrops: FM_NUM_CROPS,
      schedule: FM_SCHEDULE,
      generationCrops: GEN_CROPS,
      teacher: TEACHER,
      seeds: SEEDS,
    },
    labelGenerationSeconds: round(labels.seconds, 1),
    minutes: round(minutes, 2),
  };
});
