/**
 * The embedded default datasets ship under public/datasets with a manifest, because a static server
 * cannot list folders. The UI reads it for the Data view; workers read the same manifest to stream images.
 */
export interface ManifestClass {
  index: number;
  folder: string;
  name: string;
  wnid?: string;
}

export interface ManifestItem {
  path: string;
  classIndex: number;
  width?: number;
  height?: number;
  bytes?: number;
}

export interface ManifestShard {
  path: string;
  bytes: number;
  samples: number;
}

export interface ManifestDataset {
  id: string;
  name: string;
  description?: string;
  layout: 'imagefolder' | 'webdataset';
  root: string;
  numClasses: number;
  imageSize?: number | [number, number];
  classes: ManifestClass[];
  splits?: { train: ManifestItem[]; val: ManifestItem[] };
  shards?: { train: ManifestShard[]; val: ManifestShard[] };
  license?: string;
  source?: string;
  defaultTeacher?: string;
}

export interface EmbeddedManifest {
  datasets: ManifestDataset[];
  /** Embedded teacher folders, best first (src/data/embeddedManifest.ts). */
  teachers?: string[];
}

let cached: Promise<EmbeddedManifest> | null = null;

export function loadManifest(): Promise<EmbeddedManifest> {
  cached ??= fetch(new URL('datasets/index.json', location.href)).then(async (r) => {
    if (!r.ok) throw new Error(`embedded dataset manifest missing (HTTP ${r.status})`);
    return (await r.json()) as EmbeddedManifest;
  });
  return cached;
}

export function itemUrl(ds: ManifestDataset, path: string): string {
  return new URL(`${ds.root.replace(/\/$/, '')}/${path}`, location.href).href;
}
