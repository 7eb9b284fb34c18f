import { useEffect, useState } from 'react';
import { listDatasets, requestPersistence, storageEstimate } from '../../store';
import { formatBytes } from '../format';
import { useStoreQuery } from '../useStore';

type Estimate = Awaited<ReturnType<typeof storageEstimate>>;

/** Shows navigator.storage.estimate() and asks for persistent storage, so labels are not evicted. */
export function StoragePanel() {
  const [est, setEst] = useState<Estimate | undefined>(undefined);
  const [asked, setAsked] = useState<boolean | null>(null);
  const { data: datasets } = useStoreQuery((db) => listDatasets(db));
  const packBytes = (datasets ?? []).reduce((a, d) => a + (d.pack?.bytes ?? 0), 0);
  useEffect(() => {
    void storageEstimate().then(setEst);
  }, [asked]);
  return (
    <section className="panel" data-testid="storage-panel">
      <h2>Storage</h2>
      {est === undefined ? (
        <p className="muted">Measuring…</p>
      ) : est === null ? (
        <p className="muted">This browser does not report storage use.</p>
      ) : (
        <p>
          Using <strong>{formatBytes(est.usage)}</strong> of {formatBytes(est.quota)} (
          {((100 * est.usage) / Math.max(1, est.quota)).toFixed(1)}%). Persistent:{' '}
          <strong data-testid="persisted">{est.persisted ? 'yes' : 'no'}</strong>
          {!est.persisted && ' (the browser may evict soft labels under storage pressure)'}
          {packBytes > 0 && (
            <>
              {' '}
              Of which studio copies of datasets:{' '}
              <strong data-testid="pack-bytes">{formatBytes(packBytes)}</strong>.
            </>
          )}
        </p>
      )}
      <button onClick={() => void requestPersistence().then(setAsked)}>Ask for persistent storage</button>
      {asked === false && (
        <span className="muted"> The browser declined (it decides by site engagement).</span>
      )}
    </section>
  );
}
