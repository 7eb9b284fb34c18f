import { describe, expect, it } from 'vitest';
import { concatChunks, decodeLabelBundle, encodeLabelBundle, type LabelBundleHeader } from './labelBundle';
import { bundleImageBytes, LabelBundleStreamWriter } from './labelBundleStream';

function header(indices: number[]): LabelBundleHeader {
  return {
    labelSet: {
      id: 'labels:abc',
      name: 'set "quoted" ünïcode',
      teacherId: 't',
      settings: {
        numCrops: 1,
        codec: 'msTopK',
        k: 2,
        precision: 'q8',
        temperature: 1,
        scale: [0.35, 1],
        ratio: [0.75, 4 / 3],
        seed: 7,
        inputSize: 28,
      },
      imagesTotal: 100,
      createdAt: 1700000000000,
    },
    numClasses: 3,
    dataset: {
      id: 'd',
      name: 'images',
      counts: { train: 100, val: 0 },
      classes: [0, 1, 2].map((i) => ({ index: i, name: `c${i}` })),
    },
    images: indices.map((index) => ({
      index,
      path: `train/c${index % 3}/bild-${index}-ü.png`,
      classIndex: index % 3,
      ...(index % 2 ? { width: 10 + index, height: 9 } : {}),
    })),
    exportedBy: 'test',
    exportedAt: 1700000000001,
  };
}

const rec = (i: number) => Uint8Array.from({ length: 5 + (i % 7) }, (_, j) => (i * 13 + j) & 0xff);

/** Streams `h` in pages of `page` images and records, as the export does. */
function stream(h: LabelBundleHeader, page: number, chunkBytes: number): Uint8Array {
  const bytes = h.images.reduce((a, im) => a + bundleImageBytes(im), 0);
  const w = new LabelBundleStreamWriter({ ...h, images: [] }, h.images.length, bytes, chunkBytes);
  const out: Uint8Array[] = [];
  for (let lo = 0; lo < h.images.length; lo += page) out.push(...w.pushImages(h.images.slice(lo, lo + page)));
  for (const im of h.images) out.push(...w.push(im.index, rec(im.index)));
  out.push(...w.finish());
  for (const c of out.slice(0, -1)) expect(c.length).toBe(chunkBytes);
  return concatChunks(out);
}

describe('LabelBundleStreamWriter', () => {
  it('writes byte for byte what the whole-header writer writes, whatever the page and chunk size', () => {
    for (const indices of [[], [4], [0, 1, 2, 5, 9, 40, 41, 99]]) {
      const h = header(indices);
      const whole = concatChunks(
        encodeLabelBundle(
          h,
          indices.map((i) => ({ imageIndex: i, record: rec(i) })),
        ),
      );
      for (const [page, chunk] of [
        [1, 64],
        [3, 100],
        [1000, 1 << 20],
      ])
        expect(stream(h, page, chunk)).toEqual(whole);
      const back = decodeLabelBundle(whole);
      expect(back.header.images).toEqual(h.images);
      expect(back.records.map((r) => r.imageIndex)).toEqual(indices);
    }
  });

  it('refuses images that differ from what was measured, and records that are not the images', () => {
    const h = header([1, 2, 3]);
    const bytes = h.images.reduce((a, im) => a + bundleImageBytes(im), 0);
    const writer = (n = 3, b = bytes) => new LabelBundleStreamWriter({ ...h, images: [] }, n, b);
    expect(() => writer(3, bytes + 1).pushImages(h.images)).toThrow(/shorter than measured/);
    expect(() => writer(3, bytes - 1).pushImages(h.images)).toThrow(/longer than measured/);
    const two = bundleImageBytes(h.images[0]) + bundleImageBytes(h.images[1]);
    expect(() => writer(2, two).pushImages(h.images)).toThrow(/more than 2 images/);
    expect(() => writer().pushImages([h.images[1], h.images[0]])).toThrow(/must ascend/);
    expect(() => writer().push(1, rec(1))).toThrow(/3 images still to come/);
    const w = writer();
    w.pushImages(h.images);
    w.push(1, rec(1));
    expect(() => w.push(1, rec(1))).toThrow(/must ascend/);
    w.push(4, rec(4));
    w.push(5, rec(5));
    expect(() => w.finish()).toThrow(/not the images the header lists/);
    expect(() => new LabelBundleStreamWriter(h, 3, bytes)).toThrow(/lists images itself/);
  });
});
