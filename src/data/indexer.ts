/**
 * indexDataset: recognise the layout of a source and emit one DatasetItem per usable image,
 * without reading image bytes (content problems surface at decode time, see decode.ts).
 *
 * Layouts, checked in this order on the root listing:
 *  - `train/` and/or `val/` (or `validation/`) folders:
 *      containing `*.tar`        -> WebDataset shards per split;
 *      containing class folders  -> ImageFolder (val class folders map through train's classes);
 *      `val/` holding images directly -> ImageNet flat val, labelled by a ground-truth file
 *                                   (formats in groundTruth.ts); layout 'flatval'.
 *  - `*.tar` at the root -> WebDataset. Shards named like `*-val-*`/`validation`/`test` go to val,
 *    `*train*` to train; when no shard name says, each sample is split by hash(seed, key).
 *  - otherwise root folders are classes (bare `<class>/*` tree): each file goes to val iff
 *    murmur3(seed, "<class>/<file>") / 2^32 < valFraction, so adding a file moves no other file.
 *
 * Classes: the source's hints (embedded manifest) win; else wnid folders map to the ImageNet
 * 1000-class order (numClasses 1000 even for a subset) via mapClassFolders; else sorted folder
 * names (code-point order, like torchvision). Empty class folders keep their index (so indices do
 * not depend on which folders happen to be empty) and are reported.
 * Bad input is reported in `skipped`, never thrown; only an unrecognisable root throws
 * DatasetLayoutError. Items are numbered per split in walk order (classes in index order, files
 * in code-point order), which is deterministic for a given tree.
 */
import { mapClassFolders, type ClassInfo } from '../core/classes';
import { isValByHash } from './hash';
import { IndexContext, type IndexOptions } from './indexContext';
import { indexShards, type ShardRef } from './indexShards';
import { extensionOf, isJunkName } from './report';
import { listAll, type DataSource } from './source';
import type { DatasetClass, DatasetIndex, DatasetLayout, Split } from './types';
import { byName, indexFlatVal, walkClassFolder, type LabelResolver, type SplitChooser } from './walkFolders';

export type { IndexOptions, IndexProgress } from './indexContext';

export class DatasetLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetLayoutError';
  }
}

interface ClassMapping {
  byFolder: Map<string, number>;
  classes: DatasetClass[];
  numClasses: number;
}

type Body = Pick<DatasetIndex, 'layout' | 'classes' | 'numClasses'>;

export async function indexDataset(source: DataSource, opts: IndexOptions): Promise<DatasetIndex> {
  const ctx = new IndexContext(source, opts);
  const root = (await listAll(source, [])).sort(byName);
  const dirs = root.filter((e) => e.kind === 'directory' && !isJunkName(e.name)).map((e) => e.name);
  const files = root.filter((e) => e.kind === 'file').map((e) => e.name);
  const pick = (...names: string[]): string | undefined => dirs.find((d) => names.includes(d.toLowerCase()));
  const trainDir = pick('train');
  const valDir = pick('val', 'validation');
  let body: Body;
  if (trainDir !== undefined || valDir !== undefined) {
    body = await indexSplitFolders(ctx, trainDir, valDir, files);
  } else if (files.some((f) => extensionOf(f) === 'tar')) {
    body = await indexWebDataset(ctx, topLevelShards(files.filter((f) => extensionOf(f) === 'tar')));
  } else if (dirs.length > 0) {
    for (const f of files) ctx.report.add(f, 'file outside the class folders (ignored)');
    body = await indexClassTrees(
      ctx,
      [{ dir: [], folders: dirs, choose: hashChooser(opts), split: 'hash', unmapped: UNMAPPED }],
      dirs,
    );
  } else {
    throw new DatasetLayoutError(
      `"${source.name}" has no train/ or val/ folders, no class folders and no .tar shards; pick the folder that contains them`,
    );
  }
  await ctx.sink.flush();
  ctx.emitProgress();
  return {
    ...body,
    counts: { ...ctx.sink.counts },
    skipped: ctx.report.toList(),
    skippedTotal: ctx.report.total,
  };
}

async function indexSplitFolders(
  ctx: IndexContext,
  trainDir: string | undefined,
  valDir: string | undefined,
  rootFiles: string[],
): Promise<Body> {
  const trainList = trainDir !== undefined ? (await listAll(ctx.source, [trainDir])).sort(byName) : [];
  const valList = valDir !== undefined ? (await listAll(ctx.source, [valDir])).sort(byName) : [];
  const tars = (list: typeof trainList): string[] =>
    list.filter((e) => e.kind === 'file' && extensionOf(e.name) === 'tar').map((e) => e.name);
  if (tars(trainList).length + tars(valList).length > 0) {
    const shards: ShardRef[] = [
      ...tars(trainList).map((n): ShardRef => ({ path: [trainDir!, n], split: 'train' })),
      ...tars(valList).map((n): ShardRef => ({ path: [valDir!, n], split: 'val' })),
    ];
    return indexWebDataset(ctx, shards);
  }
  const classDirs = (list: typeof trainList): string[] =>
    list.filter((e) => e.kind === 'directory' && !isJunkName(e.name)).map((e) => e.name);
  const trainClasses = classDirs(trainList);
  const valClasses = classDirs(valList);
  const valIsFlat = valDir !== undefined && valClasses.length === 0 && valList.some((e) => e.kind === 'file');
  for (const e of trainList)
    if (e.kind === 'file')
      ctx.report.add(`${trainDir}/${e.name}`, 'file outside the class folders (ignored)');
  if (!valIsFlat)
    for (const e of valList)
      if (e.kind === 'file')
        ctx.report.add(`${valDir}/${e.name}`, 'file outside the class folders (ignored)');
  trainList.length = 0;
  valList.length = 0;
  const trees: Tree[] = [];
  if (trainDir !== undefined)
    trees.push({
      dir: [trainDir],
      folders: trainClasses,
      choose: fixed('train'),
      split: 'train',
      unmapped: UNMAPPED,
    });
  if (valDir !== undefined && !valIsFlat) {
    const unmapped = trainClasses.length > 0 ? 'class folder not present in train/ (skipped)' : UNMAPPED;
    trees.push({ dir: [valDir], folders: valClasses, choose: fixed('val'), split: 'val', unmapped });
  }
  const body = await indexClassTrees(ctx, trees, trainClasses.length > 0 ? trainClasses : valClasses);
  if (!valIsFlat) return body;
  ctx.progress.classesTotal++;
  if (!ctx.isDone(valDir!)) {
    ctx.beginUnit();
    await indexFlatVal(ctx, [valDir!], rootFiles, flatValResolver(ctx, body));
    await ctx.endUnit({ path: valDir!, kind: 'flatval', choose: 'val' });
  }
  ctx.progress.classesDone++;
  return { ...body, layout: 'flatval' };
}

const UNMAPPED = 'folder is not one of the classes (skipped)';

interface Tree {
  dir: string[];
  folders: string[];
  choose: SplitChooser;
  split: Split | 'hash';
  /** Why a folder of this tree that has no class index is skipped. */
  unmapped: string;
}

/** Walks class folders of one or more trees (train/, val/) mapped through one class mapping. */
async function indexClassTrees(ctx: IndexContext, trees: Tree[], classFolders: string[]): Promise<Body> {
  const mapping = mapClasses(ctx, classFolders);
  ctx.progress.classesTotal = trees.reduce((n, t) => n + t.folders.length, 0);
  for (const tree of trees) {
    // Walk in class-index order so item order follows the label order.
    const ordered = tree.folders
      .slice()
      .sort((a, b) => (mapping.byFolder.get(a) ?? -1) - (mapping.byFolder.get(b) ?? -1));
    for (const folder of ordered) {
      const rel = [...tree.dir, folder];
      const path = rel.join('/');
      const cls = mapping.byFolder.get(folder);
      if (cls === undefined) {
        ctx.report.add(`${path}/`, tree.unmapped);
      } else if (!ctx.isDone(path)) {
        ctx.beginUnit();
        if ((await walkClassFolder(ctx, rel, cls, tree.choose)) === 0)
          ctx.report.add(`${path}/`, 'empty class folder (no usable images)');
        await ctx.endUnit({ path, kind: 'folder', classIndex: cls, choose: tree.split });
      }
      ctx.progress.classesDone++;
      ctx.emitProgress();
    }
  }
  return { layout: 'imagefolder', classes: mapping.classes, numClasses: mapping.numClasses };
}

function mapClasses(ctx: IndexContext, allFolders: readonly string[]): ClassMapping {
  let folders = allFolders.slice();
  const hint = ctx.source.hints?.classes;
  if (hint && hint.length > 0) {
    const classes = hint.map((c) => ({ ...c })).sort((a, b) => a.index - b.index);
    return {
      byFolder: new Map(classes.map((c) => [c.folder, c.index])),
      classes,
      numClasses: ctx.source.hints?.numClasses ?? classes[classes.length - 1].index + 1,
    };
  }
  const imagenet = ctx.opts.imagenetClasses as ClassInfo[] | undefined;
  // A stray non-wnid folder ("backup") among wnid folders must not silently renumber every class
  // to 0..n-1 (a 1000-way teacher's labels would land on wrong classes): drop it instead.
  const known = new Set(imagenet?.map((c) => c.wnid));
  const wnidFolders = folders.filter((f) => known.has(f));
  if (
    wnidFolders.length > 0 &&
    wnidFolders.length < folders.length &&
    wnidFolders.length * 2 >= folders.length
  ) {
    folders = wnidFolders;
  }
  const m = mapClassFolders(folders, imagenet);
  const wnids = m.kind === 'imagenet';
  const classes: DatasetClass[] = m.classes
    .map((c) => ({ index: c.index, name: c.name, folder: c.folder, ...(wnids ? { wnid: c.folder } : {}) }))
    .sort((a, b) => a.index - b.index);
  return {
    byFolder: new Map(classes.map((c) => [c.folder!, c.index])),
    classes,
    numClasses: wnids && imagenet ? imagenet.length : classes.length,
  };
}

function flatValResolver(ctx: IndexContext, body: Body): LabelResolver {
  const imagenet = ctx.opts.imagenetClasses;
  const byWnid = new Map<string, number>();
  for (const c of imagenet ?? []) byWnid.set(c.wnid, c.index);
  for (const c of body.classes) if (c.wnid) byWnid.set(c.wnid, c.index);
  const numClasses = body.classes.length > 0 ? body.numClasses : (imagenet?.length ?? 0);
  return (raw) => {
    if (typeof raw === 'string') {
      const i = byWnid.get(raw);
      return i === undefined ? { error: `label ${raw} is not a known wnid` } : i;
    }
    return raw < numClasses ? raw : { error: `label ${raw} is out of range 0..${numClasses - 1}` };
  };
}

async function indexWebDataset(ctx: IndexContext, shards: ShardRef[]): Promise<Body> {
  const imagenet = ctx.opts.imagenetClasses;
  const hints = ctx.source.hints;
  const known = ctx.opts.numClasses ?? hints?.numClasses ?? null;
  const wnidToIndex = imagenet ? new Map(imagenet.map((c) => [c.wnid, c.index])) : null;
  await indexShards(ctx, shards, { numClasses: known, wnidToIndex });
  const ids = [...ctx.classIds].sort((a, b) => a - b);
  const numClasses = known ?? (ids.length > 0 ? ids[ids.length - 1] + 1 : 0);
  let classes: DatasetClass[];
  if (hints?.classes && hints.classes.length > 0) classes = hints.classes.map((c) => ({ ...c }));
  else if (imagenet && numClasses === imagenet.length)
    classes = ids.map((i) => ({ index: i, name: imagenet[i].name, wnid: imagenet[i].wnid }));
  else classes = ids.map((i) => ({ index: i, name: String(i) }));
  return { layout: 'webdataset' as DatasetLayout, classes, numClasses };
}

const VAL_NAME = /(^|[-_.])(val|valid|validation|test|eval)([-_.\d]|$)/i;
const TRAIN_NAME = /(^|[-_.])train([-_.\d]|$)/i;

function topLevelShards(names: string[]): ShardRef[] {
  const named = names.some((n) => VAL_NAME.test(n) || TRAIN_NAME.test(n));
  return names.map((n) => ({ path: [n], split: named ? (VAL_NAME.test(n) ? 'val' : 'train') : 'hash' }));
}

function hashChooser(opts: IndexOptions): SplitChooser {
  return (rel) => (isValByHash(opts.splitSeed, rel, opts.valFraction) ? 'val' : 'train');
}

function fixed(split: Split): SplitChooser {
  return () => split;
}
