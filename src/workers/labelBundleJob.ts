/**
 * Export a label set as one .fkdlabels bundle (core/labelBundle.ts, docs/label-bundle.md): pages through
 * the set's keys, index entries and records into a Blob. The import is labelBundleImport.ts.
 */
import { itemId } from '../data/itemId';
import type { BundleImage, LabelBundleHeader } from '../core/labelBundle';
import { bundleImageBytes, LabelBundleStreamWriter } from '../core/labelBundleStream';
import {
  getDataset,
  getLabelRecordPage,
  getLabelSet,
  openStudioDb,
  type LabelSet,
  type StudioDb,
} from '../store';
import { BlobParts } from './blobParts';
import { labelledImagePages, type LabelledImage } from './labelledPages';

/** Records read from IndexedDB per page during export. */
const EXPORT_RANGE = 1024;

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
