/**
 * Photo-like JPEGs for benches, drawn in the page: per image a seeded gradient, 40 shapes and noise over
 * everything (photos are not flat), encoded by Chromium at quality 0.9 (4:2:0), so decoders see real
 * JPEG sizes. They are left in the page as `window.__benchJpegs` for the bench's next evaluate.
 */
import type { Page } from 'playwright-core';

/** Where the drawn JPEGs wait in the page. */
export interface BenchJpegs {
  __benchJpegs: Blob[];
}

/** Draws `count` JPEGs of `width` x `height` (the same ones every run) and says how large they came out. */
export function drawPhotoJpegs(
  page: Page,
  count: number,
  width: number,
  height: number,
): Promise<{ count: number; meanBytes: number; minBytes: number; maxBytes: number }> {
  return page.evaluate(
    async ({ n, w, h }) => {
      // mulberry32: deterministic per image.
      const rand = (seed: number) => () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const canvas = new OffscreenCanvas(w, h);
      const ctx = canvas.getContext('2d')!;
      const blobs: Blob[] = [];
      for (let i = 0; i < n; i++) {
        const r = rand(1000 + i);
        const hue = () =>
          `hsl(${Math.floor(r() * 360)}, ${40 + Math.floor(r() * 50)}%, ${25 + Math.floor(r() * 50)}%)`;
        const g = ctx.createLinearGradient(r() * w, r() * h, r() * w, r() * h);
        g.addColorStop(0, hue());
        g.addColorStop(0.5, hue());
        g.addColorStop(1, hue());
        ctx.fillStyle = g;
        ctx.fillRect(0, 0, w, h);
        for (let s = 0; s < 40; s++) {
          ctx.fillStyle = hue();
          ctx.globalAlpha = 0.3 + 0.7 * r();
          ctx.beginPath();
          if (r() < 0.5) ctx.arc(r() * w, r() * h, 5 + r() * 80, 0, 2 * Math.PI);
          else ctx.rect(r() * w, r() * h, 10 + r() * 150, 10 + r() * 150);
          ctx.fill();
        }
        ctx.globalAlpha = 1;
        // Texture: seeded noise over everything (photos are not flat), amplitude chosen for ~ImageNet sizes.
        const img = ctx.getImageData(0, 0, w, h);
        const d = img.data;
        for (let p = 0; p < d.length; p += 4) {
          const v = (r() - 0.5) * 28;
          d[p] += v;
          d[p + 1] += v + (r() - 0.5) * 10;
          d[p + 2] += v;
        }
        ctx.putImageData(img, 0, 0);
        blobs.push(await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 }));
      }
      (window as unknown as BenchJpegs).__benchJpegs = blobs;
      const sizes = blobs.map((b) => b.size);
      return {
        count: blobs.length,
        meanBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length,
        minBytes: Math.min(...sizes),
        maxBytes: Math.max(...sizes),
      };
    },
    { n: count, w: width, h: height },
  );
}
