/**
 * Import an FKD label tree (<root>/train/<class folder>/<stem>.tar, torch.save files of FKD's
 * generator; Fast MEAL V2's <root>/<name>/train/... too) as a label set of a dataset. Class folders are
 * listed one at a time and files are read a few at a time, so memory is bounded by one folder's
 * listing plus two bitmaps over the dataset's images; the index is read one folder at a time
 * (folderRuns.ts), never whole. Files are matched to training images by class folder + stem (a file
 * whose image is gone from the dataset's folder is counted and skipped); each is checked (core/torchfile: the pickle is never executed; k against the class
 * count, coords in [0, 1], the same type, precision and crop count as the first good file) and a bad
 * file is reported and skipped. Cancel pauses the set; a resumed import skips images already held.
 */
import { IndexBits } from '../core/indexBits';
import { encodeLabelRecord } from '../core/labelRecord';
import { fkdImageKey, fkdKeyOfLabelPath, fkdToRecord, codecForKind } from '../core/torchfile/convert';
import { fkdLabelTypeName, readFkdLabelFile, type FkdLabelFile } from '../core/torchfile/fkdFile';
import type { DataSource } from '../data/source';
import {
  getDataset,
  getDatasetItems,
  getLabelSet,
  listDoneImageIndicesPage,
  liveImages,
  putLabelRecords,
  putLabelSet,
  type DatasetItem,
  type LabelSet,
  type LabelSetProvenance,
  type StudioDb,
} from '../store';
import type { ProgressFn } from './api';
import { FOLDER_PAGE, FolderRuns } from './folderRuns';
import type { FkdFileProblem, FkdImportResult, FkdImportSpec } from './fkdInteropApi';
import { ProgressReporter } from './progress';

/** Files read and parsed concurrently. */
const READ_AHEAD = 16;
/** Records per putLabelRecords transaction. */
const WRITE_BATCH = 128;
/** Problems and unmatched names kept for the report (counts are exact). */
const SAMPLE = 50;

export interface FkdImportDeps {
  db: StudioDb;
  /** The label tree. */
  source: DataSource;
  /** Size of a training image as this studio decodes it (boxes are snapped to its pixels). */
  imageSize: (item: DatasetItem) => Promise<{ width: number; height: number }>;
}

interface Shape {
  kind: FkdLabelFile['kind'];
  k: number;
  precision: FkdLabelFile['precision'];
  numCrops: number;
}
const describeShape = (s: Shape) =>
  `${fkdLabelTypeName(s.kind, s.k)} (k=${s.k}) ${s.precision}, ${s.numCrops} crops`;

async function listNames(source: DataSource, dir: string[], kind: 'file' | 'directory'): Promise<string[]> {
  const out: string[] = [];
  for await (const e of source.list(dir)) if (e.kind === kind) out.push(e.name);
  return out.sort();
}

/** The tree's train/ folder: at the root (FKD) or one level down (Fast MEAL V2). */
async function findTrain(source: DataSource): Promise<string[]> {
  const top = await listNames(source, [], 'directory');
  if (top.includes('train')) return ['train'];
  for (const d of top) {
    if ((await listNames(source, [d], 'directory')).includes('train')) return [d, 'train'];
  }
  throw new Error(
    `"${source.name}" has no train/ folder: FKD's layout is <root>/train/<class folder>/<image stem>.tar`,
  );
}

export async function runFkdImport(
  spec: FkdImportSpec,
  deps: FkdImportDeps,
  signal: AbortSignal,
  onProgress?: ProgressFn,
): Promise<FkdImportResult> {
  const { db, source } = deps;
  const dataset = await getDataset(db, spec.datasetId);
  if (!dataset) throw new Error(`dataset ${spec.datasetId} not found`);
  const total = dataset.counts.train;
  const live = liveImages(dataset, 'train');
  const trainDir = await findTrain(source);
  const folders = await FolderRuns.build(db, dataset.id, 'train', total);

  let set: LabelSet;
  let shape: Shape | undefined;
  const done = new IndexBits(total);
  if (spec.resumeLabelSetId) {
    const prev = await getLabelSet(db, spec.resumeLabelSetId);
    if (!prev?.provenance) throw new Error(`label set ${spec.resumeLabelSetId} is not an FKD import`);
    set = prev;
    for (let after = -1; ;) {
      const page = await listDoneImageIndicesPage(db, set.id, after, FOLDER_PAGE);
      if (page.length === 0) break;
      for (const i of page) done.add(i);
      after = page[page.length - 1];
    }
    const p = prev.provenance;
    // Stopped before its first good file: the next good file decides, as in a fresh import.
    if (p.cropsPerImage > 0) {
      shape = {
        kind: prev.settings.codec === 'mrTopK' ? 'marginal_renorm' : fkdKindOf(p.labelType),
        k: prev.settings.k,
        precision: p.precision,
        numCrops: p.cropsPerImage,
      };
    }
  } else {
    const now = Date.now();
    set = await putLabelSet(db, {
      id: `labels:${now.toString(36)}${Math.random().toString(36).slice(2, 6)}`,
      datasetId: dataset.id,
      teacherId: 'fkd-files',
      name: spec.name ?? `${source.name} (FKD import)`,
      settings: {
        numCrops: 0,
        codec: 'msTopK',
        k: 5,
        precision: 'f32',
        temperature: 1,
        scale: [1, 0],
        ratio: [3 / 4, 4 / 3],
        seed: 0,
        inputSize: 0,
      },
      numClasses: dataset.numClasses,
      imagesDone: 0,
      imagesTotal: live,
      bytes: 0,
      status: 'running',
      createdAt: now,
      updatedAt: now,
      // Present from the start: it marks the set as an import (its Resume re-reads the folder).
      provenance: emptyProvenance(source.name),
    });
  }
  const prov: LabelSetProvenance = set.provenance ?? emptyProvenance(source.name);
  // A resumed run re-reads every file not yet imported, so it recounts the problems from scratch.
  const bad: FkdFileProblem[] = [];
  let badCount = 0;
  let files = 0;
  let filesWithoutImage = 0;
  const filesWithoutImageSample: string[] = [];
  let filesForGoneImages = 0;
  const matched = new IndexBits(total);
  let imported = 0;
  let maxSnapPx = prov.maxSnapPx;
  let [areaLo, areaHi] = set.settings.scale[0] <= set.settings.scale[1] ? set.settings.scale : [1, 0];
  let batch: { imageIndex: number; record: Uint8Array }[] = [];
  const report = new ProgressReporter(onProgress);
  const progress = (force = false) =>
    report.update({ phase: 'importing FKD labels', done: done.count + imported, total: live }, force);

  const settingsPatch = () =>
    shape
      ? {
          settings: {
            ...set.settings,
            numCrops: shape.numCrops,
            codec: codecForKind(shape.kind),
            k: shape.k,
            precision: shape.precision,
            scale: [round3(areaLo), round3(areaHi)] as [number, number],
          },
          provenance: {
            ...prov,
            labelType: fkdLabelTypeName(shape.kind, shape.k),
            precision: shape.precision,
            cropsPerImage: shape.numCrops,
            files,
            badFiles: badCount,
            badSample: bad.slice(0, SAMPLE),
            filesWithoutImage,
            filesForGoneImages,
            imagesWithoutFile: live - matched.count,
            maxSnapPx,
            rounding:
              `labels kept exactly (${shape.precision}); boxes snapped to whole pixels of the images ` +
              `as indexed here, at most ${maxSnapPx.toFixed(3)} px`,
          },
        }
      : {};
  const flush = async (final?: Partial<LabelSet>) => {
    const b = batch;
    batch = [];
    await putLabelRecords(db, set.id, b, { ...settingsPatch(), ...final });
  };
  const fail = (path: string, reason: string) => {
    badCount++;
    if (bad.length < SAMPLE) bad.push({ path, reason });
  };

  const classDirs = await listNames(source, trainDir, 'directory');
  for (const cls of classDirs) {
    const names = (await listNames(source, [...trainDir, cls], 'file')).filter((n) => n.endsWith('.tar'));
    const byKey = new Map<string, DatasetItem>();
    if (names.length > 0)
      for await (const page of folders.items(cls)) for (const it of page) byKey.set(fkdImageKey(it.path), it);
    const todo: { path: string[]; item: DatasetItem }[] = [];
    for (const name of names) {
      const rel = [...trainDir, cls, name].join('/');
      const key = fkdKeyOfLabelPath(rel);
      const item = key ? byKey.get(key) : undefined;
      files++;
      if (!item) {
        filesWithoutImage++;
        if (filesWithoutImageSample.length < SAMPLE) filesWithoutImageSample.push(rel);
        continue;
      }
      if (item.gone) {
        filesForGoneImages++;
        continue;
      }
      matched.add(item.index);
      if (!done.has(item.index)) todo.push({ path: [...trainDir, cls, name], item });
    }
    for (let lo = 0; lo < todo.length; lo += READ_AHEAD) {
      if (signal.aborted) {
        await flush({ status: 'paused' });
        return result(true, []);
      }
      const chunk = todo.slice(lo, lo + READ_AHEAD);
      const read = await Promise.all(
        chunk.map(async ({ path, item }) => {
          try {
            const [bytes, size] = await Promise.all([
              source.open(path).then(async (b) => new Uint8Array(await b.arrayBuffer())),
              deps.imageSize(item),
            ]);
            return { bytes, size };
          } catch (e) {
            return { error: (e as Error).message ?? String(e) };
          }
        }),
      );
      for (let j = 0; j < chunk.length; j++) {
        const rel = chunk[j].path.join('/');
        const r = read[j];
        if (!('bytes' in r) || !r.bytes) {
          fail(rel, `unreadable: ${r.error}`);
          continue;
        }
        try {
          const f = readFkdLabelFile(r.bytes!, rel, {
            numClasses: dataset.numClasses,
            labelKind: shape?.kind ?? (spec.renorm ? 'marginal_renorm' : undefined),
          });
          const s: Shape = { kind: f.kind, k: f.k, precision: f.precision, numCrops: f.numCrops };
          shape ??= s;
          if (describeShape(s) !== describeShape(shape))
            throw new Error(`holds ${describeShape(s)}; the first file held ${describeShape(shape)}`);
          const { record, maxSnapPx: snap } = fkdToRecord(
            f,
            r.size!.width,
            r.size!.height,
            dataset.numClasses,
          );
          maxSnapPx = Math.max(maxSnapPx, snap);
          for (let i = 0; i < f.numCrops; i++) {
            const area = f.coords[4 * i + 2] * f.coords[4 * i + 3];
            areaLo = Math.min(areaLo, area);
            areaHi = Math.max(areaHi, area);
          }
          batch.push({ imageIndex: chunk[j].item.index, record: encodeLabelRecord(record) });
          imported++;
        } catch (e) {
          const msg = (e as Error).message;
          fail(rel, msg.startsWith(`${rel}: `) ? msg.slice(rel.length + 2) : msg);
        }
      }
      if (batch.length >= WRITE_BATCH) await flush();
      progress();
    }
  }
  if (!shape && done.count === 0) {
    await putLabelRecords(db, set.id, [], {
      status: 'error',
      error: 'no usable FKD label file',
      ...settingsPatch(),
    });
    throw new Error(
      files === 0
        ? `no .tar label files under ${trainDir.join('/')}/ of "${source.name}"`
        : `none of the ${files} label files could be imported (${badCount} bad, ${filesWithoutImage} without an image in "${dataset.name}"` +
            (filesForGoneImages ? `, ${filesForGoneImages} for images gone from its folder` : '') +
            ')' +
            (bad[0] ? `; e.g. ${bad[0].path}: ${bad[0].reason}` : ''),
    );
  }
  const missing = live - matched.count;
  await flush({
    status: 'done',
    error:
      missing + badCount + filesForGoneImages > 0
        ? `FKD import: ${missing} images without a file, ${badCount} bad files` +
          (filesForGoneImages ? `, ${filesForGoneImages} files for images gone from the folder` : '')
        : undefined,
  });
  progress(true);
  return result(false, await withoutFile());

  /** The first images (by index) that are live and got no file: paged, stopping once the sample is full. */
  async function withoutFile(): Promise<string[]> {
    const out: string[] = [];
    for (let lo = 0; lo < total && out.length < SAMPLE && out.length < missing; lo += FOLDER_PAGE) {
      for (const it of await getDatasetItems(db, dataset!.id, 'train', lo, Math.min(total, lo + FOLDER_PAGE)))
        if (!it.gone && !matched.has(it.index) && out.length < SAMPLE) out.push(it.path);
    }
    return out;
  }

  function result(cancelled: boolean, imagesWithoutFileSample: string[]): FkdImportResult {
    return {
      labelSetId: set.id,
      imported,
      alreadyDone: done.count,
      badFiles: bad.slice(0, SAMPLE),
      badCount,
      imagesWithoutFile: cancelled ? 0 : live - matched.count,
      imagesWithoutFileSample,
      filesWithoutImage,
      filesWithoutImageSample,
      filesForGoneImages,
      cancelled,
    };
  }
}

function emptyProvenance(source: string): LabelSetProvenance {
  return {
    kind: 'fkd-files',
    source,
    labelType: '',
    precision: 'f32',
    cropsPerImage: 0,
    files: 0,
    badFiles: 0,
    badSample: [],
    imagesWithoutFile: 0,
    filesWithoutImage: 0,
    maxSnapPx: 0,
    rounding: '',
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function fkdKindOf(labelType: string): FkdLabelFile['kind'] {
  if (labelType === 'hard' || labelType === 'smoothing' || labelType === 'ori') return labelType;
  return labelType.startsWith('marginal_renorm') ? 'marginal_renorm' : 'marginal_smoothing';
}
