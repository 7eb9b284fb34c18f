/**
 * Schema of public/datasets/index.json, the manifest of the embedded datasets (a static server
 * cannot list folders, so the app reads this file instead). Same schema as the producer side in
 * tools/embedded/manifest.ts (which may import it from here; its `DatasetIndex` is our
 * `EmbeddedManifest`, renamed to avoid clashing with the indexer's DatasetIndex).
 *
 * All paths inside a dataset are relative to its `root`; `root` is a URL path relative to the site
 * root (no leading slash), e.g. 'datasets/fashion-mnist'. So an image URL is `${root}/${path}`.
 */

export interface EmbeddedManifest {
  version: 1;
  datasets: DatasetManifest[];
  /**
   * Embedded teacher folders (site-relative, e.g. 'models/fashion-cnn-teacher'), best first: the
   * studio offers the first one that fits a dataset as its default. Datasets' `defaultTeacher`s are
   * listed too when this is missing (older manifests).
   */
  teachers?: string[];
}

export type DatasetManifest = ImageFolderManifest | WebDatasetManifest;

export interface ClassEntry {
  /** Class index used by labels and by the teacher's output (0-based). */
  index: number;
  /** Folder name in the ImageFolder layout. */
  folder: string;
  /** Human-readable name. */
  name: string;
  /** ImageNet wnid, for ImageNet-style datasets. */
  wnid?: string;
  /** Index of this class among the 1000 ImageNet-1k classes (public/imagenet-classes.json). */
  imagenetIndex?: number;
}

interface ManifestBase {
  id: string;
  name: string;
  description: string;
  /** URL path of the dataset folder relative to the site root, no leading/trailing slash. */
  root: string;
  numClasses: number;
  /** [height, width, channels] when all images share one size; null when sizes vary. */
  imageSize: [number, number, number] | null;
  channels: 'grey' | 'rgb';
  /** The classes, in class-index order (classes[i].index === i). */
  classes: ClassEntry[];
  /** Licence of the images (SPDX-like id or short text). */
  license: string;
  /** Where the images come from, and how the subset was drawn. */
  source: string;
  /** Optional path (relative to site root) of a teacher folder trained for this dataset. */
  defaultTeacher?: string;
}

export interface ImageEntry {
  /** Path relative to the dataset root, e.g. 'train/coat/000123.png'. */
  path: string;
  classIndex: number;
  width: number;
  height: number;
  bytes: number;
  /** Byte offset of this file inside the dataset's `pack`, when it has one. */
  offset?: number;
}

export interface ImageFolderManifest extends ManifestBase {
  layout: 'imagefolder';
  splits: { train: ImageEntry[]; val: ImageEntry[] };
  /**
   * Every file of `splits`, concatenated (train then val, manifest order) into one file beside them:
   * the studio fetches it once instead of one HTTP request per 500-byte image, which made a third of
   * soft-label generation time waiting on reads. The loose files stay for people to browse.
   */
  pack?: { path: string; bytes: number };
}

export interface ShardEntry {
  /** Path of the .tar relative to the dataset root. */
  path: string;
  bytes: number;
  samples: number;
  /** Sample keys in archive order; each key has members `${key}.cls` then `${key}.png`. */
  keys: string[];
}

export interface WebDatasetManifest extends ManifestBase {
  layout: 'webdataset';
  /** Member extensions per sample, in archive order. `.cls` holds the ASCII class index. */
  sampleExts: string[];
  shards: { train: ShardEntry[]; val: ShardEntry[] };
}
