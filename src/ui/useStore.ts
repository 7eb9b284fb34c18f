import { startTransition, useEffect, useState } from 'react';
import { openStudioDb, type StudioDb } from '../store';
import { useJobs } from './jobStore';

/**
 * Reads IndexedDB and re-reads whenever a job reports it changed something (storeVersion), so lists
 * reflect what the workers wrote without polling.
 */
export function useStoreQuery<T>(
  query: (db: StudioDb) => Promise<T>,
  deps: unknown[] = [],
): { data: T | undefined; error?: string } {
  const version = useJobs((s) => s.storeVersion);
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    openStudioDb()
      .then(query)
      .then(
        // A transition: a running job bumps the version once a second, and a list re-rendered in one go
        // is a long task on the page's main thread; as a transition React yields every few ms.
        (d) =>
          live &&
          startTransition(() => {
            setData(d);
            setError(undefined);
          }),
        (e: unknown) => live && startTransition(() => setError(e instanceof Error ? e.message : String(e))),
      );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version, ...deps]);
  return { data, error };
}
