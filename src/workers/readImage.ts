import { itemId } from '../data/itemId';
import type { DecodedPixels, DecodeFailure } from '../data/decode';
import type { DecodeFit } from '../data/decodeFit';
import { decodeOffThread } from '../data/decodePool';
import { SourceNotFoundError } from '../data/source';
import type { DatasetItem } from '../store';
import type { DatasetReader } from './datasets';

/**
 * Reads and decodes one dataset image (in the decode pool, off the model's thread), no larger than
 * `fit` needs. A file that vanished since indexing becomes a skip reason like a corrupt one (the run
 * goes on); a lost permission still throws, so the job pauses and asks for a click.
 */
export async function readImage(
  reader: DatasetReader,
  item: DatasetItem,
  fit?: DecodeFit,
): Promise<DecodedPixels | DecodeFailure> {
  try {
    return await decodeOffThread(await reader.blob(item), { name: itemId(item), fit });
  } catch (e) {
    if (e instanceof SourceNotFoundError)
      return { error: `file not found (moved or deleted since indexing): ${e.path}` };
    throw e;
  }
}
