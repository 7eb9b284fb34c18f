/**
 * The identity of a dataset item across the studio's reports and exports. A WebDataset key is unique
 * only within its shard (shards written with per-shard numbering all start at sample000000), so a
 * tar member is named by its shard and key; a file of a folder is named by its path.
 */
export function itemId(item: { path: string; shard?: string }): string {
  return item.shard ? `${item.shard}:${item.path}` : item.path;
}
