/**
 * bench:slg: soft-label generation throughput of the real generation job (teacher worker,
 * embedded Fashion-MNIST 2k) divided by the teacher's inference-only throughput on crops already on
 * the device, on the same backend in the same run: the pipeline's efficiency (goal >= 0.85). Also
 * bytes per crop for each codec, where the job's wall time went, and a SHA-256 over the generated
 * records so a change to generate.ts can be checked to write identical records for the same seed.
 *
 * Two teachers, same dataset, job, crops/image and backend:
 *  - the embedded default teacher (top-level `efficiency`, `cropsPerSec`, ...): the CNN
 *    (tools/embedded/train_cnn_teacher.py, ~44 MFLOPs/crop at 28x28x1), a teacher that costs more
 *    than the students it labels, as in FKD (EfficientNet-L2, ensembles of SENet-154 + ResNet-152);
 *  - `lightTeacher`: the embedded dense net (~1 MFLOPs/crop), where PNG decode, cropping and storage
 *    weigh as much as the teacher: the pipeline's overhead against an almost free teacher.
 *
 *   npx tsx bench/slg.ts [--crops 40] [--max-seconds 150] [--repeats 6] [--sweep-crops 0]
 *                        [--light-crops 32] [--light-max-seconds 120] [--light-repeats 20]
 */
import type { LabelSet } from '../src/store';
import { recordByteLength } from '../src/core/labelRecord';
import type { CodecSpec } from '../src/core/softLabel';
import type { GenerationTimings } from '../src/workers/generate';
import { arg, note, round, runBench, table } from './harness';

// 40: the Soft labels form's default for the embedded set.
const NUM_CROPS = arg('crops', 40);
/** A second, larger N shows how decode cost amortises over crops (0 = skip). */
const SWEEP_CROPS = arg('sweep-crops', 0);
const MAX_SECONDS = arg('max-seconds', 150);
const REPEATS = arg('repeats', 6);
/** Light-teacher configuration (0 crops = skip it). */
const LIGHT_CROPS = arg('light-crops', 32);
const LIGHT_MAX_SECONDS = arg('light-max-seconds', 120);
const LIGHT_REPEATS = arg('light-repeats', 20);
const DATASET = 'embedded:fashion-mnist';
const TEACHER = 'embedded:fashion-cnn-teacher';
const LIGHT_TEACHER = 'embedded:fashion-teacher';

/** Bytes per crop of each codec for a record of `numCrops` crops of a WxH image (header amortised). */
function codecBytesPerCrop(numCrops: number, w: number, h: number): Record<string, number> {
  const specs: [string, Omit<CodecSpec, 'numClasses'>][] = [
    ['hard', { codec: 'hard', k: 1, precision: 'q8' }],
    ['smoothing-q8', { codec: 'smoothing', k: 1, precision: 'q8' }],
    ['msTopK5-q8', { codec: 'msTopK', k: 5, precision: 'q8' }],
    ['msTopK5-q16', { codec: 'msTopK', k: 5, precision: 'q16' }],
    ['msTopK5-f16', { codec: 'msTopK', k: 5, precision: 'f16' }],
    ['mrTopK5-q8', { codec: 'mrTopK', k: 5, precision: 'q8' }],
    ['full-f16', { codec: 'full', k: 10, precision: 'f16' }],
    ['full-f32', { codec: 'full', k: 10, precision: 'f32' }],
  ];
  const out: Record<string, number> = {};
  for (const [name, s] of specs) {
    out[name] = round(recordByteLength({ ...s, numClasses: 10 } as CodecSpec, numCrops, w, h) / numCrops, 3);
  }
  return out;
}

/** Where the generation job's wall time went, as shares of its total. */
function printTimings(t: GenerationTimings | undefined): void {
  if (!t) return;
  const parts = (['read', 'prepare', 'device', 'readback', 'store'] as const).map(
    (k) => `${k} ${((100 * t[k]) / t.total).toFixed(0)}%`,
  );
  console.log(`generation wall time ${(t.total / 1000).toFixed(1)} s: ${parts.join(', ')}`);
}

await runBench('slg', async ({ page }) => {
  const teacherOnly = (teacherId = TEACHER, repeats = REPEATS) =>
    page.evaluate(([t, r]) => window.__fkd!.studio().teacher.api.teacherOnlyThroughput(t, 0, 0, r), [
      teacherId,
      repeats,
    ] as const);
  note('teacher-only throughput (before generation)');
  const before = await teacherOnly();

  const generate = (numCrops: number, teacherId = TEACHER, maxSeconds = MAX_SECONDS) =>
    page.evaluate(
      async ({ datasetId, teacherId, numCrops, maxSeconds }) => {
        const fkd = window.__fkd!;
        const db = await fkd.store.openStudioDb();
        const ds = await fkd.store.getDataset(db, datasetId);
        if (!ds) throw new Error(`dataset ${datasetId} missing`);
        const now = Date.now();
        const set: LabelSet = {
          id: `labels:bench-${now.toString(36)}`,
          datasetId,
          teacherId,
          name: `bench · ${numCrops} crops · msTopK5`,
          settings: {
            numCrops,
            codec: 'msTopK',
            k: 5,
            precision: 'q8',
            temperature: 1,
            scale: [0.35, 1],
            ratio: [3 / 4, 4 / 3],
            seed: 42,
            inputSize: 28,
          },
          numClasses: ds.numClasses,
          imagesDone: 0,
          imagesTotal: ds.counts.train,
          bytes: 0,
          status: 'pending',
          createdAt: now,
          updatedAt: now,
        };
        await fkd.store.putLabelSet(db, set);
        const api = fkd.studio().teacher.api;
        const timer = setTimeout(() => void api.cancel(`generate:${set.id}`), maxSeconds * 1000);
        const t0 = performance.now();
        const r = await api.generate(set.id);
        const seconds = (performance.now() - t0) / 1000;
        clearTimeout(timer);
        const final = (await fkd.store.getLabelSet(db, set.id))!;
        // SHA-256 over the records in image order: identical records for the same seed before/after a change.
        const recs = await fkd.store.getLabelRecords(db, set.id, 0, 1 << 30);
        const keys = [...recs.keys()].sort((a, b) => a - b);
        const total = keys.reduce((a, k) => a + recs.get(k)!.byteLength, 0);
        const all = new Uint8Array(total);
        let off = 0;
        for (const k of keys) {
          all.set(recs.get(k)!, off);
          off += recs.get(k)!.byteLength;
        }
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
        const sha = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
        return {
          status: r.status,
          error: r.error,
          seconds,
          imagesDone: final.imagesDone,
          imagesTotal: final.imagesTotal,
          bytes: final.bytes,
          records: keys.length,
          sha,
          timings: r.timings,
        };
      },
      { datasetId: DATASET, teacherId, numCrops, maxSeconds },
    );
  note(`generating ${NUM_CROPS} crops/image over the embedded set (cap ${MAX_SECONDS} s)`);
  const gen = await generate(NUM_CROPS);
  if (gen.status === 'error') throw new Error(`generation failed: ${gen.error}`);
  let sweep: Awaited<ReturnType<typeof generate>> | null = null;
  if (SWEEP_CROPS > 0) {
    note(`generating ${SWEEP_CROPS} crops/image (decode amortised over more crops)`);
    sweep = await generate(SWEEP_CROPS);
    if (sweep.status === 'error') throw new Error(`generation failed: ${sweep.error}`);
  }

  note('teacher-only throughput (after generation)');
  const after = await teacherOnly();
  const backendGen = await page.evaluate(() => window.__fkd!.studio().teacher.api.backend());

  // --- light teacher: the embedded dense net, for contrast ---------------------------------------
  let light: {
    gen: Awaited<ReturnType<typeof generate>>;
    before: typeof before;
    after: typeof before;
    cropsPerSec: number;
    teacherOnlyCropsPerSec: number;
    efficiency: number;
  } | null = null;
  if (LIGHT_CROPS > 0) {
    note('light teacher (embedded dense net): teacher-only throughput (before generation)');
    const lBefore = await teacherOnly(LIGHT_TEACHER, LIGHT_REPEATS);
    note(`light teacher: generating ${LIGHT_CROPS} crops/image (cap ${LIGHT_MAX_SECONDS} s)`);
    const lGen = await generate(LIGHT_CROPS, LIGHT_TEACHER, LIGHT_MAX_SECONDS);
    if (lGen.status === 'error') throw new Error(`light-teacher generation failed: ${lGen.error}`);
    note('light teacher: teacher-only throughput (after generation)');
    const lAfter = await teacherOnly(LIGHT_TEACHER, LIGHT_REPEATS);
    const lCropsPerSec = (lGen.records * LIGHT_CROPS) / lGen.seconds;
    const lTeacherOnly = Math.max(lBefore.cropsPerSec, lAfter.cropsPerSec);
    light = {
      gen: lGen,
      before: lBefore,
      after: lAfter,
      cropsPerSec: lCropsPerSec,
      teacherOnlyCropsPerSec: lTeacherOnly,
      efficiency: lCropsPerSec / lTeacherOnly,
    };
  }

  const crops = gen.records * NUM_CROPS;
  const cropsPerSec = crops / gen.seconds;
  // The faster of the two teacher-only measurements: the efficiency is not flattered by a slow moment.
  const teacherOnlyCropsPerSec = Math.max(before.cropsPerSec, after.cropsPerSec);
  const efficiency = cropsPerSec / teacherOnlyCropsPerSec;
  const sweepCropsPerSec = sweep ? (sweep.records * SWEEP_CROPS) / sweep.seconds : NaN;
  const measuredBytesPerCrop = gen.bytes / crops;
  const bytesPerCrop = {
    measured_msTopK5_q8: round(measuredBytesPerCrop, 3),
    ...codecBytesPerCrop(NUM_CROPS, 28, 28),
  };
  const imagenetBytesPerCrop = codecBytesPerCrop(500, 500, 375);

  console.log(`bench:slg — backend ${before.backend} (teacher worker: ${backendGen?.reason ?? '?'})`);
  console.log(
    table(
      ['what', 'crops', 'seconds', 'crops/s'],
      [
        [
          `generation (${gen.records} images x ${NUM_CROPS} crops, ${gen.status})`,
          crops,
          gen.seconds,
          cropsPerSec,
        ],
        ...(sweep
          ? [
              [
                `generation (${sweep.records} images x ${SWEEP_CROPS} crops, ${sweep.status})`,
                sweep.records * SWEEP_CROPS,
                sweep.seconds,
                sweepCropsPerSec,
              ],
            ]
          : []),
        [
          `teacher only, before (batch ${before.batchSize})`,
          before.crops,
          before.seconds,
          before.cropsPerSec,
        ],
        [`teacher only, after (batch ${after.batchSize})`, after.crops, after.seconds, after.cropsPerSec],
      ],
    ),
  );
  console.log(
    `efficiency = ${cropsPerSec.toFixed(0)} / ${teacherOnlyCropsPerSec.toFixed(0)} = ${efficiency.toFixed(3)} (goal >= 0.85)`,
  );
  printTimings(gen.timings);
  if (sweep)
    console.log(`efficiency at N=${SWEEP_CROPS}: ${(sweepCropsPerSec / teacherOnlyCropsPerSec).toFixed(3)}`);
  if (light) {
    const h = light;
    console.log('');
    console.log(
      `light teacher (embedded dense net 784-512-256-10, ~1 MFLOPs/crop), backend ${h.before.backend}`,
    );
    console.log(
      table(
        ['what', 'crops', 'seconds', 'crops/s'],
        [
          [
            `generation (${h.gen.records} images x ${LIGHT_CROPS} crops, ${h.gen.status})`,
            h.gen.records * LIGHT_CROPS,
            h.gen.seconds,
            h.cropsPerSec,
          ],
          [
            `teacher only, before (batch ${h.before.batchSize})`,
            h.before.crops,
            h.before.seconds,
            h.before.cropsPerSec,
          ],
          [
            `teacher only, after (batch ${h.after.batchSize})`,
            h.after.crops,
            h.after.seconds,
            h.after.cropsPerSec,
          ],
        ],
      ),
    );
    console.log(
      `light-teacher efficiency = ${h.cropsPerSec.toFixed(0)} / ${h.teacherOnlyCropsPerSec.toFixed(0)} = ${h.efficiency.toFixed(3)} (goal >= 0.85)`,
    );
    printTimings(h.gen.timings);
  }
  console.log('');
  console.log(
    table(
      ['codec', 'bytes/crop (28x28, N=' + NUM_CROPS + ')', 'bytes/crop (500x375, N=500)'],
      Object.keys(imagenetBytesPerCrop).map((k) => [
        k,
        bytesPerCrop[k as keyof typeof bytesPerCrop],
        imagenetBytesPerCrop[k],
      ]),
    ),
  );
  console.log(
    `measured (finished label set, msTopK5 q8): ${measuredBytesPerCrop.toFixed(3)} bytes/crop; records sha256 ${gen.sha}`,
  );
  return {
    efficiency: round(efficiency),
    cropsPerSec: round(cropsPerSec, 1),
    teacherOnlyCropsPerSec: round(teacherOnlyCropsPerSec, 1),
    backend: before.backend,
    teacherBatch: before.batchSize,
    numCrops: NUM_CROPS,
    images: gen.records,
    generationStatus: gen.status,
    generationSeconds: round(gen.seconds, 2),
    ...(sweep
      ? {
          sweep: {
            numCrops: SWEEP_CROPS,
            cropsPerSec: round(sweepCropsPerSec, 1),
            efficiency: round(sweepCropsPerSec / teacherOnlyCropsPerSec),
          },
        }
      : {}),
    ...(light
      ? {
          lightTeacher: {
            efficiency: round(light.efficiency),
            cropsPerSec: round(light.cropsPerSec, 1),
            teacherOnlyCropsPerSec: round(light.teacherOnlyCropsPerSec, 1),
            backend: light.before.backend,
            teacherBatch: light.before.batchSize,
            numCrops: LIGHT_CROPS,
            images: light.gen.records,
            generationStatus: light.gen.status,
            generationSeconds: round(light.gen.seconds, 2),
          },
        }
      : {}),
    bytesPerCrop,
    bytesPerCropImagenet500: imagenetBytesPerCrop,
    recordsSha256: gen.sha,
  };
});
