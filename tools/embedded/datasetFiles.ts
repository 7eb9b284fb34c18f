/** Paths and file helpers shared by the embedded-dataset builders (run from the repository root). */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const PUBLIC = 'public';
export const SHARED_DATA = '/work/shared/data';
export const PHOTOS = join(SHARED_DATA, 'photos');

export function write(path: string, bytes: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** Copies a file as a plain 0644 file (the shared sources are read-only). */
export function copyFile(from: string, to: string): void {
  write(to, readFileSync(from));
  chmodSync(to, 0o644);
}

export const pad6 = (i: number): string => String(i).padStart(6, '0');
