import { useEffect, useRef } from 'react';
import type { CropBox } from '../../core/cropBox';

export interface ImageRGBA {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

const BOX_COLORS = ['#f59e0b', '#10b981', '#3b82f6', '#ef4444', '#a855f7', '#ec4899', '#14b8a6', '#84cc16'];
export const boxColor = (i: number) => BOX_COLORS[i % BOX_COLORS.length];

// One canvas per sample image, shared by the full view and every crop tile: copying the RGBA once
// instead of once per tile keeps each live update far below a frame on 500x375 images.
const canvases = new WeakMap<ImageRGBA, OffscreenCanvas>();

function toCanvas(img: ImageRGBA): OffscreenCanvas {
  let c = canvases.get(img);
  if (!c) {
    c = new OffscreenCanvas(img.width, img.height);
    c.getContext('2d')!.putImageData(
      new ImageData(new Uint8ClampedArray(img.rgba), img.width, img.height),
      0,
      0,
    );
    canvases.set(img, c);
  }
  return c;
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
  useEffect(() => {
    const cv = ref.current;
    if (!cv) return;
    const scale = size / Math.max(image.width, image.height);
    cv.width = Math.round(image.width * scale);
    cv.height = Math.round(image.height * scale);
    const ctx = cv.getContext('2d')!;
    ctx.imageSmoothingEnabled = image.width > 64;
    ctx.drawImage(toCanvas(image), 0, 0, cv.width, cv.height);
    boxes.forEach((b, i) => {
      ctx.strokeStyle = boxColor(i);
      ctx.lineWidth = 2;
      ctx.setLineDash(b.flip ? [4, 3] : []);
      ctx.strokeRect(b.left * cv.width, b.top * cv.height, b.width * cv.width, b.height * cv.height);
    });
  }, [image, boxes, size]);
  return <canvas ref={ref} data-testid="image-with-boxes" style={{ border: '1px solid var(--line)' }} />;
}

/**
 * One crop as the student sees it: the box cut from the decoded image, resized, mirrored if its stored
 * flip bit is set. Drawn from the image on the CPU side, never read back from the GPU (docs/tfjs-notes.md).
 */
export function CropCanvas({ image, box, size = 112 }: { image: ImageRGBA; box: CropBox; size?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const cv = ref.current;
    if (!cv) return;
    cv.width = size;
    cv.height = size;
    const ctx = cv.getContext('2d')!;
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
  }, [image, box, size]);
  return <canvas ref={ref} data-testid="crop-canvas" />;
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
  return (
    <div style={{ fontSize: 11 }}>
      <div className="muted">{title}</div>
      {topK.map((t) => (
        <div key={t.index} title={`${names(t.index)}: ${(100 * t.prob).toFixed(1)}%`}>
          <div style={{ display: 'flex', justifyContent: 'space-between', gap: 4 }}>
            <span
              style={{
                fontWeight: t.index === highlight ? 700 : 400,
                overflow: 'hidden',
                whiteSpace: 'nowrap',
                textOverflow: 'ellipsis',
              }}
            >
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
}: {
  image: ImageRGBA;
  box: CropBox;
  bars: { title: string; topK: { index: number; prob: number }[] }[];
  names: (i: number) => string;
  highlight?: number;
}) {
  return (
    <div className="crop-card">
      <CropCanvas image={image} box={box} size={96} />
      {bars.map((b) => (
        <TopKBars key={b.title} title={b.title} topK={b.topK} names={names} highlight={highlight} />
      ))}
    </div>
  );
}
