// Models (teachers and students), stored File System Access handles, and resumable job state:
// small keyed records with plain CRUD.
import type { StudioDb } from './db';
import { guard } from './errors';
import type { HandleRecord, JobRecord, ModelRecord } from './schema';

export function putModel(db: StudioDb, model: ModelRecord): Promise<void> {
  return guard('save model', async () => {
    await db.put('models', model);
  });
}

export function getModel(db: StudioDb, id: string): Promise<ModelRecord | undefined> {
  return guard('read model', () => db.get('models', id));
}

/** Models (of one kind if given), oldest first. */
export function listModels(db: StudioDb, kind?: ModelRecord['kind']): Promise<ModelRecord[]> {
  return guard('list models', async () =>
    (await db.getAll('models'))
      .filter((m) => kind === undefined || m.kind === kind)
      .sort((a, b) => a.createdAt - b.createdAt),
  );
}

/** A model's record without its weights: what lists and forms show. */
export type ModelSummary = Omit<ModelRecord, 'artifacts'>;

const summaries = new WeakMap<StudioDb, Map<string, ModelSummary>>();

/**
 * Models (of one kind if given), oldest first, without their weights. A record holds its weights
 * inline (a teacher's can be hundreds of MB, read on the calling thread), and a list on the main thread
 * is re-read at every store change: so each record is read once per connection (records are never
 * rewritten under their id) and later calls read the keys alone.
 */
export function listModelSummaries(db: StudioDb, kind?: ModelRecord['kind']): Promise<ModelSummary[]> {
  return guard('list models', async () => {
    let known = summaries.get(db);
    if (!known) summaries.set(db, (known = new Map()));
    const ids = await db.getAllKeys('models');
    const live = new Set(ids);
    for (const id of known.keys()) if (!live.has(id)) known.delete(id);
    for (const id of ids) {
      if (known.has(id)) continue;
      const rec = await db.get('models', id);
      if (!rec) continue;
      const { artifacts: _weights, ...summary } = rec;
      known.set(id, summary);
    }
    return [...known.values()]
      .filter((m) => kind === undefined || m.kind === kind)
      .sort((a, b) => a.createdAt - b.createdAt);
  });
}

export function deleteModel(db: StudioDb, id: string): Promise<void> {
  return guard('delete model', () => db.delete('models', id));
}

/** Stores a handle record; the browser structured-clones FileSystemHandle objects into IDB. */
export function putHandle(db: StudioDb, handle: HandleRecord): Promise<void> {
  return guard('save folder handle', async () => {
    await db.put('handles', handle);
  });
}

export function getHandle(db: StudioDb, id: string): Promise<HandleRecord | undefined> {
  return guard('read folder handle', () => db.get('handles', id));
}

export function listHandles(db: StudioDb): Promise<HandleRecord[]> {
  return guard('list folder handles', async () =>
    (await db.getAll('handles')).sort((a, b) => a.createdAt - b.createdAt),
  );
}

export function deleteHandle(db: StudioDb, id: string): Promise<void> {
  return guard('delete folder handle', () => db.delete('handles', id));
}

export function putJob(db: StudioDb, job: JobRecord): Promise<void> {
  return guard('save job state', async () => {
    await db.put('jobs', job);
  });
}

export function getJob(db: StudioDb, id: string): Promise<JobRecord | undefined> {
  return guard('read job state', () => db.get('jobs', id));
}

/** Jobs (of one kind if given), e.g. to offer "resume" after a reload. */
export function listJobs(db: StudioDb, kind?: JobRecord['kind']): Promise<JobRecord[]> {
  return guard('list jobs', async () =>
    (await db.getAll('jobs')).filter((j) => kind === undefined || j.kind === kind),
  );
}

export function deleteJob(db: StudioDb, id: string): Promise<void> {
  return guard('delete job state', () => db.delete('jobs', id));
}
