import { describe, expect, it } from 'vitest';
import type { CropBox } from '../core/cropBox';
import type { Tensor3D } from '../engine/tensors';
import type { TopK } from '../engine/topk';
import { TeacherBatcher, type BatchedImage } from './teacherBatcher';

/** An image whose tensor is its id and whose crop c has top = c; each stored label is kept. */
class FakeImage implements BatchedImage {
  readonly boxes: CropBox[];
  readonly image: Tensor3D;
  labelled = 0;
  readonly got: number[] = [];
  constructor(
    readonly id: number,
    crops: number,
  ) {
    this.boxes = Array.from({ length: crops }, (_, c) => ({
      top: c,
      left: 0,
      height: 1,
      width: 1,
      flip: false,
    }));
    this.image = { id } as unknown as Tensor3D;
  }
  store(c: number, indices: Int32Array): void {
    this.got[c] = indices[0];
  }
}

/** A teacher whose top-1 for crop c of image id is 100 * id + c, read back row by row, image-major. */
function fakeTeacher(fail = false) {
  const batches: number[] = [];
  const run = (parts: { image: Tensor3D; boxes: CropBox[] }[]): Promise<TopK> => {
    const labels = parts.flatMap((p) =>
      p.boxes.map((b) => 100 * (p.image as unknown as { id: number }).id + b.top),
    );
    batches.push(labels.length);
    if (fail) return Promise.reject(new Error('device lost'));
    return Promise.resolve({
      indices: Int32Array.from(labels),
      values: new Float32Array(labels.length).fill(1),
      rows: labels.length,
      k: 1,
    });
  };
  return { run, batches };
}

describe('TeacherBatcher', () => {
  it('fills batches across images, queues the next before awaiting the last, hands images on in order', async () => {
    const t = fakeTeacher();
    const finished: { id: number; batchesQueued: number }[] = [];
    const b = new TeacherBatcher<FakeImage>(t.run, 4, async (im) => {
      finished.push({ id: im.id, batchesQueued: t.batches.length });
    });
    const images = [new FakeImage(1, 3), new FakeImage(2, 3), new FakeImage(3, 5), new FakeImage(4, 1)];
    for (const im of images) await b.add(im);
    await b.drain();
    expect(t.batches).toEqual([4, 4, 4]);
    // Image 1 was all in batch 1, whose readback is awaited only once batch 2 is on the device (image
    // 2's last crops, in batch 2, had read back by then too).
    expect(finished).toEqual([
      { id: 1, batchesQueued: 2 },
      { id: 2, batchesQueued: 2 },
      { id: 3, batchesQueued: 3 },
      { id: 4, batchesQueued: 3 },
    ]);
    for (const im of images) {
      expect(im.labelled).toBe(im.boxes.length);
      expect(im.got).toEqual(im.boxes.map((_, c) => 100 * im.id + c));
    }
    expect(b.unfinished()).toEqual([]);
  });

  it('a failed readback fails the job and leaves its images unfinished for the caller to free', async () => {
    const finished: number[] = [];
    const b = new TeacherBatcher<FakeImage>(
      fakeTeacher(true).run,
      2,
      async (im) => void finished.push(im.id),
    );
    await b.add(new FakeImage(1, 2)); // launched, not awaited yet
    await expect(b.drain()).rejects.toThrow('device lost');
    expect(finished).toEqual([]);
    expect(b.unfinished().map((im) => im.id)).toEqual([1]);
  });
});
