/**
 * Training on a label-time-mixed set (core/labelMix.ts): for each image of a step, the stored mixes of
 * its chosen crops, its partner image decoded and uploaded, and the partner's stored crop boxes read
 * from the partner's own record, so the session can replay each mix exactly (engine/mix.ts).
 */
import { itemId } from '../data/itemId';
import type { DecodeFit } from '../data/decodeFit';
import type { CropBox } from '../core/cropBox';
import type { CropMix } from '../core/labelMix';
import { bmpImageFile } from '../core/bmp';
import { decodeLabelRecord, recordCropBox, type LabelRecord } from '../core/labelRecord';
import type { ImageMix } from '../engine/mix';
import { uploadPadded, type PaddedImage } from '../engine/pixels';
import { getDatasetItemsAt, getLabelRecord, openStudioDb, type DatasetItem } from '../store';
import type { SampleMix } from './api';
import type { DatasetReader } from './datasets';
import { readImage } from './readImage';

/** A live view's SampleMix with the partner still as pixels: most steps are not shown. */
export type MixPixels = Omit<SampleMix, 'partnerBmp'> & { partnerRgba: Uint8ClampedArray };

/** The mix of a shown image as the live view gets it: the partner's pixels made a BMP file here. */
export function sampleMixFile({ partnerRgba, ...m }: MixPixels): SampleMix {
  return { ...m, partnerBmp: bmpImageFile(partnerRgba, m.partnerWidth, m.partnerHeight).bmp };
}

/** A loaded image's replayed mixes: what the step mixes with, and what the live view draws. */
export interface LoadedMix extends ImageMix {
  partner: PaddedImage;
  sample: MixPixels;
}

async function itemByIndex(reader: DatasetReader, index: number): Promise<DatasetItem | undefined> {
  return (await getDatasetItemsAt(await openStudioDb(), reader.dataset.id, 'train', [index]))[0];
}

/**
 * The partner of a record's chosen crops, or why the image cannot be replayed; undefined when none of
 * the chosen crops is mixed (an unmixed image trains as usual).
 */
export async function loadMix(
  record: LabelRecord,
  picked: number[],
  labelSetId: string,
  reader: DatasetReader,
  fit?: DecodeFit,
): Promise<LoadedMix | { error: string } | undefined> {
  if (!record.mix) return undefined;
  const crops: CropMix[] = picked.map((c) => record.mix!.crops[c]);
  const mixed = crops.filter((m) => m.kind !== 'none');
  if (mixed.length === 0) return undefined;
  const partnerIndex = mixed[0].partnerImage;
  if (mixed.some((m) => m.partnerImage !== partnerIndex))
    return { error: 'its crops mix with several partner images (this build replays one per image)' };
  const partnerItem = await itemByIndex(reader, partnerIndex);
  if (!partnerItem) return { error: `its mix partner (image ${partnerIndex}) is not a training image` };
  const [bytes, decoded] = await Promise.all([
    openStudioDb().then((db) => getLabelRecord(db, labelSetId, partnerIndex)),
    readImage(reader, partnerItem, fit),
  ]);
  if (!bytes) return { error: `its mix partner ${itemId(partnerItem)} has no label record` };
  if ('error' in decoded) return { error: `its mix partner ${itemId(partnerItem)}: ${decoded.error}` };
  const partnerRecord = decodeLabelRecord(bytes);
  const bad = crops.find((m) => m.kind !== 'none' && m.partnerCrop >= partnerRecord.numCrops);
  if (bad)
    return { error: `its mix names crop ${bad.partnerCrop} of a partner with ${partnerRecord.numCrops}` };
  // Unmixed crops keep a placeholder partner box; their weight is 1, so the partner pixel is unused.
  const partnerBoxes: CropBox[] = crops.map((m) =>
    recordCropBox(partnerRecord, m.kind === 'none' ? 0 : m.partnerCrop),
  );
  const partner = uploadPadded(decoded.pixels, decoded.width, decoded.height);
  return {
    partner,
    partnerBoxes,
    crops,
    size: record.mix.size,
    sample: {
      partnerPath: itemId(partnerItem),
      partnerRgba: decoded.pixels,
      partnerWidth: decoded.width,
      partnerHeight: decoded.height,
      partnerBoxes,
      crops,
      size: record.mix.size,
    },
  };
}
