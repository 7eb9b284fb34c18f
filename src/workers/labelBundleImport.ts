/**
 * Import a .fkdlabels bundle (core/labelBundle.ts, docs/label-bundle.md) onto a dataset as a new label
 * set, streamed: the file is read twice through the checking reader (core/labelBundleReader.ts), never
 * whole. The first pass verifies it (structure, CRC, header, every record's codec) and keeps a few
 * numbers per image (its path's hash, class, record size); nothing is written unless the bundle is
 * sound. The images are then matched to the target's train index in one paged pass (by path; by index
 * when it is the same dataset) and checked page by page in target order; the second pass writes the
 * matched records in batches. Neither the target's index nor the bundle's paths or records are held.
 */
import { itemId } from '../data/itemId';
import type { BundleImage, LabelBundleHeader } from '../core/labelBundle';
import { LabelBundleReader, type LabelBundleEvent } from '../core/labelBundleReader';
import { hash53 } from '../core/murmur3';
import { decodeLabelRecord, encodeLabelRecord } from '../core/labelRecord';
import { normalizeSpec, type CodecSpec } from '../core/softLabel';
import {
  deleteLabelSet,
  getDataset,
  getDatasetItems,
  getDatasetItemsFor,
  liveImages,
  openStudioDb,
  putLabelRecords,
  putLabelSet,
  type LabelSet,
  type StudioDb,
} from '../store';

/** Index rows per read while matching, and matches checked per read (a range read under 2x of them). */
export const IMPORT_PAGE = 1024;
const CHECK_PAGE = IMPORT_PAGE / 2;
/** Records per putLabelRecords transaction. */
const IMPORT_BATCH = 256;

export interface ImportLabelSetResult {
  labelSetId: string;
  /** Records written to the new set. */
  imported: number;
  /** Records in the bundle whose image was not found in the target dataset (or differs from it). */
  unmatched: number;
  /** Records whose image the target still indexes but a re-open check found gone from its folder. */
  gone: number;
  warnings: string[];
}

function specOf(h: LabelBundleHeader): CodecSpec {
  try {
    return normalizeSpec({
      codec: h.labelSet.settings.codec,
      k: h.labelSet.settings.k,
      precision: h.labelSet.settings.precision,
      numClasses: h.numClasses,
    });
  } catch (e) {
    throw new Error(`label bundle corrupt: settings ${(e as Error).message}`, { cause: e });
  }
}

/** What the verifying pass keeps per header image: a few typed arrays, never a path or a record. */
class BundleImages {
  /** hash53 of each image's path, and its class index, by header position. */
  hash = new Float64Array(1024);
  classIndex = new Int32Array(1024);
  n = 0;
  /** Per header position, set by its record: the record's place in the file (-1: none), size, mix. */
  recordAt = new Int32Array(0);
  size = new Uint32Array(0);
  mixed = new Uint8Array(0);

  push(position: number, image: BundleImage): void {
    if (position >= this.hash.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T) => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.hash = grow(this.hash, (n) => new Float64Array(n));
      this.classIndex = grow(this.classIndex, (n) => new Int32Array(n));
    }
    this.hash[position] = hash53(image.path);
    this.classIndex[position] = image.classIndex;
    this.n = Math.max(this.n, position + 1);
  }

  /** After the header: room for what the records tell. */
  endImages(): void {
    this.recordAt = new Int32Array(this.n).fill(-1);
    this.size = new Uint32Array(2 * this.n);
    this.mixed = new Uint8Array(this.n);
  }
}

/** Reads a bundle's stream through the checking reader, handing each event to `on`; returns its end. */
async function readBundle(
  file: Blob,
  on: (ev: LabelBundleEvent, reader: LabelBundleReader) => void | Promise<void>,
): Promise<{ header: LabelBundleHeader; records: number; reader: LabelBundleReader }> {
  const reader = new LabelBundleReader(file.size);
  const chunks = file.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await chunks.read();
      if (done) break;
      for (const ev of reader.feed(value)) await on(ev, reader);
    }
  } finally {
    await chunks.cancel().catch(() => undefined);
  }
  return { ...reader.finish(), reader };
}

/**
 * Where each bundle image is in the target's train index (-1: nowhere), by header position: in one
 * paged pass, by identity, else by a bare path that is unique in the target. Paths are compared by
 * hash53 (the bundle's are not kept); a match still needs the class, and the size where known.
 */
async function findByPath(
  db: StudioDb,
  datasetId: string,
  total: number,
  images: BundleImages,
): Promise<Int32Array> {
  const n = images.n;
  const order = new Uint32Array(n);
  for (let p = 0; p < n; p++) order[p] = p;
  // Equal paths: the last one listed wins, as a Map built in list order would have it.
  order.sort((a, b) => images.hash[a] - images.hash[b] || b - a);
  const sorted = Float64Array.from(order, (p) => images.hash[p]);
  const lookup = (path: string) => {
    const h = hash53(path);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo < n && sorted[lo] === h ? order[lo] : -1;
  };
  // >= 0: the exact match; -1: none; -2: several bare matches; <= -3: one bare match (-3 - index).
  // Bundles exported before shard-qualified identities name a tar member by its key alone: match
  // those where the key is unique in this dataset.
  const found = new Int32Array(n).fill(-1);
  for (let lo = 0; lo < total; lo += IMPORT_PAGE) {
    for (const it of await getDatasetItems(db, datasetId, 'train', lo, Math.min(total, lo + IMPORT_PAGE))) {
      const e = lookup(itemId(it));
      if (e >= 0) found[e] = it.index;
      const b = lookup(it.path);
      if (b >= 0 && found[b] < 0) found[b] = found[b] === -1 ? -3 - it.index : -2;
    }
  }
  return found.map((f) => (f >= 0 ? f : f <= -3 ? -3 - f : -1));
}

export async function importLabelSetBundle(
  file: Blob,
  datasetId: string,
  db?: StudioDb,
): Promise<ImportLabelSetResult> {
  // Pass 1 reads and checks the whole bundle, keeping a few numbers per image; nothing is written
  // unless it is sound. Pass 2 reads it again and writes the matched records a batch at a time.
  const images = new BundleImages();
  let spec: CodecSpec | undefined;
  let recordError: Error | undefined;
  let n = 0;
  const { header: h, reader } = await readBundle(file, (ev) => {
    if (ev.kind === 'image') images.push(ev.position, ev.image);
    else if (ev.kind === 'header') {
      images.endImages();
      try {
        spec = specOf(ev.header);
      } catch (e) {
        recordError ??= e as Error;
      }
    } else if (spec && !recordError) {
      const p = ev.position;
      let dec;
      try {
        dec = decodeLabelRecord(ev.record);
      } catch (e) {
        recordError = new Error(
          `label bundle corrupt: record of image ${ev.imageIndex}: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
        return;
      }
      const s = dec.spec;
      if (
        s.codec !== spec.codec ||
        s.k !== spec.k ||
        s.precision !== spec.precision ||
        s.numClasses !== spec.numClasses
      ) {
        recordError = new Error(
          `label bundle corrupt: record of image ${ev.imageIndex} is ${s.codec} k=${s.k} ${s.precision} C=${s.numClasses}, ` +
            `the header says ${spec.codec} k=${spec.k} ${spec.precision} C=${spec.numClasses}`,
        );
        return;
      }
      images.recordAt[p] = n++;
      images.size[2 * p] = dec.imageWidth;
      images.size[2 * p + 1] = dec.imageHeight;
      if (dec.mix) images.mixed[p] = 1;
    }
  });
  db ??= await openStudioDb();
  const dataset = await getDataset(db, datasetId);
  if (!dataset) throw new Error(`dataset ${datasetId} not found`);
  if (h.numClasses !== dataset.numClasses) {
    throw new Error(
      `the label set has ${h.numClasses} classes but dataset "${dataset.name}" has ${dataset.numClasses}: it cannot be imported there`,
    );
  }
  const warnings: string[] = [];
  const renamed = h.dataset.classes.filter((c) => {
    const own = dataset.classes.find((d) => d.index === c.index);
    return own && own.name !== c.name && !(own.wnid && c.wnid && own.wnid === c.wnid);
  });
  if (renamed.length > 0) {
    warnings.push(
      `${renamed.length} class names differ from the exporting dataset (e.g. ${renamed[0].index}: "${renamed[0].name}"); ` +
        'labels follow class indices',
    );
  }
  if (recordError) throw recordError;
  const total = dataset.counts.train;
  // Per header position: the target index its image maps to (-1: none, or no record).
  const target = await findByPath(db, datasetId, total, images);
  const sameDataset = h.dataset.id === datasetId;
  const indexOf = reader.imageIndexAt.bind(reader);
  for (let p = 0; p < images.n; p++) {
    if (images.recordAt[p] < 0) target[p] = -1;
    else if (target[p] < 0 && sameDataset && indexOf(p) < total) target[p] = indexOf(p);
  }

  // Checked in target order, a page of index entries at a time; the first record to claim an image wins.
  const order = Uint32Array.from({ length: images.n }, (_, p) => p)
    .filter((p) => target[p] >= 0)
    .sort((a, b) => target[a] - target[b] || images.recordAt[a] - images.recordAt[b]);
  const ok = new Uint8Array(images.n);
  let gone = 0;
  let claimed = -1;
  for (let lo = 0; lo < order.length; lo += CHECK_PAGE) {
    const page = order.subarray(lo, lo + CHECK_PAGE);
    const entries = await getDatasetItemsFor(
      db,
      datasetId,
      'train',
      Array.from(page, (p) => target[p]),
    );
    page.forEach((p, j) => {
      const item = entries[j];
      if (!item || target[p] === claimed || item.classIndex !== images.classIndex[p]) return;
      if (
        (item.width && item.width !== images.size[2 * p]) ||
        (item.height && item.height !== images.size[2 * p + 1])
      )
        return;
      claimed = target[p];
      if (item.gone) gone++;
      else ok[p] = 1;
    });
  }
  let okCount = 0;
  for (let p = 0; p < images.n; p++) okCount += ok[p];
  const unmatched = n - okCount - gone;
  if (okCount === 0 && n > 0) throw noneFound(n, h, dataset.name, gone);

  const live = liveImages(dataset, 'train');
  const now = Date.now();
  const set: LabelSet = {
    id: `labels:${now.toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    datasetId,
    teacherId: h.labelSet.teacherId,
    name: `${h.labelSet.name} (imported)`,
    settings: { ...h.labelSet.settings },
    numClasses: h.numClasses,
    imagesDone: 0,
    imagesTotal: live,
    bytes: 0,
    status: 'pending',
    createdAt: now,
    updatedAt: now,
  };
  await putLabelSet(db, set);
  let imported = 0;
  let lostPartner = 0;
  try {
    // A mixed record's partners, by image index, in this dataset (undefined: not imported).
    const moved = (imageIndex: number) => {
      const q = reader.positionOf(imageIndex);
      return q >= 0 && ok[q] ? target[q] : undefined;
    };
    let batch: { imageIndex: number; record: Uint8Array }[] = [];
    await readBundle(file, async (ev) => {
      if (ev.kind !== 'record' || !ok[ev.position]) return;
      const record = images.mixed[ev.position] ? remapMixPartner(ev.record, moved) : ev.record;
      if (!record) {
        lostPartner++;
        return;
      }
      batch.push({ imageIndex: target[ev.position], record });
      if (batch.length === IMPORT_BATCH) {
        await putLabelRecords(db, set.id, batch, { status: 'running' });
        imported += batch.length;
        batch = [];
      }
    });
    imported += batch.length;
    if (imported === 0 && n > 0) throw noneFound(n, h, dataset.name, gone);
    const missing = live - imported;
    await putLabelRecords(db, set.id, batch, {
      status: 'done',
      error: missing > 0 ? `imported: ${missing} of ${live} images have no label` : undefined,
    });
  } catch (e) {
    await deleteLabelSet(db, set.id).catch(() => undefined);
    throw e;
  }
  if (lostPartner > 0)
    warnings.push(`${lostPartner} labelled images were left out: their label-time mix partner was not found`);
  if (unmatched > 0) warnings.push(`${unmatched} labelled images were not found in "${dataset.name}"`);
  if (gone > 0)
    warnings.push(`${gone} labelled images are gone from the folder of "${dataset.name}": left out`);
  return { labelSetId: set.id, imported, unmatched, gone, warnings };
}

function noneFound(n: number, h: LabelBundleHeader, datasetName: string, gone: number): Error {
  return new Error(
    `none of the ${n} labelled images of "${h.dataset.name}" was found in dataset "${datasetName}" (matched by path and class)` +
      (gone > 0 ? `; ${gone} of them are gone from its folder` : ''),
  );
}

/**
 * A label-time-mixed record names its partners by image index: point them at the partners' indices in
 * this dataset. Null when a partner did not come across (its labels are of mixed crops that cannot be
 * rebuilt); the record itself when nothing moves.
 */
function remapMixPartner(
  record: Uint8Array,
  moved: (imageIndex: number) => number | undefined,
): Uint8Array | null {
  const decoded = decodeLabelRecord(record);
  const mix = decoded.mix!;
  const crops = mix.crops.map((c) =>
    c.kind === 'none' ? c : { ...c, partnerImage: moved(c.partnerImage) ?? -1 },
  );
  if (crops.some((c) => c.partnerImage < 0)) return null;
  if (crops.every((c, j) => c.partnerImage === mix.crops[j].partnerImage)) return record;
  return encodeLabelRecord({ ...decoded, mix: { size: mix.size, crops } });
}
