/**
 * Folder walkers for the ImageFolder-style layouts. Each class folder is listed once, sorted, its
 * files emitted, and its listing dropped before any nested folder is visited, so at most one
 * directory listing is held at a time (plus the parent's list of subfolder *names*).
 *
 * Nested folders inside a class folder: their images ARE included under the same class, as
 * torchvision's ImageFolder does (it walks class folders recursively); each nested folder is
 * still reported so the user notices, e.g., a stray `cat/backup/` copy.
 */
import { compareCodePoints } from '../core/codePoints';
import {
  DEVKIT_GROUND_TRUTH,
  DEVKIT_UNSUPPORTED,
  GROUND_TRUTH_FILES,
  parseGroundTruth,
  stemOf,
  type RawLabel,
} from './groundTruth';
import type { IndexContext } from './indexContext';
import { fileProblem, isJunkName } from './report';
import { joinPath, listAll, type SourceEntry } from './source';
import type { Split } from './types';

/** Chooses the split of a file from its root-relative path. */
export type SplitChooser = (relPath: string) => Split;

export function byName(a: SourceEntry, b: SourceEntry): number {
  return compareCodePoints(a.name, b.name);
}

/** Walks one class folder (recursively); returns how many images it emitted. */
export async function walkClassFolder(
  ctx: IndexContext,
  dir: readonly string[],
  classIndex: number,
  choose: SplitChooser,
): Promise<number> {
  ctx.checkAbort();
  // The listing lives only inside emitFiles, so it is garbage before we descend.
  const { images, subdirs } = await emitFiles(ctx, dir, classIndex, choose);
  ctx.emitProgress();
  let total = images;
  for (const name of subdirs) {
    const sub = [...dir, name];
    const n = await walkClassFolder(ctx, sub, classIndex, choose);
    ctx.report.add(
      `${joinPath(sub)}/`,
      `nested folder inside class folder: its ${n} image(s) were included in the class (as torchvision ImageFolder does)`,
    );
    total += n;
  }
  return total;
}

async function emitFiles(
  ctx: IndexContext,
  dir: readonly string[],
  classIndex: number,
  choose: SplitChooser,
): Promise<{ images: number; subdirs: string[] }> {
  const entries = await listAll(ctx.source, dir);
  entries.sort(byName);
  const subdirs: string[] = [];
  let images = 0;
  for (const e of entries) {
    const rel = joinPath([...dir, e.name]);
    if (e.kind === 'directory') {
      if (isJunkName(e.name)) ctx.report.add(`${rel}/`, 'hidden or system folder');
      else subdirs.push(e.name);
      continue;
    }
    ctx.progress.filesSeen++;
    ctx.unit?.digest.add(rel, e.size, e.modified);
    const problem = e.error ?? fileProblem(e.name, e.size, ctx.maxBytes);
    if (problem !== null) {
      ctx.report.add(rel, problem);
      continue;
    }
    await ctx.sink.push(choose(rel), { path: rel, classIndex, bytes: e.size!, modified: e.modified });
    images++;
  }
  return { images, subdirs };
}

/** Maps a ground-truth label to a class index, or explains why it can't. */
export type LabelResolver = (raw: RawLabel) => number | { error: string };

/**
 * Indexes a flat val folder (`val/*.JPEG`) labelled by a ground-truth file found in `gtDirs`
 * (the root and val/ itself). Without a usable file, the whole folder is reported once rather
 * than 50 000 times.
 */
export async function indexFlatVal(
  ctx: IndexContext,
  valDir: readonly string[],
  rootFiles: readonly string[],
  resolve: LabelResolver,
): Promise<void> {
  ctx.checkAbort();
  const entries = await listAll(ctx.source, valDir);
  entries.sort(byName);
  const valFiles = new Set(entries.filter((e) => e.kind === 'file').map((e) => e.name));
  const gtNames = new Set<string>([...GROUND_TRUTH_FILES, DEVKIT_GROUND_TRUTH]);
  let gtPath: string[] | null = null;
  for (const name of GROUND_TRUTH_FILES) {
    if (gtPath) break;
    if (rootFiles.includes(name)) gtPath = [name];
    else if (valFiles.has(name)) gtPath = [...valDir, name];
  }
  const valRel = `${joinPath(valDir)}/`;
  let labels: Map<string, RawLabel> | null = null;
  if (gtPath) {
    const gt = parseGroundTruth(gtPath[gtPath.length - 1], await (await ctx.source.open(gtPath)).text());
    for (const p of gt.problems) ctx.report.add(joinPath(gtPath), p);
    labels = gt.labels;
  }
  const imageCount = entries.filter((e) => e.kind === 'file' && !gtNames.has(e.name)).length;
  if (!labels) {
    const why =
      rootFiles.includes(DEVKIT_GROUND_TRUTH) || valFiles.has(DEVKIT_GROUND_TRUTH)
        ? DEVKIT_UNSUPPORTED
        : `no ground-truth file found (looked for ${GROUND_TRUTH_FILES.join(', ')} in the root and ${valRel})`;
    ctx.report.add(valRel, `${imageCount} file(s) in a flat val folder without labels: ${why}`);
    ctx.progress.filesSeen += imageCount;
    return;
  }
  for (const e of entries) {
    const rel = joinPath([...valDir, e.name]);
    if (e.kind === 'directory') {
      ctx.report.add(`${rel}/`, 'folder inside a flat val folder (ignored)');
      continue;
    }
    if (gtNames.has(e.name)) continue;
    ctx.progress.filesSeen++;
    ctx.unit?.digest.add(rel, e.size, e.modified);
    const problem = e.error ?? fileProblem(e.name, e.size, ctx.maxBytes);
    if (problem !== null) {
      ctx.report.add(rel, problem);
      continue;
    }
    const raw = labels.get(stemOf(e.name));
    if (raw === undefined) {
      ctx.report.add(rel, 'no entry in the ground-truth file');
      continue;
    }
    const cls = resolve(raw);
    if (typeof cls !== 'number') {
      ctx.report.add(rel, cls.error);
      continue;
    }
    await ctx.sink.push('val', { path: rel, classIndex: cls, bytes: e.size!, modified: e.modified });
  }
  ctx.emitProgress();
}
