import { rgbaToBmp } from '../core/bmp';
import type { CropBox } from '../core/cropBox';

/** Decoded pixels as the live views get them from the workers. */
export interface ImageRGBA {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * Blob URLs kept at once. A live sample shows a few images and their mix partners; the oldest URL is
 * revoked when a newer image needs one, so the page keeps at most this many images' files. An element
 * already showing a revoked URL keeps its decoded picture; one mounted later asks again and gets a new URL.
 */
const KEPT = 16;
const urls = new Map<ImageRGBA, string>();

/**
 * A URL for the image as a BMP file (`core/bmp.ts`), made once per image and reused by its full view and
 * every crop cut from it. Showing images from files instead of canvases: components/CropViews.tsx.
 */
export function imageUrl(img: ImageRGBA): string {
  const held = urls.get(img);
  if (held) {
    // Most recently used last: the one to revoke next is the first.
    urls.delete(img);
    urls.set(img, held);
    return held;
  }
  const bmp = rgbaToBmp(img.rgba, img.width, img.height);
  const url = URL.createObjectURL(new Blob([bmp.buffer as ArrayBuffer], { type: 'image/bmp' }));
  urls.set(img, url);
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
