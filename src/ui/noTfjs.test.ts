/**
 * The UI thread never loads tfjs (workers own it; the main bundle stays ~0.9 MB instead of ~3.6 MB).
 * Walks the value imports (not `import type`) reachable from the UI entry and fails on any tfjs one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  const candidates = ['', '.ts', '.tsx', '/index.ts', '/index.tsx'].map((ext) => base + ext);
  return candidates.find((p) => /\.tsx?$/.test(p) && existsSync(p)) ?? null;
}

function tfjsImporters(entry: string): string[] {
  const seen = new Set<string>();
  const offenders: string[] = [];
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(IMPORT)) {
      const spec = m[1];
      // `new Worker(new URL(...))` targets are separate bundles and are not import statements.
      if (spec.startsWith('@tensorflow/')) offenders.push(`${file} imports ${spec}`);
      const next = resolveLocal(file, spec);
      if (next) stack.push(next);
    }
  }
  return offenders;
}

describe('UI bundle', () => {
  it('imports no tfjs from the main thread', () => {
    expect(tfjsImporters(resolve(__dirname, '../main.tsx'))).toEqual([]);
  });
});
