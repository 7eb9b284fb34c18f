import type { JobProgress } from '../../workers/api';
import { formatDuration } from '../format';

export function JobProgressBar({ progress, testId }: { progress: JobProgress | null; testId?: string }) {
  if (!progress) return null;
  return (
    <div data-testid={testId} className="row" style={{ alignItems: 'center' }}>
      <progress max={Math.max(1, progress.total)} value={progress.done} />
      <span className="muted">
        {progress.phase}: {progress.done.toLocaleString()} / {progress.total.toLocaleString()}
        {progress.rate !== undefined && ` · ${progress.rate.toFixed(1)}/s`}
        {progress.etaSeconds !== undefined && ` · ETA ${formatDuration(progress.etaSeconds)}`}
        {progress.message && ` · ${progress.message}`}
      </span>
    </div>
  );
}
