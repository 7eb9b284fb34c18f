import { useEffect, useState } from 'react';
import { requestPersistence, storageEstimate } from '../../store';
import { formatBytes } from '../format';

type Estimate = Awaited<ReturnType<typeof storageEstimate>>;

/** Shows navigator.storage.estimate() and asks for persistent storage, so labels are not evicted. */
export function StoragePanel() {
  const [est, setEst] = useState<Estimate | undefined>(undefined);
  const [asked, setAsked] = useState<boolean | null>(null);
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
        </p>
      )}
      <button onClick={() => void requestPersistence().then(setAsked)}>Ask for persistent storage</button>
      {asked === false && (
        <span className="muted"> The browser declined (it decides by site engagement).</span>
      )}
    </section>
  );
}
