import { useEffect, useState } from 'react';
import { planPack, type PackPlan } from '../../core/pack';
import { storageEstimate, type Dataset } from '../../store';
import { formatBytes } from '../format';
import { heldElsewhere, ownerText } from '../jobLocks';
import { useJobs } from '../jobStore';
import { cancelPack, packDataset, removeCopy } from '../packActions';
import { useStudio } from '../studio';
import { JobProgressBar } from './JobProgressBar';
import { SkipTable } from './SkipTable';

/**
 * "Copy into studio storage" for one folder or shard dataset: the cost before it starts, progress
 * with ETA, cancel and resume, and "Remove copy". Embedded sets are served by the site and need none.
 */
export function PackPanel({ d, onError }: { d: Dataset; onError: (e: unknown) => void }) {
  const studio = useStudio();
  const progress = useJobs((s) => s.packing[d.id] ?? null);
  // Another tab copying this dataset: it is the one writer, this tab only shows so.
  const elsewhere = heldElsewhere(
    useJobs((s) => s.heldJobs),
    'pack',
    d.id,
  );
  const [plan, setPlan] = useState<PackPlan | null>(null);
  // The cost pages through the whole index: only measured once the panel is opened.
  const [opened, setOpened] = useState(false);
  const pack = d.pack;
  const running = progress !== null;

  useEffect(() => {
    if (!opened || pack?.state === 'complete' || d.indexing) return;
    let live = true;
    void Promise.all([studio.teacher.api.packCost(d.id), storageEstimate()])
      .then(([cost, est]) => live && setPlan(planPack(cost.imageBytes, cost.images, est ?? undefined)))
      .catch(onError);
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened, d.id, d.counts.train, d.counts.val, pack?.state]);

  if (d.source === 'embedded' || d.indexing) return null;
  const start = () => void packDataset(studio, d.id).catch(onError);
  const total = d.counts.train + d.counts.val;
  const done = pack ? pack.done.train + pack.done.val : 0;
  const complete = pack?.state === 'complete' && done === total;
  const changed = (d.lastCheck?.changed.count ?? 0) > 0;
  return (
    <details
      onToggle={(e) => setOpened(e.currentTarget.open)}
      data-testid="pack-panel"
      data-state={running ? 'running' : complete ? 'complete' : (pack?.state ?? 'none')}
    >
      <summary>
        studio copy:{' '}
        <span data-testid="pack-state">
          {running
            ? 'copying'
            : elsewhere
              ? ownerText(elsewhere)
              : complete && pack
                ? `complete (${formatBytes(pack.bytes)}, ${pack.packs} file${pack.packs === 1 ? '' : 's'})`
                : pack
                  ? `stopped at ${done.toLocaleString()} of ${total.toLocaleString()}`
                  : 'none'}
        </span>
      </summary>
      <p className="muted">
        Copies every image once into a few large files in this browser&apos;s storage. Jobs then read images
        from the copy, faster, and Chrome keeps no memory per JPEG read (reading a folder&apos;s files keeps
        about 1 KB per image until Chrome closes, about 1 GB per epoch at ImageNet size, and a shard&apos;s
        images at random about half that); training works without the folder&apos;s permission. From shards
        the copy streams each shard once. It doubles the disk use: the folder stays as it is.
      </p>
      {!complete && plan && (
        <p data-testid="pack-plan">
          Needs <strong>{formatBytes(plan.bytes)}</strong> for {plan.images.toLocaleString()} images
          {plan.free !== undefined && <> · {formatBytes(plan.free)} free in this browser&apos;s quota</>}
          {!plan.fits && (
            <strong role="alert"> · not enough space: the copy would stop when storage is full</strong>
          )}
        </p>
      )}
      {pack && pack.skippedTotal > 0 && (
        <details data-testid="pack-skipped">
          <summary>
            <span data-testid="pack-skipped-count">{pack.skippedTotal}</span> image(s) not copied (jobs skip
            them)
          </summary>
          <SkipTable rows={pack.skipped} rowTestId="pack-skip-row" />
        </details>
      )}
      {pack?.error && !running && (
        <p className="muted" data-testid="pack-error">
          {pack.error}
        </p>
      )}
      {complete && changed && (
        <p className="muted" data-testid="pack-snapshot">
          Files changed since indexing: the copy still holds the images as they were when copied (labels were
          made from those bytes). Remove the copy and copy again to take the changes in.
        </p>
      )}
      <JobProgressBar progress={progress} testId="pack-progress" />
      <div className="row">
        {running ? (
          <button data-testid="pack-cancel" onClick={() => cancelPack(studio, d.id)}>
            Cancel copy
          </button>
        ) : elsewhere ? null : !complete ? (
          <button className="primary" onClick={start}>
            {pack ? 'Resume copy' : 'Copy into studio storage'}
          </button>
        ) : null}
        {pack && !running && !elsewhere && (
          <button onClick={() => void removeCopy(studio, d.id).catch(onError)}>Remove copy</button>
        )}
      </div>
    </details>
  );
}
