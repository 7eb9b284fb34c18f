/**
 * Teacher ensemble ids, without tfjs (the UI builds and reads them). An ensemble is named by its
 * members' ids, `ensemble:<id>|<id>...`, so a label set, a run or a bundle that records a teacher id
 * records the ensemble exactly, and reopening it loads the same members (models/ensemble.ts).
 */
export const ENSEMBLE_PREFIX = 'ensemble:';
const SEPARATOR = '|';

export function ensembleTeacherId(memberIds: string[]): string {
  if (memberIds.length < 2) throw new Error('an ensemble needs at least two teachers');
  for (const id of memberIds) {
    if (id.includes(SEPARATOR) || id.startsWith(ENSEMBLE_PREFIX))
      throw new Error(`teacher id "${id}" cannot be an ensemble member`);
  }
  if (new Set(memberIds).size !== memberIds.length) throw new Error('an ensemble lists each teacher once');
  return ENSEMBLE_PREFIX + memberIds.join(SEPARATOR);
}

/** The member ids of an ensemble id, or null for a single teacher's id. */
export function ensembleMemberIds(teacherId: string): string[] | null {
  if (!teacherId.startsWith(ENSEMBLE_PREFIX)) return null;
  const ids = teacherId.slice(ENSEMBLE_PREFIX.length).split(SEPARATOR);
  if (ids.length < 2 || ids.some((id) => id === ''))
    throw new Error(`malformed ensemble teacher id "${teacherId}"`);
  return ids;
}
