import { useJobs } from '../jobStore';
import { useStudio, type WorkerStatus } from '../studio';
import { forcedBackendSource } from '../settings';

function Banner({ who, status, note }: { who: string; status: WorkerStatus; note?: string }) {
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
      {note && <span data-testid={`backend-${who}-note`}> · {note}</span>}
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
  // The trainer re-selects per run (dense students train fastest on WASM without a GPU): say so.
  const liveBackend = useJobs((s) => {
    const running = Object.values(s.training).find((t) => t.running && t.metrics.length);
    return running?.metrics[running.metrics.length - 1].backend;
  });
  const trainerNote =
    liveBackend && trainerStatus.state === 'ready' && liveBackend !== trainerStatus.report.backend
      ? `the current run uses ${liveBackend} (re-measured for its student)`
      : undefined;
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
      <Banner who="trainer" status={trainerStatus} note={trainerNote} />
    </div>
  );
}
