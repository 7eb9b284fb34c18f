import * as Comlink from 'comlink';
import { useState } from 'react';
import { getDataset, listRuns, getDatasetItems, type DatasetItem } from '../../store';
import type { EvalResult } from '../../workers/evaluate';
import type { JobProgress } from '../../workers/api';
import { useClassNamer } from '../catalog';
import { JobProgressBar } from '../components/JobProgressBar';
import { pct } from '../format';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';
import { openStudioDb } from '../../store';
import { itemThumbUrl } from '../thumbs';
import { ErrorBanner } from '../components/ErrorBanner';
import { ConfusedPairs } from '../evaluate/ConfusedPairs';
import { DEMO_ACTION, EmptyState } from '../teaching/FirstRun';

export function EvaluateView() {
  const studio = useStudio();
  const { data: runs } = useStoreQuery((db) => listRuns(db));
  const [runId, setRunId] = useState('');
  // An evaluation run here, for the run it was run on; otherwise the run's stored latest one.
  const [fresh, setFresh] = useState<{ runId: string; result: EvalResult } | null>(null);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cell, setCell] = useState<{ key: string; items: DatasetItem[] } | null>(null);
  const run = runs?.find((r) => r.id === runId) ?? runs?.[0];
  const stored = run?.lastEval;
  const isFresh = fresh !== null && fresh.runId === run?.id;
  const result: EvalResult | null = isFresh ? fresh.result : (stored ?? null);
  const { data: dataset } = useStoreQuery(
    async (db) => (run ? getDataset(db, run.datasetId) : undefined),
    [run?.datasetId],
  );
  const names = useClassNamer(dataset);

  async function evaluate() {
    if (!run) return;
    setError(null);
    setFresh(null);
    setCell(null);
    try {
      setFresh({
        runId: run.id,
        result: await studio.trainer.api.evaluate(run.id, Comlink.proxy(setProgress)),
      });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setProgress(null);
    }
  }

  async function openCell(t: number, p: number) {
    if (!result || !run) return;
    const idx = result.cellItems[`${t},${p}`] ?? [];
    const db = await openStudioDb();
    const items = (
      await Promise.all(idx.map((i) => getDatasetItems(db, run.datasetId, 'val', i, i + 1)))
    ).flat();
    setCell({ key: `${names(t)} predicted as ${names(p)}`, items });
  }

  const classes = result?.perClass.map((c) => c.index) ?? [];
  return (
    <section className="panel">
      <h2>Evaluate</h2>
      <p className="muted">
        Val split, resize shorter side to S·256/224 then centre crop S, top-1/top-5 against the hard labels.
      </p>
      <div className="row">
        <label className="field">
          Run
          <select
            aria-label="Run to evaluate"
            value={run?.id ?? ''}
            onChange={(e) => {
              setRunId(e.target.value);
              setCell(null);
            }}
          >
            {(runs ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.status})
              </option>
            ))}
          </select>
        </label>
        <button className="primary" disabled={!run} onClick={() => void evaluate()}>
          Evaluate latest checkpoint
        </button>
      </div>
      {runs && runs.length === 0 && (
        <EmptyState testId="evaluate-empty" action={DEMO_ACTION}>
          Nothing to evaluate yet: evaluation measures a trained run&apos;s latest checkpoint on the val
          split, and there is no run. Train one first; the demo trains FKD and vanilla students on the
          embedded set.
        </EmptyState>
      )}
      {run && run.history.length === 0 && !result && (
        <p className="muted" data-testid="evaluate-untrained">
          {run.name} has not trained a step yet ({run.status}), so it has no checkpoint to evaluate: start it
          in Runs.
        </p>
      )}
      <JobProgressBar progress={progress} />
      <ErrorBanner error={error} />
      {result && (
        <>
          {!isFresh && stored && (
            <p className="muted" data-testid="eval-stored">
              {stored.epoch !== undefined
                ? `Evaluated after epoch ${stored.epoch} (step ${stored.step})`
                : `Evaluated at the checkpoint of step ${stored.step}`}{' '}
              on {new Date(stored.time).toLocaleString()}; <em>Evaluate latest checkpoint</em> runs it again.
            </p>
          )}
          <p data-testid="eval-result">
            top-1 <strong data-testid="eval-top1">{pct(result.top1)}</strong> · top-5 {pct(result.top5)} ·
            loss {result.loss.toFixed(3)} · {result.images} images
            {result.skipped.length > 0 && ` · ${result.skipped.length} skipped`}
          </p>
          <h3>Per class</h3>
          <table className="grid">
            <tbody>
              {result.perClass.map((c) => (
                <tr key={c.index}>
                  <td>{names(c.index)}</td>
                  <td className="num">{pct(c.total ? c.correct / c.total : undefined)}</td>
                  <td className="num muted">
                    {c.correct}/{c.total}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.confusion && (
            <>
              <h3>Confusion matrix (rows: true, columns: predicted; click a cell to see its images)</h3>
              <table className="grid" data-testid="confusion">
                <thead>
                  <tr>
                    <th />
                    {classes.map((c) => (
                      <th key={c} className="num" title={names(c)}>
                        {c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {classes.map((t) => (
                    <tr key={t}>
                      <th>{names(t)}</th>
                      {classes.map((p) => {
                        const n = result.confusion![t][p];
                        return (
                          <td
                            key={p}
                            className="num"
                            style={{
                              cursor: n ? 'pointer' : undefined,
                              // Capped so the dark count stays readable on the darkest cell (WCAG AA).
                              background: n ? `rgba(29,78,216,${Math.min(0.55, n / 60)})` : undefined,
                            }}
                            onClick={() => n && void openCell(t, p)}
                          >
                            {n || ''}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          <ConfusedPairs result={result} names={names} onOpen={(t, p) => void openCell(t, p)} />
          {cell && (
            <div>
              <h3>{cell.key}</h3>
              <div className="thumbs">
                {cell.items.map((it) => (
                  <img key={it.index} src={itemThumbUrl(run!.datasetId, it)} alt={it.path} title={it.path} />
                ))}
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
