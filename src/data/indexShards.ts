/**
 * WebDataset indexing: stream every shard once through readWebDataset, keep per sample only its
 * key, image extension/size and class, and drop the bytes at once. Class ids come from `.cls`
 * (ASCII integer, like webdataset's default decoder), else `.json` {label|cls} (an integer or an
 * ImageNet wnid), else `.txt` holding an integer.
 */
import { TarTruncatedError, parseCls, readWebDataset } from '../core/tar';
import { isValByHash } from './hash';
import type { IndexContext } from './indexContext';
import { PermissionLostError } from './permissions';
import { IMAGE_EXTENSIONS } from './report';
import { joinPath } from './source';
import type { Split } from './types';

/** Image members looked for in a sample, in preference order (like to_tuple("jpg;png;...")). */
const IMAGE_EXT_ORDER = ['jpg', 'jpeg', 'png', 'webp', 'bmp', 'gif', 'avif'];
/** Label records store class ids as Uint16. */
const MAX_CLASS_ID = 65535;

export interface ShardRef {
  path: string[];
  /** 'hash': samples split by hash(seed, key), for shards not named train/val. */
  split: Split | 'hash';
}

export interface ShardClassInfo {
  /** Known label-space width, or null to infer max id + 1. */
  numClasses: number | null;
  wnidToIndex: Map<string, number> | null;
}

/** Indexes all shards (one unit each); class ids seen go to ctx.classIds. */
export async function indexShards(
  ctx: IndexContext,
  shards: readonly ShardRef[],
  info: ShardClassInfo,
): Promise<void> {
  ctx.progress.classesTotal = shards.length;
  for (const shard of shards) {
    ctx.checkAbort();
    const path = joinPath(shard.path);
    if (!ctx.isDone(path)) {
      ctx.beginUnit();
      await indexShard(ctx, shard, info, ctx.classIds);
      await ctx.endUnit({ path, kind: 'shard', choose: shard.split });
    }
    ctx.progress.classesDone++;
    ctx.emitProgress();
  }
}

async function indexShard(
  ctx: IndexContext,
  shard: ShardRef,
  info: ShardClassInfo,
  seen: Set<number>,
): Promise<void> {
  const shardPath = joinPath(shard.path);
  // Keys are unique only within a shard (per-shard numbering is valid WebDataset): a sample is
  // (shard, key), so only a key repeated inside this shard is a duplicate.
  const keys = new Set<string>();
  const blob = await ctx.source.open(shard.path);
  // A shard is one file: its size and lastModified stand for all its samples.
  ctx.unit?.digest.add(shardPath, blob.size, (blob as Partial<File>).lastModified);
  let ordinal = 0;
  const onProblem = (p: { key?: string; path?: string; reason: string }): void => {
    ctx.report.add(`${shardPath}:${p.key ?? p.path ?? '?'}`, p.reason);
  };
  try {
    for await (const sample of readWebDataset(blob.stream(), onProblem)) {
      const offset = ordinal++;
      ctx.progress.filesSeen++;
      if (offset % 256 === 0) ctx.checkAbort();
      const where = `${shardPath}:${sample.key}`;
      const ext = IMAGE_EXT_ORDER.find((x) => sample.files.has(x));
      if (ext === undefined) {
        const exts = [...sample.files.keys()].join(', ') || 'none';
        const undecodable = [...sample.files.keys()].some(
          (x) => !IMAGE_EXTENSIONS.has(x) && /^(tif|tiff|ppm|pgm)$/.test(x),
        );
        ctx.report.add(
          where,
          undecodable
            ? `image format not decodable in the browser (${exts})`
            : `sample has no image (members: ${exts})`,
        );
        continue;
      }
      const size = sample.files.get(ext)!.length;
      if (size === 0) {
        ctx.report.add(where, `empty .${ext} member (0 bytes)`);
        continue;
      }
      if (size > ctx.maxBytes) {
        ctx.report.add(where, `.${ext} member is ${size} bytes, over the ${ctx.maxBytes}-byte limit`);
        continue;
      }
      const cls = classOf(sample.files, info);
      if (typeof cls !== 'number') {
        ctx.report.add(where, cls.error);
        continue;
      }
      if (keys.has(sample.key)) {
        ctx.report.add(where, 'duplicate sample key within the shard (first occurrence kept)');
        continue;
      }
      keys.add(sample.key);
      // The split hashes the key alone, so re-indexing keeps every earlier sample on its side.
      const split: Split =
        shard.split === 'hash'
          ? isValByHash(ctx.opts.splitSeed, sample.key, ctx.opts.valFraction)
            ? 'val'
            : 'train'
          : shard.split;
      seen.add(cls);
      await ctx.sink.push(split, {
        path: `${sample.key}.${ext}`,
        classIndex: cls,
        bytes: size,
        shard: shardPath,
        offset,
        ...sample.spans.get(ext),
      });
    }
  } catch (e) {
    if (e instanceof TarTruncatedError) {
      ctx.report.add(
        shardPath,
        `truncated tar: kept the ${ordinal} sample(s) read before the cut (${e.message})`,
      );
      return;
    }
    const name = (e as { name?: unknown } | null)?.name;
    if (e instanceof PermissionLostError || name === 'AbortError' || name === 'NotAllowedError') throw e;
    ctx.report.add(
      shardPath,
      `unreadable shard after ${ordinal} sample(s): ${(e as Error).message ?? String(e)}`,
    );
  }
}

function classOf(files: Map<string, Uint8Array>, info: ShardClassInfo): number | { error: string } {
  let id: number | string | null = null;
  let from: string;
  const cls = files.get('cls');
  if (cls !== undefined) {
    id = parseCls(cls);
    from = '.cls';
    if (id === null) return { error: `.cls is not an integer ("${preview(cls)}")` };
  } else if (files.has('json')) {
    from = '.json';
    try {
      const j = JSON.parse(new TextDecoder().decode(files.get('json'))) as Record<string, unknown> | null;
      const v = j?.label ?? j?.cls;
      if (typeof v === 'number' || typeof v === 'string') id = v;
    } catch {
      return { error: '.json is not valid JSON' };
    }
    if (id === null) return { error: 'sample has no class (.json without "label" or "cls")' };
  } else if (files.has('txt')) {
    from = '.txt';
    const t = new TextDecoder().decode(files.get('txt')).trim();
    if (!/^-?\d+$/.test(t))
      return { error: `sample has no class (.txt is "${t.slice(0, 30)}", not an integer)` };
    id = Number(t);
  } else {
    return { error: 'sample has no class (.cls, .json or .txt)' };
  }
  if (typeof id === 'string') {
    if (/^-?\d+$/.test(id.trim())) id = Number(id.trim());
    else {
      const mapped = info.wnidToIndex?.get(id);
      if (mapped === undefined) return { error: `class "${id}" in ${from} is not a known wnid or integer` };
      id = mapped;
    }
  }
  const limit = info.numClasses ?? MAX_CLASS_ID + 1;
  if (!Number.isInteger(id) || id < 0 || id >= limit) {
    return { error: `class id ${id} in ${from} is out of range 0..${limit - 1}` };
  }
  return id;
}

function preview(b: Uint8Array): string {
  return new TextDecoder().decode(b.subarray(0, 20)).replace(/\s+/g, ' ');
}
