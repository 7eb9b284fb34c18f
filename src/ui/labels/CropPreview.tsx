import { useEffect, useMemo, useState } from 'react';
import { sampleCropBoxes, toPixelBox } from '../../core/cropBox';
import { Rng } from '../../core/rng';
import { ImageWithBoxes, type ImageFile } from '../components/CropViews';
import { EXPLORE_KEYS } from '../share';
import { useStudio } from '../studio';
import { useDraft } from '../useDraft';
import { blobToImageFile } from './LabelExplorer';

const isIndex = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * The RandomResizedCrop boxes and flips these settings will store for one image, before any label is
 * made: the same seed draws the same boxes (one stream per image, as generation forks it), which is
 * what makes a shared link reproduce a demo.
 */
export function CropPreview({
  datasetId,
  numImages,
  seed,
  numCrops,
  scale,
}: {
  datasetId: string;
  numImages: number;
  seed: number;
  numCrops: number;
  scale: [number, number];
}) {
  const studio = useStudio();
  const [index, setIndex] = useDraft<number>(EXPLORE_KEYS.image, 0, isIndex);
  const [image, setImage] = useState<{ key: string; file: ImageFile } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const imageIndex = Math.min(index, Math.max(0, numImages - 1));
  const key = `${datasetId}:${imageIndex}`;
  useEffect(() => {
    let live = true;
    if (!datasetId || numImages === 0) return;
    studio.teacher.api
      .imageBlob(datasetId, 'train', imageIndex)
      .then(blobToImageFile)
      .then(
        (file) => live && (setImage({ key: `${datasetId}:${imageIndex}`, file }), setError(null)),
        (e: unknown) => live && setError(`image ${imageIndex} could not be read: ${String(e)}`),
      );
    return () => {
      live = false;
    };
  }, [datasetId, imageIndex, numImages, studio]);
  const shown = image?.key === key ? image.file : null;
  const [lo, hi] = scale;
  // Drawn again only when what they depend on changes: the form re-renders with a running job's progress.
  const boxes = useMemo(
    () =>
      shown && numCrops >= 1 && lo > 0 && lo <= hi
        ? sampleCropBoxes(
            new Rng(seed).fork(imageIndex),
            shown.width,
            shown.height,
            Math.min(numCrops, 2000),
            {
              scale: [lo, hi],
              ratio: [3 / 4, 4 / 3],
            },
          )
        : [],
    [shown, numCrops, lo, hi, seed, imageIndex],
  );
  return (
    <div className="row crop-preview" data-testid="crop-preview">
      <div>
        <label className="field">
          Preview image #
          <input
            aria-label="Preview image"
            type="number"
            min={0}
            max={Math.max(0, numImages - 1)}
            value={imageIndex}
            onChange={(e) => setIndex(Math.max(0, Math.round(+e.target.value || 0)))}
          />
        </label>
        {shown ? (
          <ImageWithBoxes image={shown} boxes={boxes} size={200} />
        ) : (
          <p className="muted">Loading…</p>
        )}
        {error && <p className="banner error">{error}</p>}
      </div>
      <div style={{ maxWidth: 420 }}>
        <p className="muted">
          The crop boxes (dashed: mirrored) that seed {seed} draws for this image: generation stores exactly
          these, and the same link in another browser draws the same.
        </p>
        {shown && (
          <ol className="box-list" data-testid="preview-boxes" aria-label="Crop boxes as pixels">
            {boxes.slice(0, 16).map((b, i) => {
              const p = toPixelBox(b, shown.width, shown.height);
              return (
                <li key={i}>
                  x {p.left}, y {p.top}, {p.width}×{p.height} px{b.flip ? ', flipped' : ''}
                </li>
              );
            })}
            {boxes.length > 16 && <li>… {boxes.length - 16} more</li>}
          </ol>
        )}
      </div>
    </div>
  );
}
