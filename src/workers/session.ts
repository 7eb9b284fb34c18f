/**
 * One training session: student, optimiser, data, schedule, and the step function shared by real runs
 * and the speed table (so the three methods are timed by the very code that trains them).
 */
import { bmpImageFile } from '../core/bmp';
import { itemId } from '../data/itemId';
import { learningRateAt, locateStep, type Pass, type ScheduleConfig } from '../core/schedule';
import { Rng } from '../core/rng';
import { usesStoredLabels } from '../core/recipe';
import { sampleMix } from '../core/mixing';
import { mixBatch, mixedBatchFromImages } from '../engine/mix';
import type { CropRows } from '../engine/crops';
import { predictTopK } from '../engine/predict';
import { readTopK, topKPairs } from '../engine/topk';
import { teacherBatchTargets } from '../engine/teacherStep';
import { disposeAll, oneHotTargets, targetsTensor, type Tensor2D, type Tensor4D } from '../engine/tensors';
import type { Trainer } from '../engine/trainStep';
import type { buildStudent } from '../models/students';
import type { Teacher } from '../models/teacher';
import {
  getDataset,
  getDatasetItemsAt,
  getLabelSet,
  liveImages,
  openStudioDb,
  type DatasetItem,
} from '../store';
import { liveIndex } from '../core/goneItems';
import { LazyPermutation } from '../core/lazyPermutation';
import { keptIndices, seededSubset, seededSubsetIndices, subsetFilter } from './subset';
import { studentFor } from './student';
import { batchLabels, batchTargets, loadStep, type StepInput } from './batches';
import { DatasetReader } from './datasets';
import { openTeacher } from './teachers';
import { passesFor, scheduleConfig, type TrainConfig } from './trainConfig';
import type { DecodeFit } from '../data/decodeFit';
import { trainDecodeFit } from './trainFit';
import type { LiveImage, LiveSample } from './api';
import { sampleMixFile } from './labelMixLoad';

export interface StepOutcome {
  loss: Promise<number>;
  /** Share of this step's crops whose arg-max is their hard label. */
  trainTop1: Promise<number>;
  crops: number;
  images: number;
  decodeMs: number;
  skipped: StepInput['skipped'];
  pass: Pass;
  stepInPass: number;
  lr: number;
  sample?: Promise<LiveSample>;
}

/** Images of a batch the live view shows: a row each, every crop with its target and prediction. */
export const LIVE_IMAGES = 4;

export { seededSubset };

/**
 * Steps whose images and labels load ahead of the one being trained (trainLoop.ts); each holds its
 * images on the device, so keep it small.
 */
export const PREFETCH_STEPS = 3;

export class TrainSession {
  readonly passes: Pass[];
  readonly sched: ScheduleConfig;
  readonly totalSteps: number;
  private perms = new Map<number, LazyPermutation>();

  private constructor(
    readonly cfg: TrainConfig,
    readonly reader: DatasetReader,
    /**
     * Null when the run trains on the whole train split read from the store step by step; otherwise the
     * picked images' indices (a quick run's `maxImages`, an FKD label subset), ascending.
     */
    private readonly heldTrain: Uint32Array | null,
    /** Train images left out because a re-open check found their file gone. */
    readonly goneImages: number,
    readonly numClasses: number,
    readonly model: ReturnType<typeof buildStudent>,
    readonly trainer: Trainer,
    readonly teacher: Teacher | null,
    /** How small an image may be decoded for this run's crops (decodeFit.ts). */
    readonly fit: DecodeFit,
  ) {
    const n = this.numTrainImages;
    this.sched = scheduleConfig(cfg, n);
    this.passes = passesFor(cfg, n);
    this.totalSteps = this.passes.reduce((a, p) => a + p.steps, 0);
  }

  private val: DatasetItem[] | undefined;

  /** The held train indices (empty when the run reads the whole split from the store). */
  get trainIndices(): Uint32Array {
    return this.heldTrain ?? new Uint32Array(0);
  }

  get numTrainImages(): number {
    return this.heldTrain ? this.heldTrain.length : liveImages(this.reader.dataset, 'train');
  }

  get valItems(): DatasetItem[] {
    this.val ??= seededSubset(
      this.reader.items.val.filter((it) => !it.gone),
      this.cfg.maxValImages,
      this.cfg.seed,
      'val',
    );
    return this.val;
  }

  static async open(cfg: TrainConfig): Promise<TrainSession> {
    const db = await openStudioDb();
    const set =
      usesStoredLabels(cfg.method) && cfg.labelSetId ? await getLabelSet(db, cfg.labelSetId) : undefined;
    const subset = set?.settings.subset;
    const dataset = await getDataset(db, cfg.datasetId);
    // The whole split, read step by step, unless a quick run or a label subset picks fewer images.
    const lazyTrain = !subset && !(cfg.maxImages && cfg.maxImages < (dataset?.counts.train ?? 0));
    const reader = await DatasetReader.open(cfg.datasetId, { splits: ['val'] });
    if (liveImages(reader.dataset, 'train') === 0)
      throw new Error(`dataset "${reader.dataset.name}" has no training images (left)`);
    let numClasses = reader.dataset.numClasses;
    if (usesStoredLabels(cfg.method)) {
      if (!cfg.labelSetId)
        throw new Error('FKD needs a soft-label set: generate one first (Soft labels view)');
      if (!set) throw new Error('the chosen soft-label set no longer exists');
      if (set.datasetId !== cfg.datasetId) throw new Error('the soft-label set belongs to another dataset');
      // Finished is the set's status, not imagesDone === imagesTotal: images that could not be decoded
      // have no record (generation skipped and reported them) and are skipped here too.
      if (set.status !== 'done') {
        throw new Error(
          `the soft-label set is incomplete (${set.imagesDone}/${set.imagesTotal}): finish generating it first`,
        );
      }
      numClasses = set.numClasses;
      const labelMix = set.settings.labelMix ?? 'none';
      if (labelMix !== 'none' && cfg.mix && cfg.mix !== 'none') {
        throw new Error(
          `the soft-label set was mixed at label time (${labelMix}): train-time mixing must be off for it`,
        );
      }
    }
    let teacher: Teacher | null = null;
    if (cfg.method === 'onlineKd') {
      if (!cfg.teacherId) throw new Error('online KD needs a teacher');
      teacher = (await openTeacher(cfg.teacherId)).teacher;
      if (teacher.config.numClasses !== numClasses) {
        teacher.dispose();
        throw new Error(
          `teacher has ${teacher.config.numClasses} outputs, the dataset ${numClasses} classes`,
        );
      }
    }
    const { model, trainer } = studentFor(cfg, numClasses);
    const fit = await trainDecodeFit(cfg, teacher?.config.inputSize);
    let held: Uint32Array | null = null;
    let gone = reader.dataset.gone?.train.length ?? 0;
    if (!lazyTrain) {
      // Paged in index order (a per-class subset counts as it goes); only the picked indices are kept.
      const kept = await keptIndices(
        reader.itemPages('train'),
        subsetFilter(subset, set?.settings.seed ?? 0),
      );
      held = seededSubsetIndices(kept.indices, cfg.maxImages, cfg.seed, 'train');
      gone = kept.gone;
    }
    return new TrainSession(cfg, reader, held, gone, numClasses, model, trainer, teacher, fit);
  }

  /**
   * Seeded image order of a pass, computed position by position (no order array); derived from
   * (seed, pass) so a resume needs no RNG state.
   */
  private permutation(pass: number): LazyPermutation {
    let p = this.perms.get(pass);
    if (!p) {
      p = new LazyPermutation(this.numTrainImages, new Rng(this.cfg.seed).fork(`order:${pass}`));
      this.perms.clear();
      this.perms.set(pass, p);
    }
    return p;
  }

  /** The image positions of global step g, and where it sits in the schedule. */
  locate(g: number) {
    const loc = locateStep(this.passes, g);
    if (!loc) throw new Error(`step ${g} is past the end of the schedule`);
    const from = loc.stepInPass * loc.pass.imagesPerStep;
    const positions = this.permutation(loc.pass.index).slice(from, from + loc.pass.imagesPerStep);
    const held = this.heldTrain;
    if (held) return { ...loc, indices: positions.map((p) => held[p]) };
    // The whole split read lazily: positions count live images only, so the holes are stepped over.
    const gone = this.reader.dataset.gone?.train;
    const indices = gone?.length ? positions.map((p) => liveIndex(p, gone)) : positions;
    return { ...loc, indices };
  }

  /** A step's index items, in one store read: the split's items are never held. */
  private async itemsAt(indices: number[]): Promise<DatasetItem[]> {
    return getDatasetItemsAt(await openStudioDb(), this.cfg.datasetId, 'train', indices);
  }

  async load(g: number): Promise<StepInput> {
    const { pass, indices } = this.locate(g);
    const items = await this.itemsAt(indices);
    return loadStep(this.cfg, this.reader, items, pass.index, pass.cropsPerImage, this.numClasses, this.fit);
  }

  /** Runs step g on already loaded input; disposes the input's tensors. */
  step(g: number, input: StepInput, wantSample: boolean): StepOutcome | null {
    const { pass, stepInPass } = this.locate(g);
    const lr = learningRateAt(this.sched, pass, stepInPass);
    const images = input.images;
    if (images.length === 0) return null;
    this.trainer.setLearningRate(lr);
    let x: Tensor4D | null = null;
    let targets: Tensor2D | null = null;
    try {
      // A label-time-mixed set's crops are replayed mixed; their stored labels are the mixed crops'.
      const batch = mixedBatchFromImages(
        images.map((im) => ({ pixels: im.pixels, boxes: im.boxes, mix: im.mix })),
        this.cfg.inputSize,
        { normalisation: this.cfg.normalisation, channels: this.cfg.channels },
      );
      x = batch.x;
      const rows = batch.rows;
      const labels = batchLabels(images, rows);
      if (usesStoredLabels(this.cfg.method)) {
        targets = targetsTensor(batchTargets(images, rows, this.numClasses), rows.size, this.numClasses);
      } else if (this.cfg.method === 'vanilla') {
        targets = oneHotTargets(labels, this.numClasses);
      } else {
        targets = teacherBatchTargets(this.teacher!, images, this.cfg.teacherTemperature);
      }
      if (this.cfg.mix && this.cfg.mix !== 'none') {
        const switchProb = this.cfg.mix === 'mixup' ? 1 : this.cfg.mix === 'cutmix' ? 0 : 0.5;
        const mix = sampleMix(new Rng(this.cfg.seed).fork(`mix:${g}`), rows.size, this.cfg.inputSize, {
          switchProb,
        });
        const [mx, mt] = mixBatch(x, targets, mix);
        disposeAll(x, targets);
        x = mx;
        targets = mt;
      }
      const statsT = this.trainer.stepWithAccuracy(x, targets, labels);
      const stats = statsT.data().finally(() => statsT.dispose());
      const loss = stats.then((d) => d[0]);
      const trainTop1 = stats.then((d) => d[1] / rows.size);
      const sample = wantSample ? this.sample(g, pass, input, rows, x, targets) : undefined;
      return {
        loss,
        trainTop1,
        crops: rows.size,
        images: images.length,
        decodeMs: input.decodeMs,
        skipped: input.skipped,
        pass,
        stepInPass,
        lr,
        sample,
      };
    } finally {
      // The sample (if any) has already queued its reads of x/targets; tfjs keeps data alive until then.
      disposeAll(x, targets, ...images.map((im) => im.pixels), ...images.map((im) => im.mix?.partner));
    }
  }

  private sample(
    g: number,
    pass: Pass,
    input: StepInput,
    rows: CropRows,
    x: Tensor4D,
    targets: Tensor2D,
  ): Promise<LiveSample> {
    const shown = input.images.slice(0, LIVE_IMAGES);
    // Each shown image's crops, in one gather and readback.
    const rowsOf = shown.map((_, i) => rows.rowsOf(i));
    const flat = rowsOf.flat();
    const target = readTopK(targets, 5, flat);
    const student = predictTopK(this.trainer, x, flat, 5);
    return Promise.all([target, student]).then(([t, st]) => {
      const [targetTopK, studentTopK] = [topKPairs(t), topKPairs(st)];
      let at = 0;
      const images = shown.map((im, i): LiveImage => {
        const k = rowsOf[i].length;
        const slice = {
          targetTopK: targetTopK.slice(at, at + k),
          studentTopK: studentTopK.slice(at, at + k),
        };
        at += k;
        return {
          path: itemId(im.item),
          classIndex: im.item.classIndex,
          width: im.width,
          height: im.height,
          sourceWidth: im.sourceWidth,
          sourceHeight: im.sourceHeight,
          bmp: bmpImageFile(im.rgba, im.width, im.height).bmp,
          boxes: im.boxes,
          mix: im.mix && sampleMixFile(im.mix.sample),
          ...slice,
        };
      });
      return { step: g, epoch: pass.epoch, batchImages: rows.images, batchCrops: rows.size, images };
    });
  }

  dispose(): void {
    this.trainer.dispose();
    this.model.dispose();
    this.teacher?.dispose();
  }
}
