import { readFileSync } from 'node:fs';
import type { ClassInfo } from '../../core/classes';
import { indexDataset, type IndexOptions } from '../indexer';
import type { DataSource } from '../source';
import type { DatasetIndex, DatasetItem } from '../types';

export async function runIndex(
  source: DataSource,
  extra: Partial<IndexOptions> = {},
): Promise<{ idx: DatasetIndex; items: DatasetItem[]; batches: DatasetItem[][] }> {
  const batches: DatasetItem[][] = [];
  const idx = await indexDataset(source, {
    splitSeed: 1,
    valFraction: 0.2,
    onItems: (b) => {
      batches.push(b);
    },
    ...extra,
  });
  return { idx, items: batches.flat(), batches };
}

export function imagenetClasses(): ClassInfo[] {
  return (
    JSON.parse(
      readFileSync(new URL('../../../public/imagenet-classes.json', import.meta.url), 'utf8'),
    ) as ClassInfo[]
  ).map((c) => ({
    index: c.index,
    wnid: c.wnid,
    name: c.name,
  }));
}

export const JPEG_BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
