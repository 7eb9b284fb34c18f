import { useStudio, type WorkerStatus } from '../studio';
import { forcedBackendSource } from '../settings';

function Banner({ who, status }: { who: string; status: WorkerStatus }) {
  if (status.state === 'starting') {
    return (
      <div className="banner info" data-testid={`backend-${who}`}>
        {who} worker: choosing a backend (short timed probe)…
      </div>
    );
  }
  if (status.state === 'error') {
    return (
      <div className="banner error" role="alert" data-testid={`backend-${who}`}>
        {who} worker failed to start: {status.error}
      </div>
    );
  }
  const { report } = status;
  const degraded = report.refused.length > 0 || report.adapter?.isFallbackAdapter;
  return (
    <div
      className={`banner ${degraded ? '' : 'info'}`}
      data-testid={`backend-${who}`}
      data-backend={report.backend}
    >
      <strong>
        {who} worker: {report.backend}
      </strong>{' '}
      · {report.reason}
      {report.refused.length > 0 && (
        <details style={{ display: 'inline-block', marginLeft: 8 }}>
          <summary>why not the others</summary>
          <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
            {report.refused.map((r) => (
              <li key={r.backend}>
                not {r.backend}: {r.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** Which backend each worker got and why a better one was refused: a banner, not a console line. */
export function BackendBanners() {
  const { teacherStatus, trainerStatus, bootError } = useStudio();
  const source = forcedBackendSource();
  return (
    <div>
      {source !== 'auto' && (
        <div className="banner info">
          Backend forced from {source === 'url' ? 'the URL (?backend=)' : 'Settings'}.
        </div>
      )}
      {bootError && (
        <div className="banner error" role="alert">
          Start-up failed: {bootError}
        </div>
      )}
      <Banner who="teacher" status={teacherStatus} />
      <Banner who="trainer" status={trainerStatus} />
    </div>
  );
}
