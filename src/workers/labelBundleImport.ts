/**
 * Import a .fkdlabels bundle (core/labelBundle.ts, docs/label-bundle.md) onto a dataset as a new label
 * set. The bundle's images are matched to the target's train index in one paged pass (by path; by
 * index when it is the same dataset), the matches are checked page by page in target order, and the
 * records are written in batches: the target's index is never held, only what the bundle itself holds.
 */
import { itemId } from '../data/itemId';
import { decodeLabelBundle, type LabelBundleHeader } from '../core/labelBundle';
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

/** Where each bundle image is in the target's train index: by identity, else by a unique bare path. */
async function findByPath(
  db: StudioDb,
  datasetId: string,
  total: number,
  paths: readonly string[],
): Promise<Int32Array> {
  const at = new Map<string, number>();
  paths.forEach((p, n) => at.set(p, n));
  const exact = new Int32Array(paths.length).fill(-1);
  // Bundles exported before shard-qualified identities name a tar member by its key alone: match
  // those where the key is unique in this dataset (-2: several samples share it).
  const bare = new Int32Array(paths.length).fill(-1);
  for (let lo = 0; lo < total; lo += IMPORT_PAGE) {
    for (const it of await getDatasetItems(db, datasetId, 'train', lo, Math.min(total, lo + IMPORT_PAGE))) {
      const e = at.get(itemId(it));
      if (e !== undefined) exact[e] = it.index;
      const b = at.get(it.path);
      if (b !== undefined) bare[b] = bare[b] === -1 ? it.index : -2;
    }
  }
  return exact.map((e, n) => (e >= 0 ? e : bare[n] >= 0 ? bare[n] : -1));
}

export async function importLabelSetBundle(
  file: Blob,
  datasetId: string,
  db?: StudioDb,
): Promise<ImportLabelSetResult> {
  const { header: h, records } = decodeLabelBundle(new Uint8Array(await file.arrayBuffer()));
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
  const spec = specOf(h);
  const total = dataset.counts.train;
  const byPath = await findByPath(
    db,
    datasetId,
    total,
    h.images.map((im) => im.path),
  );
  const position = new Map(h.images.map((im, n) => [im.index, n]));
  const sameDataset = h.dataset.id === datasetId;

  // Per record: its image's place in the header, the target index it maps to, its image size.
  const n = records.length;
  const target = new Int32Array(n).fill(-1);
  const size = new Uint32Array(2 * n);
  const mixed = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const { imageIndex, record } = records[r];
    const id = h.images[position.get(imageIndex)!]; // decodeLabelBundle guarantees every record has one
    let dec;
    try {
      dec = decodeLabelRecord(record);
    } catch (e) {
      throw new Error(`label bundle corrupt: record of ${id.path}: ${(e as Error).message}`, { cause: e });
    }
    const s = dec.spec;
    if (
      s.codec !== spec.codec ||
      s.k !== spec.k ||
      s.precision !== spec.precision ||
      s.numClasses !== spec.numClasses
    ) {
      throw new Error(
        `label bundle corrupt: record of ${id.path} is ${s.codec} k=${s.k} ${s.precision} C=${s.numClasses}, ` +
          `the header says ${spec.codec} k=${spec.k} ${spec.precision} C=${spec.numClasses}`,
      );
    }
    size[2 * r] = dec.imageWidth;
    size[2 * r + 1] = dec.imageHeight;
    if (dec.mix) mixed[r] = 1;
    const found = byPath[position.get(imageIndex)!];
    target[r] = found >= 0 ? found : sameDataset && imageIndex < total ? imageIndex : -1;
  }

  // Checked in target order, a page of index entries at a time; the first record to claim an image wins.
  const order = Array.from({ length: n }, (_, r) => r)
    .filter((r) => target[r] >= 0)
    .sort((a, b) => target[a] - target[b] || a - b);
  const ok = new Uint8Array(n);
  let gone = 0;
  let claimed = -1;
  for (let lo = 0; lo < order.length; lo += CHECK_PAGE) {
    const page = order.slice(lo, lo + CHECK_PAGE);
    const entries = await getDatasetItemsFor(
      db,
      datasetId,
      'train',
      page.map((r) => target[r]),
    );
    page.forEach((r, j) => {
      const item = entries[j];
      const id = h.images[position.get(records[r].imageIndex)!];
      if (!item || target[r] === claimed || item.classIndex !== id.classIndex) return;
      if ((item.width && item.width !== size[2 * r]) || (item.height && item.height !== size[2 * r + 1]))
        return;
      claimed = target[r];
      if (item.gone) gone++;
      else ok[r] = 1;
    });
  }

  const moved = new Map<number, number>();
  for (let r = 0; r < n; r++) if (ok[r]) moved.set(records[r].imageIndex, target[r]);
  const matched: { imageIndex: number; record: Uint8Array }[] = [];
  let lostPartner = 0;
  for (let r = 0; r < n; r++) {
    if (!ok[r]) continue;
    const record = mixed[r] ? remapMixPartner(records[r].record, moved) : records[r].record;
    if (record) matched.push({ imageIndex: target[r], record });
    else lostPartner++;
  }
  const unmatched = n - moved.size - gone;
  if (lostPartner > 0)
    warnings.push(`${lostPartner} labelled images were left out: their label-time mix partner was not found`);
  if (matched.length === 0 && n > 0) {
    throw new Error(
      `none of the ${n} labelled images of "${h.dataset.name}" was found in dataset "${dataset.name}" (matched by path and class)` +
        (gone > 0 ? `; ${gone} of them are gone from its folder` : ''),
    );
  }
  if (unmatched > 0) warnings.push(`${unmatched} labelled images were not found in "${dataset.name}"`);
  if (gone > 0)
    warnings.push(`${gone} labelled images are gone from the folder of "${dataset.name}": left out`);

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
  try {
    const missing = live - matched.length;
    const final = {
      status: 'done' as const,
      error: missing > 0 ? `imported: ${missing} of ${live} images have no label` : undefined,
    };
    if (matched.length === 0) await putLabelRecords(db, set.id, [], final);
    for (let lo = 0; lo < matched.length; lo += IMPORT_BATCH) {
      const last = lo + IMPORT_BATCH >= matched.length;
      await putLabelRecords(
        db,
        set.id,
        matched.slice(lo, lo + IMPORT_BATCH),
        last ? final : { status: 'running' },
      );
    }
  } catch (e) {
    await deleteLabelSet(db, set.id).catch(() => undefined);
    throw e;
  }
  return { labelSetId: set.id, imported: matched.length, unmatched, gone, warnings };
}

/**
 * A label-time-mixed record names its partners by image index: point them at the partners' indices in
 * this dataset. Null when a partner did not come across (its labels are of mixed crops that cannot be
 * rebuilt); the record itself when nothing moves.
 */
function remapMixPartner(record: Uint8Array, moved: Map<number, number>): Uint8Array | null {
  const decoded = decodeLabelRecord(record);
  const mix = decoded.mix!;
  const crops = mix.crops.map((c) =>
    c.kind === 'none' ? c : { ...c, partnerImage: moved.get(c.partnerImage) ?? -1 },
  );
  if (crops.some((c) => c.partnerImage < 0)) return null;
  if (crops.every((c, j) => c.partnerImage === mix.crops[j].partnerImage)) return record;
  return encodeLabelRecord({ ...decoded, mix: { size: mix.size, crops } });
}
