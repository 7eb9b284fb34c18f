/** Public API of the data layer (decode.ts needs a browser at call time; importing it is safe). */
export * from './types';
export type { DataSource, SourceEntry, SourceKind, SourceClassHint } from './source';
export { SourceNotFoundError, joinPath, splitPath, listAll } from './source';
export { FsaSource, type DirHandleLike, type FileHandleLike } from './fsaSource';
export { FilesSource, filesSourceFromInput, type PathedFile } from './filesSource';
export { readDrop, sourceFromDrop, type DropResult } from './drop';
export {
  EmbeddedSource,
  ManifestError,
  embeddedSource,
  loadEmbeddedManifest,
  validateManifest,
} from './embedded';
export type {
  DatasetManifest,
  EmbeddedManifest,
  ImageEntry,
  ShardEntry,
  ClassEntry,
} from './embeddedManifest';
export { indexDataset, DatasetLayoutError, type IndexOptions, type IndexProgress } from './indexer';
export { openItem, readShardItems } from './openItem';
export { decodeImage, decodeBitmap, browserDecodeDeps, DEFAULT_MAX_PIXELS } from './decode';
export type { DecodeOptions, DecodedPixels, DecodedBitmap, DecodeFailure, DecodeDeps } from './decode';
export { sniffImage, neutralizeExifOrientation, type ImageSniff, type ImageFormat } from './sniff';
export { prefetch } from './prefetch';
export { ensurePermission, PermissionLostError, isPermissionError } from './permissions';
export { DEFAULT_MAX_IMAGE_BYTES } from './report';
