/**
 * Messages of the FKD interop jobs (import of FKD's per-image torch.save label tree, export of a label
 * set to that tree): re-exported by api.ts. Handles travel by structured clone.
 */
import type { FkdLabelKind, FkdPrecision } from '../core/torchfile/fkdFile';

export type { FkdLabelKind, FkdPrecision };

export interface FkdImportSpec {
  datasetId: string;
  /** The label tree's root: it holds train/<class folder>/<stem>.tar, or <name>/train/... (Fast MEAL V2). */
  root: FileSystemDirectoryHandle;
  /** Files hold MR (marginal_renorm) labels: MS and MR share one shape, so the user says which. */
  renorm?: boolean;
  /** Continue a paused import into this set; images it already holds are not read again. */
  resumeLabelSetId?: string;
  /** Name of the new set; default "<root folder> (FKD import)". */
  name?: string;
}

export interface FkdFileProblem {
  path: string;
  reason: string;
}

export interface FkdImportResult {
  labelSetId: string;
  /** Records written by this run. */
  imported: number;
  /** Images the set already held (a resumed import). */
  alreadyDone: number;
  badFiles: FkdFileProblem[];
  badCount: number;
  /** Training images of the dataset with no label file. */
  imagesWithoutFile: number;
  imagesWithoutFileSample: string[];
  /** Label files whose class folder + stem matches no training image. */
  filesWithoutImage: number;
  filesWithoutImageSample: string[];
  /** Label files whose image a re-open check found gone from the dataset's folder: skipped. */
  filesForGoneImages: number;
  cancelled: boolean;
}

export interface FkdExportSpec {
  labelSetId: string;
  /** Write the tree into this folder (File System Access / OPFS); without it, build one .zip. */
  target?: FileSystemDirectoryHandle;
  /** float32 unless asked: FKD's trainer scatters labels into float32 (float16 fails there). */
  precision?: FkdPrecision;
}

export interface FkdExportResult {
  /** Label files written by this run. */
  written: number;
  /** Files already present in the target folder (a resumed export): left as they are. */
  skipped: number;
  labelType: string;
  /** The .zip (when no target folder was given). */
  zip?: Blob;
  cancelled: boolean;
  notes: string[];
}
