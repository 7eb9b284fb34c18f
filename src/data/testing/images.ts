/** Real image files made with ImageMagick (`convert`) into a temp dir, plus hand-built headers. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeImages(specs: Record<string, string[]>): Record<string, Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'fkd-sniff-'));
  const out: Record<string, Uint8Array> = {};
  for (const [name, args] of Object.entries(specs)) {
    const path = join(dir, name);
    execFileSync('convert', [...args, path]);
    out[name] = new Uint8Array(readFileSync(path));
  }
  return out;
}

/** Inserts an EXIF APP1 segment holding only IFD0 Orientation=value right after SOI. */
export function withExifOrientation(jpeg: Uint8Array, value: number, littleEndian: boolean): Uint8Array {
  const tiff: number[] = littleEndian
    ? [0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, value, 0, 0, 0, 0, 0, 0, 0]
    : [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, value, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const len = payload.length + 2;
  const seg = [0xff, 0xe1, len >> 8, len & 0xff, ...payload];
  const out = new Uint8Array(jpeg.length + seg.length);
  out.set(jpeg.subarray(0, 2), 0);
  out.set(seg, 2);
  out.set(jpeg.subarray(2), 2 + seg.length);
  return out;
}

/** A PNG signature + IHDR declaring w x h (no image data): a "decompression bomb" header. */
export function pngHeader(w: number, h: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, w);
  new DataView(b.buffer).setUint32(20, h);
  b[24] = 8;
  b[25] = 2;
  return b;
}
