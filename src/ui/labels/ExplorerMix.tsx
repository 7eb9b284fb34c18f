import { useEffect, useState } from 'react';
import { decodeLabelRecord, recordCropBox, type LabelRecord } from '../../core/labelRecord';
import { getLabelRecord, openStudioDb } from '../../store';
import type { CropMixView, ImageFile } from '../components/CropViews';
import { useStudio } from '../studio';

/**
 * The label explorer's view of a label-time-mixed record: its partner image and the partner's record
 * (for the partner's stored boxes), so the chosen crop is drawn mixed as the teacher saw it.
 */
export function usePartnerMix(
  labelSetId: string,
  datasetId: string,
  record: LabelRecord | null,
  /** LabelExplorer's blobToImageFile (passed in: importing it here would make an import circle). */
  blobToImageFile: (blob: Blob) => Promise<ImageFile>,
): (crop: number) => CropMixView | undefined {
  const studio = useStudio();
  const partnerIndex = record?.mix?.crops.find((m) => m.kind !== 'none')?.partnerImage;
  const [partner, setPartner] = useState<{ index: number; image: ImageFile; record: LabelRecord } | null>(
    null,
  );
  useEffect(() => {
    if (partnerIndex === undefined) return;
    let live = true;
    void (async () => {
      const bytes = await getLabelRecord(await openStudioDb(), labelSetId, partnerIndex);
      const image = await blobToImageFile(
        await studio.teacher.api.imageBlob(datasetId, 'train', partnerIndex),
      );
      if (live && bytes) setPartner({ index: partnerIndex, image, record: decodeLabelRecord(bytes) });
    })();
    return () => {
      live = false;
    };
  }, [labelSetId, datasetId, partnerIndex, studio, blobToImageFile]);
  return (crop) => {
    const m = record?.mix?.crops[crop];
    if (!m || m.kind === 'none' || !partner || partner.index !== m.partnerImage) return undefined;
    if (m.partnerCrop >= partner.record.numCrops) return undefined;
    return {
      partner: partner.image,
      partnerPath: `image ${m.partnerImage}`,
      partnerBox: recordCropBox(partner.record, m.partnerCrop),
      mix: m,
      size: record!.mix!.size,
    };
  };
}
