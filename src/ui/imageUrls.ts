import type { ImageFile } from '../core/bmp';
import type { CropBox } from '../core/cropBox';

export type { ImageFile };

/**
 * Blob URLs kept at once. A live sample shows a few images and their mix partners; the oldest URL is
 * revoked when a newer image needs one, so the page keeps at most this many images' files. An element
 * already showing a revoked URL keeps its decoded picture; one mounted later asks again and gets a new URL.
 */
const KEPT = 16;
const urls = new Map<Blob, string>();

/**
 * A URL for the image's BMP file (`core/bmp.ts`, made by the worker that decoded it), made once per file
 * and reused by its full view and every crop cut from it. Showing images from files instead of
 * canvases: components/CropViews.tsx.
 */
export function imageUrl(img: ImageFile): string {
  const held = urls.get(img.bmp);
  if (held) {
    // Most recently used last: the one to revoke next is the first.
    urls.delete(img.bmp);
    urls.set(img.bmp, held);
    return held;
  }
  const url = URL.createObjectURL(img.bmp);
  urls.set(img.bmp, url);
  for (const [old, oldUrl] of urls) {
    if (urls.size <= KEPT) break;
    urls.delete(old);
    URL.revokeObjectURL(oldUrl);
  }
  return url;
}

/**
 * CSS background size and position that put `box` (fractions of the image) on the whole element: the
 * image scaled by 1 / box side, shifted so the box's corner sits at the element's. In percent, so the
 * element may be any size. A background position p% aligns the image's p% point with the element's, an
 * offset of p * (element − image) = −left × image, hence p = left / (1 − width), and any p when the box
 * spans the image.
 */
export function cropBackground(box: CropBox): {
  backgroundSize: string;
  backgroundPosition: string;
} {
  const pos = (start: number, side: number) => (side >= 1 ? 0 : (100 * start) / (1 - side));
  return {
    backgroundSize: `${100 / box.width}% ${100 / box.height}%`,
    backgroundPosition: `${pos(box.left, box.width)}% ${pos(box.top, box.height)}%`,
  };
}
