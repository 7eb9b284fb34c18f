/**
 * bench:train's compute-bound configuration: resnetMini (ResNet-18 shape in miniature) at 28 px on the
 * embedded Fashion-MNIST set, with a random-weight ResNet-18-shaped teacher (width 16, ~12x the
 * student's FLOPs) labelling the FKD set (8 crops/image) and teaching online KD; online KD is also timed
 * with the same shape at width 40 (~75x).
 */
import type { Page } from 'playwright-core';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/workers/trainConfig';
import { note, round, table } from './harness';
import { generateLabels } from './studioJobs';
import { importTeacher, randomTeacher } from './teachers';
import { CLASSES, SPEED_HEADERS, rowOf, speed, speedRows, studentFlops, studentOnly } from './trainSpeed';

/** How the compute-bound teachers read their input (random weights: only the shape matters). */
const TEACHER_CONFIG = {
  inputSize: 28,
  channels: 1,
  channelOrder: 'rgb',
  normalisation: 'unit',
  output: 'logits',
  numClasses: CLASSES,
  classMapping: 'dataset',
} as const;

export async function measureComputeBound(page: Page, timed: number) {
  const heavyArt = await randomTeacher({
    kind: 'resnet18',
    width: 16,
    inputSize: 28,
    channels: 1,
    numClasses: CLASSES,
  });
  const cStudentFlops = studentFlops('resnetMini', 28, 1);
  note(
    `compute-bound: ResNet-18-shaped teacher (width 16) ${(heavyArt.flops / 1e6).toFixed(2)} MFLOPs, student resnetMini ${(cStudentFlops / 1e6).toFixed(2)} MFLOPs`,
  );
  const heavyId = await importTeacher(page, 'bench random resnet18 teacher', heavyArt, TEACHER_CONFIG);
  note('compute-bound: FKD labels from the ResNet-18 teacher (8 crops/image)');
  const fashion = 'embedded:fashion-mnist';
  const fLabels = await generateLabels(page, {
    datasetId: fashion,
    teacherId: heavyId,
    numCrops: 8,
    inputSize: 28,
    scale: [0.35, 1],
  });
  const computeCfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    method: 'fkd',
    datasetId: fashion,
    labelSetId: fLabels.id,
    teacherId: heavyId,
    arch: 'resnetMini',
    inputSize: 28,
    channels: 1,
    normalisation: 'unit',
    numCrops: 4,
    cropsPerStep: 32,
    checkpointEvery: 100000,
    evalEachPass: false,
  };
  note('compute-bound: speed table');
  const cSpeed = await speed(page, computeCfg, timed);
  note('compute-bound: student compute-only');
  const cStudent = await studentOnly(page, computeCfg, timed);
  // On wasm (the studio's pick for conv students) a forward runs more FLOPs/s than a training step,
  // so online KD is also timed with a wider teacher of the same shape (FKD's own time does not depend
  // on which teacher made its labels).
  const wideArt = await randomTeacher({
    kind: 'resnet18',
    width: 40,
    inputSize: 28,
    channels: 1,
    numClasses: CLASSES,
  });
  const wideId = await importTeacher(page, 'bench random wide resnet18 teacher', wideArt, TEACHER_CONFIG);
  note(
    `compute-bound: online KD with a ResNet-18-shaped teacher of width 40 (${(wideArt.flops / 1e6).toFixed(0)} MFLOPs)`,
  );
  const cWideKd = rowOf(
    await speed(page, { ...computeCfg, teacherId: wideId }, timed, ['onlineKd']),
    'onlineKd',
  );

  const c = {
    fkd: rowOf(cSpeed, 'fkd'),
    vanilla: rowOf(cSpeed, 'vanilla'),
    onlineKd: rowOf(cSpeed, 'onlineKd'),
  };
  /** The teacher's forward time per crop (online KD's time over vanilla's) over the student's step time. */
  const teacherOverStudentTime = (onlineKdCropsPerSec: number) =>
    round((1 / onlineKdCropsPerSec - 1 / c.vanilla.cropsPerSec) * cStudent.cropsPerSec, 2);
  const computeBound = {
    fkdOverVanilla: round(c.fkd.secondsPerEpoch / c.vanilla.secondsPerEpoch),
    fkdOverOnlineKd: round(c.fkd.secondsPerEpoch / c.onlineKd.secondsPerEpoch),
    pipelineEfficiency: round(c.fkd.cropsPerSec / cStudent.cropsPerSec),
    backend: cSpeed.backend,
    student: 'resnetMini 28px grey',
    teacher: 'random-weight ResNet-18 shape, stage widths 16-32-64-128',
    teacherOverStudentFlops: round(heavyArt.flops / cStudentFlops, 2),
    teacherMFlopsPerCrop: round(heavyArt.flops / 1e6, 2),
    labelGenerationSeconds: round(fLabels.seconds, 1),
    fkdCropsPerSec: round(c.fkd.cropsPerSec, 1),
    vanillaCropsPerSec: round(c.vanilla.cropsPerSec, 1),
    onlineKdCropsPerSec: round(c.onlineKd.cropsPerSec, 1),
    studentOnlyCropsPerSec: round(cStudent.cropsPerSec, 1),
    /** Teacher forward time per crop over the student's training step time (from the rows above). */
    teacherOverStudentTime: teacherOverStudentTime(c.onlineKd.cropsPerSec),
    widerTeacher: {
      teacherOverStudentFlops: round(wideArt.flops / cStudentFlops, 2),
      onlineKdCropsPerSec: round(cWideKd.cropsPerSec, 1),
      fkdOverOnlineKd: round(c.fkd.secondsPerEpoch / cWideKd.secondsPerEpoch),
      teacherOverStudentTime: teacherOverStudentTime(cWideKd.cropsPerSec),
    },
  };
  const print = () => {
    console.log(
      `compute-bound: resnetMini @28px on embedded Fashion-MNIST (${cSpeed.numImages} images), random-weight ResNet-18-shaped teacher ${computeBound.teacherOverStudentFlops}x the student's FLOPs (online KD and FKD labels, 8 crops/image); backend ${cSpeed.backend}`,
    );
    console.log(table(SPEED_HEADERS, speedRows(cSpeed, cStudent)));
    console.log(
      `FKD/vanilla ${computeBound.fkdOverVanilla} (goal <= 1.0)   FKD/online KD ${computeBound.fkdOverOnlineKd} (goal <= 0.5)   pipeline efficiency ${computeBound.pipelineEfficiency}`,
    );
    const w = computeBound.widerTeacher;
    console.log(
      `teacher forward / student step time: ${computeBound.teacherOverStudentTime} (12x teacher); online KD with the width-40 teacher (${w.teacherOverStudentFlops}x FLOPs, ${w.teacherOverStudentTime}x time): ${w.onlineKdCropsPerSec} crops/s, FKD/online KD ${w.fkdOverOnlineKd}`,
    );
  };
  return { computeBound, print };
}
