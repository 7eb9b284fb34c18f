import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';
import {
  bundlePrefix,
  concatChunks,
  decodeLabelBundle,
  encodeLabelBundle,
  LABEL_BUNDLE_END_MARK,
  type BundleImage,
  type BundleRecord,
  type LabelBundleHeader,
} from './labelBundle';
import { LabelBundleReader } from './labelBundleReader';

/** Paths with what a byte-level scanner could trip on: quotes, escapes, brackets, commas, UTF-8. */
const ODD = ['a"b', 'c\\d', '[e],{f}', 'g:h', 'ü€😀', ''];

function header(images: BundleImage[]): LabelBundleHeader {
  return {
    labelSet: {
      id: 'labels:x',
      name: 'set "one [1',
      teacherId: 't',
      settings: {
        numCrops: 2,
        codec: 'msTopK',
        k: 5,
        precision: 'q8',
        temperature: 1,
        scale: [0.08, 1],
        ratio: [0.75, 4 / 3],
        seed: 3,
        inputSize: 16,
      },
      imagesTotal: images.length,
      createdAt: 1,
    },
    numClasses: 10,
    dataset: {
      id: 'd',
      name: 'images: [not the list]',
      counts: { train: 20, val: 0 },
      classes: [
        { index: 0, name: '"images":[' },
        { index: 1, name: 'b', wnid: 'n1' },
      ],
    },
    images,
    exportedBy: 'test',
  };
}

function sample(indices: number[]): { h: LabelBundleHeader; recs: BundleRecord[] } {
  const images = indices.map((index, n) => ({
    index,
    path: `train/${ODD[n % ODD.length]}/${index}.png`,
    classIndex: index % 10,
    ...(n % 2 ? { width: 28, height: 20 } : {}),
  }));
  const recs = indices.map((imageIndex, n) => ({
    imageIndex,
    record: Uint8Array.from({ length: 3 + (n % 5) }, (_, j) => (imageIndex * 7 + j) & 0xff),
  }));
  return { h: header(images), recs };
}

/** A bundle's bytes with a header written as given (any JSON text), records and a correct CRC. */
function rawBundle(json: string, recs: BundleRecord[]): Uint8Array {
  const head = new TextEncoder().encode(json);
  const parts = [bundlePrefix(head.length), head];
  for (const { imageIndex, record } of recs) {
    const e = new Uint8Array(8);
    new DataView(e.buffer).setUint32(0, imageIndex, true);
    new DataView(e.buffer).setUint32(4, record.length, true);
    parts.push(e, record);
  }
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, LABEL_BUNDLE_END_MARK, true);
  new DataView(tail.buffer).setUint32(4, recs.length, true);
  parts.push(tail);
  const body = concatChunks(parts);
  const crc = new Uint8Array(4);
  new DataView(crc.buffer).setUint32(0, crc32(body), true);
  return concatChunks([body, crc]);
}

type Outcome =
  { ok: true; header: LabelBundleHeader; records: BundleRecord[] } | { ok: false; message: string };

/** The streamed reader over `bytes` cut at `cuts`, reassembled as decodeLabelBundle returns it. */
function streamed(bytes: Uint8Array, cuts: number[]): Outcome {
  try {
    const reader = new LabelBundleReader(bytes.length);
    const images: BundleImage[] = [];
    const records: BundleRecord[] = [];
    let header: LabelBundleHeader | undefined;
    let from = 0;
    for (const to of [...cuts, bytes.length]) {
      for (const ev of reader.feed(bytes.subarray(from, to))) {
        if (ev.kind === 'image') images[ev.position] = ev.image;
        else if (ev.kind === 'header') header = ev.header;
        else {
          expect(reader.positionOf(ev.imageIndex)).toBe(ev.position);
          records.push({ imageIndex: ev.imageIndex, record: ev.record });
        }
      }
      from = to;
    }
    const end = reader.finish();
    expect(end.header).toBe(header);
    expect(end.records).toBe(records.length);
    return { ok: true, header: { ...header!, images }, records };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function whole(bytes: Uint8Array): Outcome {
  try {
    const d = decodeLabelBundle(bytes);
    return { ok: true, header: d.header, records: d.records };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/** JSON.parse's own wording differs between a whole header and a piece of it: compare up to it. */
const gist = (o: Outcome) => (o.ok ? o : { ok: false, message: o.message.replace(/ \(.*$/s, ' (…)') });

describe('streamed label bundle reader', () => {
  const { h, recs } = sample([1, 3, 4, 8, 9, 12, 15]);
  const bytes = concatChunks(encodeLabelBundle(h, recs));

  it('reads what the whole-file decoder reads, cut at every position', () => {
    const ref = whole(bytes);
    expect(ref.ok).toBe(true);
    for (let k = 0; k <= bytes.length; k++) expect(streamed(bytes, [k])).toEqual(ref);
    expect(
      streamed(
        bytes,
        Array.from({ length: bytes.length }, (_, k) => k),
      ),
    ).toEqual(ref);
  });

  it('reads every truncation with the whole-file decoder’s message', () => {
    for (let n = 0; n < bytes.length; n++) {
      const cut = bytes.slice(0, n);
      const ref = whole(cut);
      expect(ref.ok).toBe(false);
      expect(streamed(cut, [n >> 1])).toEqual(ref);
    }
  });

  it('finds every changed byte, as the whole-file decoder does', () => {
    for (let k = 0; k < bytes.length; k++) {
      const bad = bytes.slice();
      bad[k] ^= 0x5a;
      const ref = whole(bad);
      expect(ref.ok).toBe(false);
      expect(gist(streamed(bad, [k]))).toEqual(gist(ref));
    }
  });

  it('says the same about a bad CRC and trailing bytes', () => {
    const bad = bytes.slice();
    bad[bad.length - 1] ^= 1;
    expect(streamed(bad, [40])).toEqual(whole(bad));
    expect(streamed(bad, [40])).toMatchObject({ message: expect.stringMatching(/checksum mismatch/) });
    const longer = concatChunks([bytes, new Uint8Array(3)]);
    expect(streamed(longer, [])).toEqual(whole(longer));
  });

  it('agrees on headers that are well framed but wrong', () => {
    const json = JSON.stringify(h);
    const cases: [string, BundleRecord[]][] = [
      [json.replace('"images":[', '"images":[{"index":1},'), recs], // images[0] invalid
      [json.replace('"numClasses":10', '"numClasses":1'), recs], // a field check before the images
      [json.replace('"index":3,', '"index":1,'), recs.slice(0, 1)], // an index listed twice
      [json, [...recs, { imageIndex: 2, record: new Uint8Array(4) }]], // a record without an image
      [json, [...recs, recs[0]]], // two records of one image
      [json.replace(/"images":\[.*\],"exportedBy"/, '"images":null,"exportedBy"'), []], // no list
      [json.replace('"images":[', '"images":[,'), recs], // not JSON inside the list
      [json.replace('"exportedBy"', '"exportedBy" "'), recs], // not JSON outside it
      [json.slice(0, -1), recs], // unbalanced
    ];
    for (const [text, rs] of cases) {
      const raw = rawBundle(text, rs);
      const ref = whole(raw);
      expect(ref.ok).toBe(false);
      for (const k of [0, 20, raw.length >> 1]) expect(gist(streamed(raw, [k]))).toEqual(gist(ref));
    }
  });

  it('reads images in any order and the list anywhere in the header, an escaped key too', () => {
    const mixed = sample([9, 2, 30, 5]);
    const { images, ...rest } = mixed.h;
    for (const text of [
      JSON.stringify({ images, ...rest }),
      JSON.stringify({ ...rest, images }, null, 2),
      JSON.stringify({ ...rest, images }).replace('"images"', '"\\u0069mages"'),
    ]) {
      const raw = rawBundle(text, mixed.recs);
      const ref = whole(raw);
      expect(ref.ok).toBe(true);
      for (let k = 0; k <= raw.length; k += 7) expect(streamed(raw, [k])).toEqual(ref);
    }
  });

  it('emits nothing it has not read, and never a record of a failed header', () => {
    const raw = rawBundle(JSON.stringify(h).replace('"numClasses":10', '"numClasses":1'), recs);
    const reader = new LabelBundleReader(raw.length);
    expect(() => reader.feed(raw)).toThrow(/numClasses 1 not in 2..65536/);
    const ok = new LabelBundleReader(bytes.length);
    const kinds = ok.feed(bytes.subarray(0, bytes.length - 30)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'image')).toHaveLength(7);
    expect(kinds).toContain('header');
    expect(() => ok.finish()).toThrow(/label bundle truncated: the file ended/);
  });
});
