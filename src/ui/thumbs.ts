import type { DatasetItem } from '../store';

/**
 * URL of an item's image for <img>: embedded datasets are served from public/; a user's files are only
 * readable in workers via their handle, so those return an empty string (no thumbnail).
 */
export function itemThumbUrl(datasetId: string, item: DatasetItem): string {
  if (!datasetId.startsWith('embedded:') || item.shard) return '';
  const id = datasetId.slice('embedded:'.length);
  return new URL(`datasets/${id}/${item.path}`, location.href).href;
}
