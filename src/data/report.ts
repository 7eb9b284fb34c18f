/**
 * Per-file checks that need no image bytes (the indexer must not read pixels), and the capped
 * collector of skipped inputs. Content checks (corrupt data, wrong format, huge dimensions)
 * happen at decode time, see sniff.ts / decode.ts.
 */
import type { SkippedFile } from './types';

/** Extensions the browser can decode (torchvision also lists ppm/pgm/tif, which browsers can't). */
export const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'webp', 'bmp', 'gif', 'avif']);
const UNDECODABLE_IMAGES = new Set(['ppm', 'pgm', 'pbm', 'tif', 'tiff', 'heic', 'heif', 'jxl']);

export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024;

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Hidden/OS metadata: .DS_Store, ._x.jpg (AppleDouble forks named like images), Thumbs.db. */
export function isJunkName(name: string): boolean {
  return name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini' || name === '__MACOSX';
}

/** Why a listed file is not usable as an image, or null when it is. */
export function fileProblem(name: string, size: number | undefined, maxBytes: number): string | null {
  if (isJunkName(name)) return 'hidden or system file';
  const ext = extensionOf(name);
  if (!IMAGE_EXTENSIONS.has(ext)) {
    if (UNDECODABLE_IMAGES.has(ext)) return `.${ext} images cannot be decoded by the browser`;
    return ext ? `not an image (.${ext})` : 'not an image (no extension)';
  }
  if (size === undefined) return 'size unknown';
  if (size === 0) return 'empty file (0 bytes)';
  if (size > maxBytes) return `file is ${fmtBytes(size)}, over the ${fmtBytes(maxBytes)} limit`;
  return null;
}

function fmtBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${n} bytes`;
}

/** Keeps the first `cap` reports verbatim and counts the rest per reason (1.28 M .txt siblings). */
export class SkipReport {
  private readonly listed: SkippedFile[] = [];
  private readonly overflow = new Map<string, number>();
  private readonly restored = new Set<string>();
  total = 0;

  constructor(private readonly cap: number) {}

  add(path: string, reason: string): void {
    // A resumed walk meets its early reports (root files, unmapped folders) again: count them once.
    if (this.restored.delete(`${path}\u0000${reason}`)) return;
    this.total++;
    if (this.listed.length < this.cap) this.listed.push({ path, reason });
    else {
      // Reasons embed sizes etc., so bound the number of distinct overflow groups too.
      const key = this.overflow.has(reason) || this.overflow.size < 50 ? reason : 'other reasons';
      this.overflow.set(key, (this.overflow.get(key) ?? 0) + 1);
    }
  }

  /** Takes back a report saved with toList() (a resumed walk goes on adding to it). */
  restore(list: readonly SkippedFile[], total: number): void {
    for (const s of list) {
      const m = s.path === '…' ? /^(\d+) more: (.*)$/s.exec(s.reason) : null;
      if (m) this.overflow.set(m[2], (this.overflow.get(m[2]) ?? 0) + Number(m[1]));
      else if (this.listed.length < this.cap) {
        this.listed.push({ ...s });
        this.restored.add(`${s.path}\u0000${s.reason}`);
      }
    }
    this.total = total;
  }

  toList(): SkippedFile[] {
    const out = this.listed.slice();
    for (const [reason, n] of this.overflow) out.push({ path: '…', reason: `${n} more: ${reason}` });
    return out;
  }
}
