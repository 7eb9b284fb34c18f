import type { CSSProperties } from 'react';
import type { CropBox } from '../../core/cropBox';
import { describeCropMix, type CropMix } from '../../core/labelMix';
import { cropBackground, imageUrl, type ImageFile } from '../imageUrls';

/** A crop's label-time mix as drawn: the partner image, the partner's crop, the stored mix. */
export interface CropMixView {
  partner: ImageFile;
  partnerPath: string;
  partnerBox: CropBox;
  mix: CropMix;
  /** Side of the crop the CutMix box is drawn on. */
  size: number;
}

export type { ImageFile };

const BOX_COLORS = ['#f59e0b', '#10b981', '#3b82f6', '#ef4444', '#a855f7', '#ec4899', '#14b8a6', '#84cc16'];
export const boxColor = (i: number) => BOX_COLORS[i % BOX_COLORS.length];

/**
 * Images are shown as BMP files (`imageUrl`), never on a canvas: each canvas a live view shows costs the
 * page's thread a canvas resource in the commit of every frame that draws it, about 1.5-2.5 ms for a new
 * one, and a view of twenty crops made 20-30 ms commits. An `<img>` or a CSS background is decoded and
 * drawn off the page's thread (docs/results.md, bench:ui). A crop is the image as a background scaled and
 * shifted so the box fills the element (`cropBackground`), mirrored by a CSS transform.
 */
export function ImageWithBoxes({
  image,
  boxes,
  size = 224,
}: {
  image: ImageFile;
  boxes: CropBox[];
  size?: number;
}) {
  const scale = size / Math.max(image.width, image.height);
  const width = Math.round(image.width * scale);
  const height = Math.round(image.height * scale);
  return (
    <div
      className="image-with-boxes"
      data-testid="image-with-boxes"
      style={{ width, height, border: '1px solid var(--line)' }}
    >
      <img
        src={imageUrl(image)}
        alt=""
        width={width}
        height={height}
        // Small images (28x28) shown large keep their pixels sharp, as the student sees them.
        style={{ imageRendering: image.width > 64 ? 'auto' : 'pixelated' }}
      />
      {boxes.map((b, i) => (
        <div
          key={i}
          className="crop-box"
          style={{
            left: `${100 * b.left}%`,
            top: `${100 * b.top}%`,
            width: `${100 * b.width}%`,
            height: `${100 * b.height}%`,
            borderColor: boxColor(i),
            borderStyle: b.flip ? 'dashed' : 'solid',
          }}
        />
      ))}
    </div>
  );
}

/** One layer of a crop: the image as a background that puts `box` on the whole element, mirrored if flipped. */
function CropLayer({ image, box }: { image: ImageFile; box: CropBox }) {
  return (
    <div
      className="crop-layer"
      style={{
        backgroundImage: `url(${imageUrl(image)})`,
        ...cropBackground(box),
        transform: box.flip ? 'scaleX(-1)' : undefined,
      }}
    />
  );
}

/**
 * One crop as the student sees it: the box cut from the decoded image, resized, mirrored if its stored
 * flip bit is set; shown from the image on the CPU side, never read back from the GPU
 * (docs/tfjs-notes.md).
 */
export function CropView({
  image,
  box,
  size = 128,
  mix,
}: {
  image: ImageFile;
  box: CropBox;
  /** Side in CSS pixels. */
  size?: number;
  /** Label-time mixing: the partner crop blended in (Mixup) or pasted in its box (CutMix). */
  mix?: CropMixView;
}) {
  const mixed = mix && mix.mix.kind !== 'none' ? mix : undefined;
  return (
    <div
      className="crop-view"
      data-testid={mixed ? 'mixed-crop' : 'crop-view'}
      style={{ width: size, height: size }}
    >
      <CropLayer image={image} box={box} />
      {mixed && (
        <div className="crop-partner" style={partnerLayer(mixed)}>
          <CropLayer image={mixed.partner} box={mixed.partnerBox} />
        </div>
      )}
    </div>
  );
}

/** How the partner crop lies over a mixed one: blended by 1 − λ (Mixup), or only inside its box (CutMix). */
function partnerLayer({ mix, size }: CropMixView): CSSProperties | undefined {
  if (mix.kind === 'mixup') return { opacity: 1 - mix.lambda };
  if (mix.kind !== 'cutmix') return undefined;
  // The box in percent of the crop's side, whatever size the crop is shown at (unrounded, where
  // scaleMixBox rounds to whole pixels).
  const pc = (v: number) => (100 * v) / size;
  const b = mix.box;
  return { clipPath: `inset(${pc(b.y1)}% ${100 - pc(b.x2)}% ${100 - pc(b.y2)}% ${pc(b.x1)}%)` };
}

export function TopKBars({
  title,
  topK,
  names,
  highlight,
}: {
  title: string;
  topK: { index: number; prob: number }[];
  names: (i: number) => string;
  highlight?: number;
}) {
  // Rows keyed by rank, not class: a new batch's bars update the same elements in place (text and a
  // width) instead of remounting rows whose class changed. Live views redraw these several times a
  // second beside running jobs, where a frame's style and layout time is what the page can spare.
  return (
    <div className="topk">
      <div className="muted">{title}</div>
      {topK.map((t, rank) => (
        <div key={rank} title={`${names(t.index)}: ${(100 * t.prob).toFixed(1)}%`}>
          <div className="topk-row">
            <span className={t.index === highlight ? 'topk-name topk-true' : 'topk-name'}>
              {names(t.index)}
            </span>
            <span>{(100 * t.prob).toFixed(1)}%</span>
          </div>
          <div className="bar" style={{ width: `${Math.max(1, 100 * t.prob)}%` }} />
        </div>
      ))}
    </div>
  );
}

/** One crop as fed to a model, with top-k bars under it (the teacher's; or the target's and the student's). */
export function CropCard({
  image,
  box,
  bars,
  names,
  highlight,
  mix,
  size = 128,
}: {
  image: ImageFile;
  box: CropBox;
  bars: { title: string; topK: { index: number; prob: number }[] }[];
  names: (i: number) => string;
  highlight?: number;
  mix?: CropMixView;
  /** The crop's side in CSS pixels. */
  size?: number;
}) {
  const mixed = mix && mix.mix.kind !== 'none' ? mix : undefined;
  return (
    <div className="crop-card">
      <CropView image={image} box={box} size={size} mix={mixed} />
      {mixed && (
        <div
          className="muted crop-mix"
          style={{ fontSize: 11 }}
          data-testid="crop-mix"
          title={mixed.partnerPath}
        >
          <CropView image={mixed.partner} box={mixed.partnerBox} size={32} /> {describeCropMix(mixed.mix)}{' '}
          (the label is the teacher&apos;s on this mixed crop)
        </div>
      )}
      {bars.map((b) => (
        <TopKBars key={b.title} title={b.title} topK={b.topK} names={names} highlight={highlight} />
      ))}
    </div>
  );
}

/** Crop i's mix view of a live sample, the partner image made once per sample (mixViews). */
export function mixViews(
  mix:
    | {
        partnerBmp: Blob;
        partnerWidth: number;
        partnerHeight: number;
        partnerPath: string;
        partnerBoxes: CropBox[];
        crops: CropMix[];
        size: number;
      }
    | undefined,
): (i: number) => CropMixView | undefined {
  if (!mix) return () => undefined;
  const partner: ImageFile = { bmp: mix.partnerBmp, width: mix.partnerWidth, height: mix.partnerHeight };
  return (i) =>
    mix.crops[i] && {
      partner,
      partnerPath: mix.partnerPath,
      partnerBox: mix.partnerBoxes[i],
      mix: mix.crops[i],
      size: mix.size,
    };
}
