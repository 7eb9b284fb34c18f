import { useEffect, useRef } from 'react';
import type { CropBox } from '../../core/cropBox';
import { describeCropMix, scaleMixBox, type CropMix } from '../../core/labelMix';
import { canvasFrames } from '../canvasFrames';

/** A crop's label-time mix as drawn: the partner image, the partner's crop, the stored mix. */
export interface CropMixView {
  partner: ImageRGBA;
  partnerPath: string;
  partnerBox: CropBox;
  mix: CropMix;
  /** Side of the crop the CutMix box is drawn on. */
  size: number;
}

export interface ImageRGBA {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

const BOX_COLORS = ['#f59e0b', '#10b981', '#3b82f6', '#ef4444', '#a855f7', '#ec4899', '#14b8a6', '#84cc16'];
export const boxColor = (i: number) => BOX_COLORS[i % BOX_COLORS.length];

/**
 * The live views' canvases stay in memory, not on the GPU: dozens of small canvases, each redrawn with
 * every live sample, each cost the compositor's commit a copy of its GPU resource (on the page's main
 * thread, 15-28 ms per frame in a view switch under load: bench:ui). Memory-backed, they are painted with
 * the page instead.
 */
const CANVAS_2D: CanvasRenderingContext2DSettings = { willReadFrequently: true };

interface PooledCanvas {
  canvas: OffscreenCanvas;
  ctx: OffscreenCanvasRenderingContext2D;
  owner: ImageRGBA | null;
}

/**
 * Each sample image is put on a canvas once, shared by the full view and every crop tile drawn from it
 * (copying the RGBA once instead of once per tile keeps a live update far below a frame on 500x375
 * images). The canvases are reused in turn rather than made per image: a new canvas and its context for
 * every image of every live sample were the page's largest native cost in the Pipeline view and garbage
 * for its collector. An image whose canvas has since been taken is simply put again. Sixteen covers a
 * live sample's images and their mix partners, and bounds what the pool keeps (16 photos' pixels).
 */
const POOL_SIZE = 16;
const pool: PooledCanvas[] = [];
let nextInPool = 0;
const pooled = new WeakMap<ImageRGBA, PooledCanvas>();

function toCanvas(img: ImageRGBA): OffscreenCanvas {
  const held = pooled.get(img);
  if (held?.owner === img) return held.canvas;
  let p = pool[nextInPool];
  if (!p) {
    const canvas = new OffscreenCanvas(1, 1);
    p = { canvas, ctx: canvas.getContext('2d', CANVAS_2D)!, owner: null };
    pool[nextInPool] = p;
  }
  nextInPool = (nextInPool + 1) % POOL_SIZE;
  if (p.canvas.width !== img.width || p.canvas.height !== img.height) {
    p.canvas.width = img.width;
    p.canvas.height = img.height;
  }
  p.ctx.putImageData(new ImageData(new Uint8ClampedArray(img.rgba), img.width, img.height), 0, 0);
  p.owner = img;
  pooled.set(img, p);
  return p.canvas;
}

/** The decoded image with its crop boxes drawn on top (flipped crops dashed). */
export function ImageWithBoxes({
  image,
  boxes,
  size = 224,
}: {
  image: ImageRGBA;
  boxes: CropBox[];
  size?: number;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const scale = size / Math.max(image.width, image.height);
  const width = Math.round(image.width * scale);
  const height = Math.round(image.height * scale);
  // Drawn a few canvases a frame (canvasFrames.ts); the canvas is resized in the same draw, so a new
  // image's shape never shows blank, and its CSS size follows at once, so the layout does not wait.
  useEffect(() => {
    const cv = ref.current;
    if (!cv) return;
    return canvasFrames.draw(cv, () => {
      if (cv.width !== width || cv.height !== height) {
        cv.width = width;
        cv.height = height;
      }
      const ctx = cv.getContext('2d', CANVAS_2D)!;
      ctx.clearRect(0, 0, width, height);
      ctx.imageSmoothingEnabled = image.width > 64;
      ctx.drawImage(toCanvas(image), 0, 0, width, height);
      boxes.forEach((b, i) => {
        ctx.strokeStyle = boxColor(i);
        ctx.lineWidth = 2;
        ctx.setLineDash(b.flip ? [4, 3] : []);
        ctx.strokeRect(b.left * width, b.top * height, b.width * width, b.height * height);
      });
    });
  }, [image, boxes, width, height]);
  return (
    <canvas
      ref={ref}
      data-testid="image-with-boxes"
      style={{ border: '1px solid var(--line)', width, height }}
    />
  );
}

/**
 * One crop as the student sees it: the box cut from the decoded image, resized, mirrored if its stored
 * flip bit is set. Drawn from the image on the CPU side, never read back from the GPU (docs/tfjs-notes.md).
 */
export function CropCanvas({
  image,
  box,
  size = 112,
  mix,
}: {
  image: ImageRGBA;
  box: CropBox;
  size?: number;
  /** Label-time mixing: the partner crop blended in (Mixup) or pasted in its box (CutMix). */
  mix?: CropMixView;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const cv = ref.current;
    if (!cv) return;
    // Drawn a few canvases a frame (canvasFrames.ts).
    return canvasFrames.draw(cv, () => {
      const ctx = cv.getContext('2d', CANVAS_2D)!;
      ctx.clearRect(0, 0, size, size);
      drawCrop(ctx, image, box, size);
      const m = mix?.mix;
      if (!mix || !m || m.kind === 'none') return;
      ctx.save();
      if (m.kind === 'mixup') ctx.globalAlpha = 1 - m.lambda;
      else {
        const b = scaleMixBox(m.box, mix.size, size);
        ctx.beginPath();
        ctx.rect(b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1);
        ctx.clip();
      }
      drawCrop(ctx, mix.partner, mix.partnerBox, size);
      ctx.restore();
    });
  }, [image, box, size, mix]);
  return (
    <canvas
      ref={ref}
      width={size}
      height={size}
      data-testid={mix && mix.mix.kind !== 'none' ? 'mixed-crop' : 'crop-canvas'}
    />
  );
}

/** The box cut from the image, resized to size x size, mirrored when its flip bit is set. */
function drawCrop(ctx: CanvasRenderingContext2D, image: ImageRGBA, box: CropBox, size: number): void {
  ctx.save();
  if (box.flip) {
    ctx.translate(size, 0);
    ctx.scale(-1, 1);
  }
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(
    toCanvas(image),
    box.left * image.width,
    box.top * image.height,
    box.width * image.width,
    box.height * image.height,
    0,
    0,
    size,
    size,
  );
  ctx.restore();
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
}: {
  image: ImageRGBA;
  box: CropBox;
  bars: { title: string; topK: { index: number; prob: number }[] }[];
  names: (i: number) => string;
  highlight?: number;
  mix?: CropMixView;
}) {
  const mixed = mix && mix.mix.kind !== 'none' ? mix : undefined;
  return (
    <div className="crop-card">
      <CropCanvas image={image} box={box} size={96} mix={mixed} />
      {mixed && (
        <div className="muted" style={{ fontSize: 11 }} data-testid="crop-mix" title={mixed.partnerPath}>
          <CropCanvas image={mixed.partner} box={mixed.partnerBox} size={32} /> {describeCropMix(mixed.mix)}{' '}
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
        partnerRgba: Uint8ClampedArray;
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
  const partner: ImageRGBA = { rgba: mix.partnerRgba, width: mix.partnerWidth, height: mix.partnerHeight };
  return (i) =>
    mix.crops[i] && {
      partner,
      partnerPath: mix.partnerPath,
      partnerBox: mix.partnerBoxes[i],
      mix: mix.crops[i],
      size: mix.size,
    };
}
