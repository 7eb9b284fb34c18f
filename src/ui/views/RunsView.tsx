import { useMemo, useState } from 'react';
import { deleteRun, listRuns, openStudioDb, type Run } from '../../store';
import { regrantFolder, startTraining } from '../actions';
import { LineChart, seriesColor } from '../components/LineChart';
import { formatDuration, pct } from '../format';
import { compareRow, differingSettings, valAccuracy } from '../runs/compare';
import { jobStore, useJobs } from '../jobStore';
import { heldElsewhere, ownerText, shownStatus } from '../jobLocks';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';
import { downloadArtifacts, saveArtifactsToFolder } from '../download';
import { ErrorBanner } from '../components/ErrorBanner';
import { DEMO_ACTION, EmptyState } from '../teaching/FirstRun';

function Compare({ runs }: { runs: Run[] }) {
  // Val top-1 per epoch, one series per run, on a shared epoch axis.
  const { x, series } = useMemo(() => {
    const epochs = [
      ...new Set(runs.flatMap((r) => r.history.filter((h) => h.valTop1 !== undefined).map((h) => h.epoch))),
    ].sort((a, b) => a - b);
    return {
      x: epochs,
      series: runs.map((r, i) => {
        const byEpoch = new Map(
          r.history.filter((h) => h.valTop1 !== undefined).map((h) => [h.epoch, h.valTop1!]),
        );
        return { label: r.name, color: seriesColor(i), values: epochs.map((e) => byEpoch.get(e) ?? null) };
      }),
    };
  }, [runs]);
  if (runs.length === 0) return null;
  const rows = runs.map(compareRow);
  const differ = differingSettings(runs);
  return (
    <>
      <table className="grid" data-testid="compare-table">
        <thead>
          <tr>
            <th>run</th>
            <th>method</th>
            <th className="num">val top-1 (last / best)</th>
            <th className="num">val top-5</th>
            <th className="num">epochs</th>
            <th className="num">steps</th>
            <th className="num">crops/s (median)</th>
            <th className="num">training time</th>
            <th className="num">val top-1 before fine-tuning</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.id} data-testid="compare-row">
              <td style={{ color: seriesColor(i) }}>{r.name}</td>
              <td>{r.method}</td>
              <td className="num">
                {pct(r.lastTop1)} / {pct(r.bestTop1)}
              </td>
              <td className="num">{pct(r.lastTop5)}</td>
              <td className="num">{r.epochs?.toFixed(1) ?? '–'}</td>
              <td className="num">{r.steps ?? '–'}</td>
              <td className="num">{r.cropsPerSec?.toFixed(0) ?? '–'}</td>
              <td className="num">{formatDuration(r.trainSeconds)}</td>
              <td className="num" data-testid="compare-before">
                {r.beforeTop1 === undefined ? '–' : pct(r.beforeTop1)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted" data-testid="compare-differ">
        {differ.length === 0
          ? 'Same student, data, budget, optimiser and seed: only the method differs.'
          : `Settings that differ: ${differ.map((d) => `${d.key} (${d.values.join(' / ')})`).join('; ')}.`}
      </p>
      <LineChart
        title="val top-1 by epoch"
        x={x}
        xLabel="epoch"
        series={series}
        width={640}
        testId="compare-chart"
      />
    </>
  );
}

export function RunsView() {
  const studio = useStudio();
  const { data: runs } = useStoreQuery((db) => listRuns(db));
  const live = useJobs((s) => s.training);
  const held = useJobs((s) => s.heldJobs);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const chosen = (runs ?? []).filter((r) => selected.has(r.id));
  // The trainer worker trains one run at a time: two would share the device and halve each other's speed.
  const anyRunning = Object.values(live).some((t) => t.running);
  return (
    <section className="panel">
      <h2>Runs</h2>
      <ErrorBanner error={error} />
      {runs && runs.length === 0 && (
        <EmptyState testId="runs-empty" action={DEMO_ACTION}>
          No runs yet. A run is one student trained by one method; the demo trains FKD and vanilla side by
          side (same student, seed and budget) and compares them here.
        </EmptyState>
      )}
      {runs && runs.length > 0 && (
        <table className="grid" data-testid="runs">
          <thead>
            <tr>
              <th />
              <th>run</th>
              <th>method</th>
              <th>status</th>
              <th className="num">val top-1 (last / best)</th>
              <th className="num">history</th>
              <th>created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => {
              const running = live[r.id]?.running;
              const other = running ? undefined : heldElsewhere(held, 'train', r.id);
              const shown = shownStatus(r.status, running, other, held !== null);
              const val = valAccuracy(r.history);
              return (
                <tr key={r.id} data-testid="run-row" data-status={shown} data-method={r.method}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`compare ${r.name}`}
                      checked={selected.has(r.id)}
                      onChange={(e) => {
                        const s = new Set(selected);
                        if (e.target.checked) s.add(r.id);
                        else s.delete(r.id);
                        setSelected(s);
                      }}
                    />
                  </td>
                  <td>{r.name}</td>
                  <td>{r.method}</td>
                  <td data-testid="run-status">
                    {other ? ownerText(other) : shown}
                    {r.error && !other && <div className="muted">{r.error}</div>}
                    {r.imagesGone ? (
                      <div className="muted" data-testid="run-images-gone">
                        {r.imagesGone} image(s) gone from the folder left out
                      </div>
                    ) : null}
                  </td>
                  <td className="num">
                    {pct(val.lastTop1)} / {pct(val.bestTop1)}
                  </td>
                  <td className="num">{r.history.length}</td>
                  <td className="muted">{new Date(r.createdAt).toLocaleString()}</td>
                  <td>
                    {!running && !other && r.status !== 'done' && (
                      <button
                        disabled={anyRunning}
                        title={anyRunning ? 'another run is training; resume when it ends' : undefined}
                        onClick={() =>
                          void regrantFolder(r.datasetId).then(() => startTraining(studio, r.id))
                        }
                      >
                        Resume
                      </button>
                    )}{' '}
                    <button
                      disabled={r.history.length === 0}
                      title={r.history.length === 0 ? 'not trained yet: nothing to export' : undefined}
                      onClick={() =>
                        void studio.trainer.api
                          .exportStudent(r.id)
                          .then((a) => downloadArtifacts(a, r.name))
                          .catch((e: unknown) => setError(String(e)))
                      }
                    >
                      Export student
                    </button>{' '}
                    {'showDirectoryPicker' in window && (
                      <button
                        disabled={r.history.length === 0}
                        onClick={() =>
                          void studio.trainer.api
                            .exportStudent(r.id)
                            .then((a) => saveArtifactsToFolder(a, r.name))
                            .catch((e: unknown) => setError(String(e)))
                        }
                      >
                        Save to folder…
                      </button>
                    )}{' '}
                    <button
                      disabled={r.history.length === 0}
                      title="keep this student in the model library: Fast MEAL V2 can fine-tune it"
                      onClick={() =>
                        void studio.trainer.api
                          .saveStudentToLibrary(r.id)
                          .then(() => jobStore.bumpStore())
                          .catch((e: unknown) => setError(String(e)))
                      }
                    >
                      Add to model library
                    </button>{' '}
                    <button
                      disabled={running || !!other}
                      onClick={async () => {
                        if (!confirm(`Delete run "${r.name}" and its checkpoints?`)) return;
                        await deleteRun(await openStudioDb(), r.id);
                        jobStore.bumpStore();
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <h3>Compare</h3>
      {chosen.length === 0 ? (
        <p className="muted">Tick runs to compare them side by side.</p>
      ) : (
        <Compare runs={chosen} />
      )}
    </section>
  );
}
