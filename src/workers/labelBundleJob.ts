/**
 * Export a label set as one .fkdlabels bundle (core/labelBundle.ts, docs/label-bundle.md) and import a
 * bundle onto a dataset. Export pages through the set's keys, index entries and records into a Blob; import
 * matches each labelled image to the target dataset by path (by index when it is the same dataset),
 * validates every record, and writes a new label set in batches (putLabelRecords keeps its counters).
 */
import { itemId } from '../data/itemId';
import { decodeLabelBundle, type BundleImage, type LabelBundleHeader } from '../core/labelBundle';
import { bundleImageBytes, LabelBundleStreamWriter } from '../core/labelBundleStream';
import { decodeLabelRecord, encodeLabelRecord, type LabelRecord } from '../core/labelRecord';
import { normalizeSpec, type CodecSpec } from '../core/softLabel';
import {
  deleteLabelSet,
  getDataset,
  getDatasetItems,
  getLabelRecordPage,
  getLabelSet,
  openStudioDb,
  putLabelRecords,
  putLabelSet,
  type DatasetItem,
  type LabelSet,
  type StudioDb,
} from '../store';
import { BlobParts } from './blobParts';
import { labelledImagePages, type LabelledImage } from './labelledPages';

/** Records read from IndexedDB per page during export. */
const EXPORT_RANGE = 1024;
/** Records per putLabelRecords transaction during import. */
const IMPORT_BATCH = 256;

export interface ImportLabelSetResult {
  labelSetId: string;
  /** Records written to the new set. */
  imported: number;
  /** Records in the bundle whose image was not found in the target dataset (or differs from it). */
  unmatched: number;
  warnings: string[];
}

/** A labelled image as the bundle names it, so another copy of the dataset can find it. */
function bundleImage({ index, item }: LabelledImage, set: LabelSet, dataset: { name: string }): BundleImage {
  if (!item)
    throw new Error(`image ${index} of label set "${set.name}" is not in dataset "${dataset.name}" any more`);
  return {
    index,
    path: itemId(item),
    classIndex: item.classIndex,
    ...(item.width ? { width: item.width } : {}),
    ...(item.height ? { height: item.height } : {}),
  };
}

/**
 * Pages through the set three times, never holding it: the labelled images measure the header, then
 * are written into it, then the records follow. The bundle grows in a Blob, not in the worker's heap.
 */
export async function exportLabelSetBundle(labelSetId: string, db?: StudioDb): Promise<Blob> {
  db ??= await openStudioDb();
  const set = await getLabelSet(db, labelSetId);
  if (!set) throw new Error(`label set ${labelSetId} not found`);
  const dataset = await getDataset(db, set.datasetId);
  if (!dataset)
    throw new Error(
      `the dataset of label set "${set.name}" no longer exists: nothing to describe its images`,
    );
  let imageCount = 0;
  let imagesBytes = 0;
  for await (const page of labelledImagePages(db, labelSetId, dataset.id)) {
    for (const labelled of page) imagesBytes += bundleImageBytes(bundleImage(labelled, set, dataset));
    imageCount += page.length;
  }
  // reuseBoxesFrom names a set of this studio only; it means nothing elsewhere.
  const { reuseBoxesFrom: _local, ...settings } = set.settings;
  const header: LabelBundleHeader = {
    labelSet: {
      id: set.id,
      name: set.name,
      teacherId: set.teacherId,
      settings,
      imagesTotal: set.imagesTotal,
      createdAt: set.createdAt,
    },
    numClasses: set.numClasses,
    dataset: {
      id: dataset.id,
      name: dataset.name,
      counts: dataset.counts,
      classes: dataset.classes.map((c) => ({
        index: c.index,
        name: c.name,
        ...(c.wnid ? { wnid: c.wnid } : {}),
      })),
    },
    images: [],
    exportedBy: 'FKD Studio',
    exportedAt: Date.now(),
  };
  const writer = new LabelBundleStreamWriter(header, imageCount, imagesBytes);
  const out = new BlobParts('application/octet-stream');
  try {
    for await (const page of labelledImagePages(db, labelSetId, dataset.id))
      out.add(writer.pushImages(page.map((labelled) => bundleImage(labelled, set, dataset))));
    let after = -1;
    for (;;) {
      const recs = await getLabelRecordPage(db, labelSetId, after, EXPORT_RANGE);
      if (recs.length === 0) break;
      for (const { imageIndex, record } of recs) out.add(writer.push(imageIndex, record));
      after = recs[recs.length - 1].imageIndex;
    }
    out.add(writer.finish());
  } catch (e) {
    // The writer's checks fail only when the set or its images moved between the passes.
    if (!(e instanceof Error) || !e.message.startsWith('label bundle:')) throw e;
    throw new Error(`label set "${set.name}" changed during export; try again`, { cause: e });
  }
  return out.finish();
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
  const items = await getDatasetItems(db, datasetId, 'train', 0, dataset.counts.train);
  const byPath = new Map(items.map((it) => [itemId(it), it]));
  // Bundles exported before shard-qualified identities name a tar member by its key alone: match
  // those where the key is unique in this dataset.
  const byBarePath = new Map<string, DatasetItem | null>();
  for (const it of items) byBarePath.set(it.path, byBarePath.has(it.path) ? null : it);
  const byIndex = new Map(items.map((it) => [it.index, it]));
  const identity = new Map(h.images.map((im) => [im.index, im]));
  const sameDataset = h.dataset.id === datasetId;

  const matched: { imageIndex: number; record: Uint8Array; decoded: LabelRecord }[] = [];
  const moved = new Map<number, number>();
  const used = new Set<number>();
  let unmatched = 0;
  for (const { imageIndex, record } of records) {
    const id = identity.get(imageIndex)!; // decodeLabelBundle guarantees every record has one
    const target: DatasetItem | undefined =
      byPath.get(id.path) ?? byBarePath.get(id.path) ?? (sameDataset ? byIndex.get(imageIndex) : undefined);
    let r;
    try {
      r = decodeLabelRecord(record);
    } catch (e) {
      throw new Error(`label bundle corrupt: record of ${id.path}: ${(e as Error).message}`, { cause: e });
    }
    const s = r.spec;
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
    const sameImage =
      target !== undefined &&
      !used.has(target.index) &&
      target.classIndex === id.classIndex &&
      (!target.width || target.width === r.imageWidth) &&
      (!target.height || target.height === r.imageHeight);
    if (!sameImage) {
      unmatched++;
      continue;
    }
    used.add(target.index);
    moved.set(imageIndex, target.index);
    matched.push({ imageIndex: target.index, record, decoded: r });
  }
  const lostPartner = remapMixPartners(matched, moved);
  if (lostPartner > 0)
    warnings.push(`${lostPartner} labelled images were left out: their label-time mix partner was not found`);
  if (matched.length === 0 && records.length > 0) {
    throw new Error(
      `none of the ${records.length} labelled images of "${h.dataset.name}" was found in dataset "${dataset.name}" (matched by path and class)`,
    );
  }
  if (unmatched > 0) warnings.push(`${unmatched} labelled images were not found in "${dataset.name}"`);

  const now = Date.now();
  const set: LabelSet = {
    id: `labels:${now.toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    datasetId,
    teacherId: h.labelSet.teacherId,
    name: `${h.labelSet.name} (imported)`,
    settings: { ...h.labelSet.settings },
    numClasses: h.numClasses,
    imagesDone: 0,
    imagesTotal: items.length,
    bytes: 0,
    status: 'pending',
    createdAt: now,
    updatedAt: now,
  };
  await putLabelSet(db, set);
  try {
    const missing = items.length - matched.length;
    const final = {
      status: 'done' as const,
      error: missing > 0 ? `imported: ${missing} of ${items.length} images have no label` : undefined,
    };
    if (matched.length === 0) await putLabelRecords(db, set.id, [], final);
    for (let lo = 0; lo < matched.length; lo += IMPORT_BATCH) {
      const last = lo + IMPORT_BATCH >= matched.length;
      await putLabelRecords(
        db,
        set.id,
        matched.slice(lo, lo + IMPORT_BATCH).map(({ imageIndex, record }) => ({ imageIndex, record })),
        last ? final : { status: 'running' },
      );
    }
  } catch (e) {
    await deleteLabelSet(db, set.id).catch(() => undefined);
    throw e;
  }
  return { labelSetId: set.id, imported: matched.length, unmatched, warnings };
}

/**
 * Label-time-mixed records name their partner by image index: point them at the partner's index in
 * this dataset, and drop a record whose partner did not come across (its labels are of mixed crops
 * that could not be rebuilt). Returns how many were dropped.
 */
function remapMixPartners(
  matched: { imageIndex: number; record: Uint8Array; decoded: LabelRecord }[],
  moved: Map<number, number>,
): number {
  let dropped = 0;
  for (let i = matched.length - 1; i >= 0; i--) {
    const m = matched[i];
    const mix = m.decoded.mix;
    if (!mix) continue;
    const crops = mix.crops.map((c) =>
      c.kind === 'none' ? c : { ...c, partnerImage: moved.get(c.partnerImage) ?? -1 },
    );
    if (crops.some((c) => c.partnerImage < 0)) {
      matched.splice(i, 1);
      dropped++;
    } else if (crops.some((c, j) => c.partnerImage !== mix.crops[j].partnerImage)) {
      m.record = encodeLabelRecord({ ...m.decoded, mix: { size: mix.size, crops } });
    }
  }
  return dropped;
}
