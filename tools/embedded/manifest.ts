/**
 * Schema of public/datasets/index.json. It lives with the app (src/data/embeddedManifest.ts), which
 * reads it; the build script writes it through the same types.
 */
export type {
  ClassEntry,
  DatasetManifest,
  EmbeddedManifest as DatasetIndex,
  ImageEntry,
  ImageFolderManifest,
  ShardEntry,
  WebDatasetManifest,
} from '../../src/data/embeddedManifest';
