/**
 * Form drafts that survive a view change and a reload ("nothing lost"): useState whose value is kept in
 * localStorage under `fkd.draft.<key>`. A stored value is only taken when it still fits the current
 * form (restoreDraft): an older build's draft, a hand-edited or corrupt entry falls back to the
 * defaults field by field instead of breaking the form.
 */
import { useCallback, useState } from 'react';

const PREFIX = 'fkd.draft.';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function sameKind(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b);
  return typeof a === typeof b && (a === null) === (b === null);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The stored draft as a value of the form's shape, else `initial`. Objects merge key by key: a stored
 * key whose default exists must hold the same kind of value (number, string, array...); keys the
 * defaults leave out (optional fields) are taken when they are JSON scalars or arrays. `accept`, when
 * given, decides for non-object values (e.g. a [min, max] pair or null).
 */
export function restoreDraft<T>(raw: string | null, initial: T, accept?: (v: unknown) => boolean): T {
  if (raw === null) return initial;
  let v: Json;
  try {
    v = JSON.parse(raw) as Json;
  } catch {
    return initial;
  }
  if (accept) return accept(v) ? (v as T) : initial;
  if (isPlainObject(initial)) {
    if (!isPlainObject(v)) return initial;
    const out: Record<string, unknown> = { ...initial };
    for (const [k, x] of Object.entries(v)) {
      const d = (initial as Record<string, unknown>)[k];
      if (d === undefined ? x !== null && !isPlainObject(x) : sameKind(d, x)) out[k] = x;
    }
    return out as T;
  }
  return sameKind(initial, v) ? (v as T) : initial;
}

/** The raw stored draft (JSON text) or null; for code that reads a draft outside its form (share links). */
export function readDraft(key: string): string | null {
  return read(key);
}

function read(key: string): string | null {
  try {
    return localStorage.getItem(PREFIX + key);
  } catch {
    return null; // storage disabled: the form still works, it just forgets
  }
}

/** Stores a draft as its form would (share links apply theirs before the forms mount). */
export function writeDraft(key: string, value: unknown): void {
  write(key, value);
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Quota or storage disabled: a draft is a convenience, never worth an error.
  }
}

/** useState kept in localStorage; the setter takes a value or an updater like React's. */
export function useDraft<T>(
  key: string,
  initial: T,
  accept?: (v: unknown) => boolean,
): [T, (next: T | ((prev: T) => T)) => void] {
  const [value, setValue] = useState<T>(() => restoreDraft(read(key), initial, accept));
  const set = useCallback(
    (next: T | ((prev: T) => T)) =>
      setValue((prev) => {
        const v = typeof next === 'function' ? (next as (p: T) => T)(prev) : next;
        write(key, v);
        return v;
      }),
    [key],
  );
  return [value, set];
}

/** A [min, max] pair of numbers, or null: the crop-scale overrides. */
export const isRangeOrNull = (v: unknown): boolean =>
  v === null ||
  (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)));
