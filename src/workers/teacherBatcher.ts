/**
 * Generation's teacher batcher: crops of several images gathered into one teacher batch (small images
 * bring few crops each; a forward per image would leave the device idle between tiny batches), the
 * next batch queued on the device before the previous one's small top-k readback is awaited, and each
 * image handed on, in order, once all its crops have their labels.
 */
import type { CropBox } from '../core/cropBox';
import { cpuSlot } from '../data/cpuSlots';
import type { TopK } from '../engine/topk';
import type { Tensor3D } from '../engine/tensors';
import type { PartMix, TeacherPart } from '../engine/teacherStep';

/** An image whose crops are being labelled (labelImage.ts OpenImage). */
export interface BatchedImage {
  readonly image: Tensor3D;
  readonly boxes: CropBox[];
  /** Label-time mixing: each crop's partner and mix. */
  readonly mix?: PartMix;
  /** Crops whose labels have come back. */
  labelled: number;
  /** Crop c's top-k. */
  store(c: number, indices: Int32Array, values: Float32Array): void;
}

/** Queues the teacher on these crops now; the promise is only the top-k readback, image-major rows. */
export type TeacherRun = (parts: TeacherPart[]) => Promise<TopK>;

/** Milliseconds spent, by phase (generate.ts GenerationTimings). */
export interface BatcherTimings {
  device: number;
  readback: number;
  store: number;
}

interface Segment<I> {
  im: I;
  start: number;
  end: number;
}

export class TeacherBatcher<I extends BatchedImage> {
  /** Images with crops on the device (or still to be sent), in order; finished front to back. */
  private readonly open: I[] = [];
  private segments: Segment<I>[] = [];
  private segmentCrops = 0;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly run: TeacherRun,
    private readonly batchCrops: number,
    /** An image all of whose crops are labelled, in the order they were added. */
    private readonly onLabelled: (im: I) => Promise<void>,
    readonly timings: BatcherTimings = { device: 0, readback: 0, store: 0 },
  ) {}

  /** Queues an image's crops, launching every batch that fills up. */
  async add(im: I): Promise<void> {
    this.open.push(im);
    for (let start = 0; start < im.boxes.length;) {
      const end = Math.min(im.boxes.length, start + (this.batchCrops - this.segmentCrops));
      this.segments.push({ im, start, end });
      this.segmentCrops += end - start;
      start = end;
      if (this.segmentCrops >= this.batchCrops) await this.launch();
    }
  }

  /** Sends what is gathered and waits until every added image has been handed on. */
  async drain(): Promise<void> {
    await this.launch();
    if (this.inflight) await this.waitReadback(this.inflight);
    this.inflight = null;
    await this.finishReady();
  }

  /** Images not handed on (a failure or a stop before drain): the caller frees their uploads. */
  unfinished(): readonly I[] {
    return this.open;
  }

  private async launch(): Promise<void> {
    if (this.segments.length === 0) return;
    const batch = this.segments;
    this.segments = [];
    this.segmentCrops = 0;
    const t0 = performance.now();
    // The teacher's forward takes a slot of the studio's CPU budget (data/cpuSlots.ts).
    const release = await cpuSlot();
    let out: Promise<TopK>;
    try {
      out = this.run(
        batch.map(({ im, start, end }) => ({
          image: im.image,
          boxes: im.boxes.slice(start, end),
          mix: im.mix && {
            ...im.mix,
            partnerBoxes: im.mix.partnerBoxes.slice(start, end),
            crops: im.mix.crops.slice(start, end),
          },
        })),
      );
    } finally {
      release();
    }
    this.timings.device += performance.now() - t0;
    const previous = this.inflight;
    this.inflight = out.then((o) => {
      const t1 = performance.now();
      let row = 0;
      for (const sg of batch) {
        for (let c = sg.start; c < sg.end; c++, row++) {
          sg.im.store(
            c,
            o.indices.subarray(row * o.k, (row + 1) * o.k),
            o.values.subarray(row * o.k, (row + 1) * o.k),
          );
        }
        sg.im.labelled += sg.end - sg.start;
      }
      this.timings.store += performance.now() - t1;
    });
    this.inflight.catch(() => undefined); // awaited below
    if (previous) {
      await this.waitReadback(previous);
      await this.finishReady();
    }
  }

  /** Readback wait, less the label encoding that runs in its continuation (counted as store). */
  private async waitReadback(p: Promise<void>): Promise<void> {
    const s0 = this.timings.store;
    const w0 = performance.now();
    await p;
    this.timings.readback += performance.now() - w0 - (this.timings.store - s0);
  }

  private async finishReady(): Promise<void> {
    const t0 = performance.now();
    while (this.open.length > 0 && this.open[0].labelled === this.open[0].boxes.length) {
      await this.onLabelled(this.open.shift()!);
    }
    this.timings.store += performance.now() - t0;
  }
}
