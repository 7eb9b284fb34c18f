import { getRun } from '../../store';
import { JobProgressBar } from '../components/JobProgressBar';
import { formatBytes, formatDuration, pct } from '../format';
import { useJobs } from '../jobStore';
import { pauseTraining } from '../actions';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';
import { Curves } from './Curves';
import { ErrorBanner } from '../components/ErrorBanner';

/** A run from a pretrained student: its val top-1 before fine-tuning beside the latest one. */
export function BeforeAfter({ before, after }: { before: { top1: number; images: number }; after?: number }) {
  const delta = after === undefined ? null : 100 * (after - before.top1);
  return (
    <p data-testid="before-after" data-before={before.top1} data-after={after ?? ''}>
      pretrained student before fine-tuning: val top-1{' '}
      <strong data-testid="before-top1">{pct(before.top1)}</strong>
      {after !== undefined && (
        <>
          {' '}
          → after: <strong data-testid="after-top1">{pct(after)}</strong> ({delta! >= 0 ? '+' : ''}
          {delta!.toFixed(1)} points)
        </>
      )}{' '}
      ({before.images} images)
    </p>
  );
}

export function RunMonitor({ runId }: { runId: string }) {
  const studio = useStudio();
  const job = useJobs((s) => s.training[runId]);
  const { data: run } = useStoreQuery((db) => getRun(db, runId), [runId]);
  if (!job) return null;
  const m = job.metrics[job.metrics.length - 1];
  const lastEval = job.evals[job.evals.length - 1];
  return (
    <section
      className="panel"
      data-testid="run-monitor"
      data-run={runId}
      data-running={job.running ? 'yes' : 'no'}
    >
      <h2>
        {run?.name ?? runId} {job.running ? '' : `(${run?.status ?? 'stopped'})`}
      </h2>
      <JobProgressBar progress={job.progress} testId="train-progress" />
      <ErrorBanner error={job.error} />
      {m && (
        <p className="muted" data-testid="train-stats">
          step {m.step}/{m.totalSteps}
          {m.endStep !== undefined && m.endStep < m.totalSteps && ` (stops at ${m.endStep})`}
          {m.passEtaSec !== undefined && ` · pass ends in ${formatDuration(m.passEtaSec)}`}
          {m.runEtaSec !== undefined && ` · run ends in ${formatDuration(m.runEtaSec)}`} · epoch{' '}
          {m.epoch.toFixed(2)} · loss {m.loss.toFixed(4)} · lr {m.lr.toExponential(2)} ·{' '}
          {m.cropsPerSec.toFixed(1)} crops/s · {m.imagesPerSec.toFixed(1)} images decoded/s · backend{' '}
          {m.backend} · tensors {m.memory.numTensors} · {formatBytes(m.memory.numBytes)}
          {m.memory.numBytesInGPUAllocated !== undefined &&
            ` · GPU allocated ${formatBytes(m.memory.numBytesInGPUAllocated)}`}
          {m.skipped > 0 && ` · ${m.skipped} images skipped`}
        </p>
      )}
      {lastEval && (
        <p data-testid="last-eval">
          val top-1 <strong>{pct(lastEval.top1)}</strong> · top-5 {pct(lastEval.top5)} · loss{' '}
          {lastEval.loss.toFixed(3)} ({lastEval.images} images, epoch {lastEval.epoch})
        </p>
      )}
      {run?.before && <BeforeAfter before={run.before} after={lastEval?.top1 ?? run.lastEval?.top1} />}
      {run?.pretrainedMatch && (
        <details data-testid="pretrained-match">
          <summary>How the pretrained weights were loaded</summary>
          <ul>
            {run.pretrainedMatch.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
        </details>
      )}
      {job.running && <button onClick={() => pauseTraining(studio, runId)}>Pause (checkpoints first)</button>}
      <Curves job={job} />
    </section>
  );
}
