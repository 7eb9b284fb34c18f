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
