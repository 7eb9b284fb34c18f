/**
 * bench:train: in one run, on the trainer worker's backend, in headless Chromium:
 *  - epoch time FKD / vanilla and FKD / online KD, from trainer.api.speed (src/workers/speed.ts: the
 *    real step code, data loading and decoding included);
 *  - pipeline efficiency: FKD crops/s / the student's compute-only crops/s on a batch already on the
 *    device (trainer.api.studentOnlyThroughput);
 *  - the main thread's longest delay, from a 5-ms timer probe and from Long Task entries
 *    (bench/mainThread.ts), while an FKD run started from the Train view trains and the Pipeline (live)
 *    view draws it (bench/trainUi.ts).
 * Two configurations:
 *  - decode-bound: a synthetic ImageNet-layout folder of 500x375 JPEGs written to OPFS by the page
 *    (OffscreenCanvas.convertToBlob) and opened like a picked folder; a small student (mlp at 32 px,
 *    RGB); a dense teacher with ~8x the student's FLOPs, built with random weights here in Node,
 *    imported through teacher.api.importTeacher; FKD labels generated with that teacher.
 *  - compute-bound (bench/trainCompute.ts): resnetMini (ResNet-18 shape in miniature) at 28 px on the embedded Fashion-MNIST
 *    set; a random-weight ResNet-18-shaped teacher (bench/teachers.ts randomTeacher 'resnet18', width 16,
 *    ~12x resnetMini's FLOPs: the student's own family, deeper and wider, as FKD's teachers are),
 *    imported the same way, labels the FKD set (8 crops/image) and is online KD's teacher. (The
 *    embedded teacher is a tiny MLP, ~0.02x the student: online KD with it cost almost nothing extra,
 *    which is not the setting FKD addresses.) Online KD is also timed with the same shape at width 40
 *    (~75x): on wasm, which the studio picks for conv students since engine/kernels/wasmConvGrad.ts, a forward
 *    is cheaper per FLOP than a training step, so what online KD costs depends on the teacher's
 *    forward time over the student's step time, printed for both teachers (FKD/online KD <= 0.5 needs
 *    it >= ~1; the paper's teacher forward costs about one ResNet-50 step).
 * Beside the decode-bound figures it prints what the goals allow on this machine at all
 * (core/pipelineModel.ts), from the loader's decode time per image and the student's step time per
 * crop: with decode and compute sharing the CPU cores (no GPU) FKD/vanilla <= 0.6 and efficiency
 * >= 0.9 exclude each other at numCrops 4; with the student on a GPU beside CPU decode they do not.
 *
 * `--sched FILE` records the OS scheduler over the UI stretch (bench/schedGaps.ts, as bench:ui's).
 * `--no-trace` measures the UI stretch without the trace, as bench:ui's `--no-trace`: the trace loads the
 * browser's IO thread and this process on the same cores as the page, so an untraced run's probe is the
 * page's own; a traced run says what held a gap.
 *
 *   npx tsx bench/train.ts [--images 320] [--timed 90] [--compute-timed 12] [--sched FILE] [--no-trace]
 */
import {
  feasibleDecodeRatio,
  overlappedPipeline,
  serialPipeline,
  type PipelinePrediction,
} from '../src/core/pipelineModel';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/workers/trainConfig';
import { arg, note, round, runBench, table, VIEWPORT } from './harness';
import { describeGapCauses, describeMainThread } from './mainThread';
import { describeTasks } from './mainThreadTrace';
import { describeWaits, schedFileArg, waitsJson } from './schedGaps';
import { gapsJson } from './traceGaps';
import { generateLabels } from './studioJobs';
import { importTeacher, randomTeacher } from './teachers';
import { writeSyntheticImageNet } from './syntheticImageNet';
import { measureComputeBound } from './trainCompute';
import {
  CLASSES,
  SPEED_HEADERS,
  rowOf,
  speed,
  speedRows,
  studentFlops,
  studentOnly,
  waitShare,
} from './trainSpeed';
import { trainThroughUi } from './trainUi';

const IMAGES = arg('images', 320);
/** Timed steps per method: decode-bound steps are short (tens of ms), compute-bound ones ~1 s. */
const TIMED = arg('timed', 90);
const COMPUTE_TIMED = arg('compute-timed', 12);
const SIZE = 32;
/** The decode-bound student: a small MLP (narrower than the studio's mlp default of 256 units). */
const DECODE_STUDENT_WIDTH = 64;
const NO_TRACE = process.argv.includes('--no-trace');
if (NO_TRACE && schedFileArg()) throw new Error('--sched needs the trace (it finds the main thread there)');

await runBench('train', async ({ page }) => {
  const teacherArt = await randomTeacher({
    kind: 'dense',
    inputSize: SIZE,
    channels: 3,
    numClasses: CLASSES,
  });
  const sFlops = studentFlops('mlp', SIZE, 3, DECODE_STUDENT_WIDTH);
  note(
    `teacher ${(teacherArt.flops / 1e6).toFixed(2)} MFLOPs, student mlp ${(sFlops / 1e6).toFixed(2)} MFLOPs`,
  );

  // --- decode-bound: synthetic ImageNet-layout JPEGs in OPFS ---------------------------------------
  note(`writing ${IMAGES} 500x375 JPEGs to OPFS`);
  const made = await writeSyntheticImageNet(page, { images: IMAGES, classes: CLASSES });
  note(
    `dataset ${made.datasetId}: ${made.train} train, ${made.val} val, avg ${(made.bytes / (made.train + made.val) / 1024).toFixed(0)} KiB/JPEG`,
  );

  /** How the decode-bound teachers read their input (random weights: only the shape matters). */
  const decodeTeacherConfig = {
    inputSize: SIZE,
    channels: 3,
    channelOrder: 'rgb',
    normalisation: 'imagenet',
    output: 'logits',
    numClasses: CLASSES,
    classMapping: 'dataset',
  } as const;
  const teacherId = await importTeacher(page, 'bench random dense teacher', teacherArt, decodeTeacherConfig);
  note('generating FKD labels for the decode-bound set');
  const labels = await generateLabels(page, {
    datasetId: made.datasetId,
    teacherId,
    numCrops: 16,
    inputSize: SIZE,
    scale: [0.08, 1],
  });

  const decodeCfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    method: 'fkd',
    datasetId: made.datasetId,
    labelSetId: labels.id,
    teacherId,
    arch: 'mlp',
    width: DECODE_STUDENT_WIDTH,
    inputSize: SIZE,
    channels: 3,
    normalisation: 'imagenet',
    numCrops: 4,
    cropsPerStep: 32,
    // Enough multi-crop passes (9 x 40 steps) for a timed stretch of seconds, not tenths: FKD's steps
    // here are short, and a 30-step window moved FKD's crops/s noticeably between runs.
    epochs: 40,
    scale: [0.08, 1],
    checkpointEvery: 100000,
    evalEachPass: false,
  };
  note('decode-bound: speed table');
  const dSpeed = await speed(page, decodeCfg, TIMED);
  note('decode-bound: student compute-only');
  const dStudent = await studentOnly(page, decodeCfg, TIMED);
  note("decode-bound: the loader's read + decode alone");
  const dDecode = await page.evaluate(
    ([c, n]) => window.__fkd!.studio().trainer.api.decodeOnlyThroughput(c, n),
    [decodeCfg, 2 * IMAGES] as const,
  );
  // FKD cannot train faster than numCrops crops per decoded image.
  const decodeCeiling = dDecode.imagesPerSec * decodeCfg.numCrops;
  // FKD/online KD depends on what the teacher costs: per crop it is (d/4 + s) / (d + s + t) for decode
  // d, student step s and teacher forward t, <= 1/4 only when t >= 3s whatever d is. So online KD is
  // also timed with a larger teacher (FKD's own time does not depend on it), for the table beside the
  // goal; the paper's teacher is ~100x its student's FLOPs.
  const bigTeacherArt = await randomTeacher({
    kind: 'dense',
    hidden: [1280, 512],
    inputSize: SIZE,
    channels: 3,
    numClasses: CLASSES,
  });
  const bigTeacherId = await importTeacher(
    page,
    'bench random large dense teacher',
    bigTeacherArt,
    decodeTeacherConfig,
  );
  note('decode-bound: online KD with the larger teacher');
  const dBigKd = rowOf(
    await speed(page, { ...decodeCfg, teacherId: bigTeacherId }, TIMED, ['onlineKd']),
    'onlineKd',
  );

  note('decode-bound: the main thread while the UI trains an FKD student (25 s)');
  const run = await trainThroughUi(page, {
    datasetName: made.name,
    seconds: 25,
    width: DECODE_STUDENT_WIDTH,
    inputSize: SIZE,
    schedFile: schedFileArg(),
    noTrace: NO_TRACE,
  });
  const main = run.mainThread;

  // --- compute-bound: resnetMini on the embedded Fashion-MNIST ---------------------------------------
  const compute = await measureComputeBound(page, COMPUTE_TIMED);

  const d = {
    fkd: rowOf(dSpeed, 'fkd'),
    vanilla: rowOf(dSpeed, 'vanilla'),
    onlineKd: rowOf(dSpeed, 'onlineKd'),
  };
  const fkdOverVanilla = d.fkd.secondsPerEpoch / d.vanilla.secondsPerEpoch;
  const fkdOverOnlineKd = d.fkd.secondsPerEpoch / d.onlineKd.secondsPerEpoch;
  const pipelineEfficiency = d.fkd.cropsPerSec / dStudent.cropsPerSec;
  // What a loader could reach at all with these two measured costs (core/pipelineModel.ts): on a
  // CPU-only machine decode and the student share the cores; with a GPU they overlap.
  const costs = {
    decodeSeconds: 1 / dDecode.imagesPerSec,
    studentSeconds: 1 / dStudent.cropsPerSec,
    numCrops: decodeCfg.numCrops,
  };
  const roundPrediction = (p: PipelinePrediction) => ({
    fkdOverVanilla: round(p.fkdOverVanilla),
    pipelineEfficiency: round(p.pipelineEfficiency),
  });
  const decodeGoals = { fkdOverVanilla: 0.6, efficiency: 0.9 };
  const roundWindow = (w: { min: number; max: number } | null) =>
    w && { min: round(w.min, 2), max: round(w.max, 2) };
  const pipeline = {
    decodeOverStudent: round(costs.decodeSeconds / costs.studentSeconds, 2),
    serial: roundPrediction(serialPipeline(costs)),
    overlapped: roundPrediction(overlappedPipeline(costs)),
    serialWindow: roundWindow(feasibleDecodeRatio('serial', costs.numCrops, decodeGoals)),
    overlappedWindow: roundWindow(feasibleDecodeRatio('overlapped', costs.numCrops, decodeGoals)),
  };
  const windowText = (w: { min: number; max: number } | null) => (w ? `[${w.min}, ${w.max}]` : 'none');
  console.log(
    `bench:train — decode-bound: ${made.train} synthetic 500x375 JPEGs, mlp student @${SIZE}px RGB, dense teacher ${(teacherArt.flops / sFlops).toFixed(1)}x the student's FLOPs; backend ${dSpeed.backend}`,
  );
  console.log(table(SPEED_HEADERS, speedRows(dSpeed, dStudent)));
  console.log(
    `FKD/vanilla ${fkdOverVanilla.toFixed(3)} (goal <= 0.60)   FKD/online KD ${fkdOverOnlineKd.toFixed(3)} (goal <= 0.25)   pipeline efficiency ${pipelineEfficiency.toFixed(3)} (goal >= 0.90)`,
  );
  console.log(
    `the loader's read + decode alone: ${dDecode.imagesPerSec.toFixed(0)} images/s (${dDecode.inFlight} in flight), so FKD at ${decodeCfg.numCrops} crops/image can reach at most ${decodeCeiling.toFixed(0)} crops/s here: FKD is at ${(d.fkd.cropsPerSec / decodeCeiling).toFixed(2)} of that ceiling, which is ${(decodeCeiling / dStudent.cropsPerSec).toFixed(2)} of the student's compute-only speed`,
  );
  console.log(
    `what the goals allow here: decode ${pipeline.decodeOverStudent.toFixed(2)}x a student crop step; decode and compute sharing the cores (serial) predicts FKD/vanilla ${pipeline.serial.fkdOverVanilla}, efficiency ${pipeline.serial.pipelineEfficiency}; decode beside compute (overlapped: CPU decode, GPU student) ${pipeline.overlapped.fkdOverVanilla}, ${pipeline.overlapped.pipelineEfficiency}. Both goals need decode/step in ${windowText(pipeline.serialWindow)} serial, ${windowText(pipeline.overlappedWindow)} overlapped (core/pipelineModel.ts)`,
  );
  const bigRatio = bigTeacherArt.flops / sFlops;
  console.log(
    `online KD with a dense teacher ${bigRatio.toFixed(1)}x the student's FLOPs: ${dBigKd.cropsPerSec.toFixed(0)} crops/s, FKD/online KD ${(d.fkd.secondsPerEpoch / dBigKd.secondsPerEpoch).toFixed(3)}`,
  );
  console.log(
    `main thread during ${run.seconds.toFixed(0)} s of FKD training started from the Train view, Pipeline (live) view shown in a ${VIEWPORT.width}x${VIEWPORT.height} window (${run.steps} steps): ${describeMainThread(main)}`,
  );
  console.log(describeGapCauses(main));
  console.log(run.taskCpu ? describeTasks(run.taskCpu) : 'main-thread tasks: not traced (--no-trace)');
  if (run.waits) console.log(describeWaits(run.waits));
  console.log('');
  compute.print();
  return {
    fkdOverVanilla: round(fkdOverVanilla),
    viewport: `${VIEWPORT.width}x${VIEWPORT.height}`,
    fkdOverOnlineKd: round(fkdOverOnlineKd),
    pipelineEfficiency: round(pipelineEfficiency),
    longestTaskMs: round(main.longestTaskMs, 1),
    longestDelayMs: round(main.longestDelayMs, 1),
    longestTaskCpuMs: run.taskCpu ? round(run.taskCpu.longestCpuMs, 1) : null,
    backend: dSpeed.backend,
    decodeBound: {
      images: made.train,
      student: `mlp width ${DECODE_STUDENT_WIDTH} ${SIZE}px rgb`,
      teacherOverStudentFlops: round(teacherArt.flops / sFlops, 2),
      numCrops: decodeCfg.numCrops,
      cropsPerStep: decodeCfg.cropsPerStep,
      fkdCropsPerSec: round(d.fkd.cropsPerSec, 1),
      vanillaCropsPerSec: round(d.vanilla.cropsPerSec, 1),
      onlineKdCropsPerSec: round(d.onlineKd.cropsPerSec, 1),
      studentOnlyCropsPerSec: round(dStudent.cropsPerSec, 1),
      decodeOnlyImagesPerSec: round(dDecode.imagesPerSec, 1),
      waitingForData: {
        fkd: waitShare(d.fkd),
        vanilla: waitShare(d.vanilla),
        onlineKd: waitShare(d.onlineKd),
      },
      decodeCeilingCropsPerSec: round(decodeCeiling, 1),
      fkdOverDecodeCeiling: round(d.fkd.cropsPerSec / decodeCeiling),
      pipelineModel: pipeline,
      trainingRunSteps: run.steps,
      largerTeacher: {
        teacherOverStudentFlops: round(bigTeacherArt.flops / sFlops, 2),
        onlineKdCropsPerSec: round(dBigKd.cropsPerSec, 1),
        fkdOverOnlineKd: round(d.fkd.secondsPerEpoch / dBigKd.secondsPerEpoch),
      },
      longTasks: main.longTasks,
      delaysOver50: main.delaysOver50,
      p99DelayMs: round(main.p99DelayMs, 1),
      ...(run.taskCpu
        ? {
            tasksOver50Wall: run.taskCpu.wallOver50,
            tasksOver50Cpu: run.taskCpu.cpuOver50,
            workersAtOnceMs: round(run.taskCpu.workersAtOnce.overlapMs, 0),
            probeGaps: gapsJson(run.taskCpu.gaps),
          }
        : { traced: false }),
      ...(run.waits ? waitsJson(run.waits) : {}),
    },
    computeBound: compute.computeBound,
  };
});
