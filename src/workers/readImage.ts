import { itemId } from '../data/itemId';
import type { DecodedPixels, DecodeFailure } from '../data/decode';
import type { DecodeFit } from '../data/decodeFit';
import type { ImageInput } from '../data/imageInput';
import { decodeOffThread } from '../data/decodePool';
import { diskChange } from '../data/reopenCheck';
import { SourceNotFoundError } from '../data/source';
import type { DatasetItem } from '../store';
import type { DatasetReader } from './datasets';
import { PackMissingError } from './packFiles';

/** Turns an image file (its bytes, or a folder's File) into pixels; tests swap in a Node-side fake. */
export type DecodeFn = (
  input: ImageInput,
  opts: { name: string; fit?: DecodeFit },
) => Promise<DecodedPixels | DecodeFailure>;

/** Where image bytes come from (a DatasetReader); `rootError` tells a missing file from a gone folder. */
export type ImageBytes = Pick<DatasetReader, 'read'> & Partial<Pick<DatasetReader, 'rootError'>>;

/** The dataset's folder itself is gone or unreadable: the job pauses rather than skip every image. */
export class FolderUnreachableError extends Error {
  constructor(name: string, cause?: unknown) {
    super(
      `the folder "${name}" cannot be read any more (moved, deleted or access revoked): put it back or grant access again, then resume`,
      { cause },
    );
    this.name = 'FolderUnreachableError';
  }
}

/**
 * Reads and decodes one dataset image (by default in the decode pool, off the model's thread), no
 * larger than `fit` needs. A file that vanished since indexing becomes a skip reason like a corrupt one
 * (the job goes on); a lost permission or a gone folder still throws, so the job pauses.
 */
export async function readImage(
  reader: ImageBytes,
  item: DatasetItem,
  fit?: DecodeFit,
  decode: DecodeFn = decodeOffThread,
): Promise<DecodedPixels | DecodeFailure> {
  try {
    const input = await reader.read(item);
    // Re-open checks compare names and a sample; a file rewritten in place is caught here. By size
    // alone: a folder copied back or restored gets new dates for the same bytes, and skipping all of
    // it would lose the job; the next check for changes reports such date changes.
    const changed = diskChange(item, input, true);
    if (changed) return { error: changed };
    // Bytes are the decoder's from here (the decode pool may move their buffer to a decode worker).
    return await decode(input, { name: itemId(item), fit });
  } catch (e) {
    // An image the studio copy could not read when it was made: skipped like a missing file.
    if (e instanceof PackMissingError) return { error: e.message };
    if (!(e instanceof SourceNotFoundError)) throw e;
    const gone = await reader.rootError?.();
    if (gone) throw new FolderUnreachableError(gone.name, gone.cause);
    return { error: `file not found (moved or deleted since indexing): ${e.path}` };
  }
}
