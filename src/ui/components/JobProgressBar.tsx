import type { JobProgress } from '../../workers/api';
import { formatCount, formatDuration } from '../format';

/** `cropsPerItem`: when each item is an image of N crops, also show crops/s. */
export function JobProgressBar({
  progress,
  testId,
  cropsPerItem,
}: {
  progress: JobProgress | null;
  testId?: string;
  cropsPerItem?: number;
}) {
  if (!progress) return null;
  return (
    <div data-testid={testId} className="row" style={{ alignItems: 'center' }}>
      <progress max={Math.max(1, progress.total)} value={progress.done} />
      <span className="muted">
        {progress.phase}: {formatCount(progress.done)} / {formatCount(progress.total)}
        {progress.rate !== undefined && ` · ${progress.rate.toFixed(1)}/s`}
        {progress.rate !== undefined &&
          cropsPerItem &&
          ` · ${(progress.rate * cropsPerItem).toFixed(0)} crops/s`}
        {progress.etaSeconds !== undefined && ` · ETA ${formatDuration(progress.etaSeconds)}`}
        {progress.message && ` · ${progress.message}`}
      </span>
    </div>
  );
}
