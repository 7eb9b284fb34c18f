/**
 * The FKD interop jobs as the teacher worker runs them: the label tree opened through the same FSA
 * source as datasets, image sizes from each image's header (a full decode only when the header has
 * none), the store opened here.
 */
import { imageInputBlob, imageInputSlice } from '../data/imageInput';
import { sniffImage } from '../data/sniff';
import { FsaSource, type DirHandleLike } from '../data/fsaSource';
import { openStudioDb, type DatasetItem } from '../store';
import type { ProgressFn } from './api';
import { DatasetReader } from './datasets';
import { runFkdExport } from './fkdExportJob';
import { runFkdImport } from './fkdImportJob';
import type { FkdExportResult, FkdExportSpec, FkdImportResult, FkdImportSpec } from './fkdInteropApi';

/** Bytes read for the header; JPEG's size can sit behind an EXIF thumbnail. */
const HEADER_BYTES = 1 << 16;

async function imageSizeOf(
  reader: DatasetReader,
  item: DatasetItem,
): Promise<{ width: number; height: number }> {
  if (item.width && item.height) return { width: item.width, height: item.height };
  const input = await reader.read(item);
  const head = sniffImage(await imageInputSlice(input, 0, HEADER_BYTES));
  if (head.width && head.height) return { width: head.width, height: head.height };
  // A Blob only for this rare full decode (a header without a size).
  const bmp = await createImageBitmap(imageInputBlob(input), { imageOrientation: 'none' });
  const size = { width: bmp.width, height: bmp.height };
  bmp.close();
  return size;
}

export async function importFkdTree(
  spec: FkdImportSpec,
  signal: AbortSignal,
  onProgress?: ProgressFn,
): Promise<FkdImportResult> {
  // Only for image files: runFkdImport reads the index itself.
  const reader = await DatasetReader.open(spec.datasetId, { splits: [] });
  const source = new FsaSource(spec.root as unknown as DirHandleLike, spec.root.name);
  return runFkdImport(
    spec,
    { db: await openStudioDb(), source, imageSize: (item) => imageSizeOf(reader, item) },
    signal,
    onProgress,
  );
}

export async function exportFkdTree(
  spec: FkdExportSpec,
  signal: AbortSignal,
  onProgress?: ProgressFn,
): Promise<FkdExportResult> {
  return runFkdExport(spec, await openStudioDb(), signal, onProgress);
}
