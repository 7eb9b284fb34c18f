/**
 * The compute-backend probe's winners, kept between page loads (engine/backend.ts ProbeMemory). Where
 * the GPU is a software one, every worker start would otherwise time each candidate again: seconds of
 * shader compiles before the studio answers. Kept in a database of its own, apart from the studio's
 * data: it holds nothing a user made, and forgetting it (Settings → Compute backend) only means the
 * next start times the candidates again.
 */
import { openDB, type IDBPDatabase } from 'idb';

const DB_NAME = 'fkd-backend-probe';
const STORE = 'winners';

let db: Promise<IDBPDatabase> | null = null;

function open(): Promise<IDBPDatabase> {
  db ??= openDB(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore(STORE);
    },
  }).catch((e: unknown) => {
    db = null;
    throw e;
  });
  return db;
}

/** The backend that won the probe under `key`, if one was kept. */
export async function getProbeWinner(key: string): Promise<string | undefined> {
  return (await (await open()).get(STORE, key)) as string | undefined;
}

export async function putProbeWinner(key: string, backend: string): Promise<void> {
  await (await open()).put(STORE, backend, key);
}

/** Forgets every kept winner: the workers' next start times the candidates again. */
export async function forgetProbeWinners(): Promise<void> {
  await (await open()).clear(STORE);
}
