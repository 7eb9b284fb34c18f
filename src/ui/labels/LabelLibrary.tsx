import { bundleFileName } from '../../core/labelBundle';
import { memo, useEffect, useMemo, useState } from 'react';
import type { GenerationSample, LabelStats } from '../../workers/api';
import { LabelStatsView } from './LabelExplorer';
import { deleteLabelSet, listLabelSets, openStudioDb, type LabelSet } from '../../store';
import { cancelGeneration, resumeGeneration } from '../actions';
import { useClassNamer, useDatasets } from '../catalog';
import { CropCard, ImageWithBoxes, mixViews } from '../components/CropViews';
import { JobProgressBar } from '../components/JobProgressBar';
import { formatBytes } from '../format';
import { jobStore, useJobs, type GenerationJobState } from '../jobStore';
import { heldElsewhere, ownerText, shownStatus } from '../jobLocks';
import { useStaggered } from '../stagger';
import { useOnScreen } from '../onScreen';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';
import { guarded } from '../workers';
import { ErrorBanner } from '../components/ErrorBanner';
import { FkdExportButtons, FkdImport, FkdProvenance, resumeFkdImport } from './FkdInterop';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function exportSet(studio: ReturnType<typeof useStudio>, set: LabelSet): Promise<void> {
  const blob = await guarded(studio.teacher, studio.teacher.api.exportLabelSet(set.id));
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = bundleFileName(set);
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Import a .fkdlabels bundle (docs/label-bundle.md) as a new label set of the chosen dataset. */
function ImportLabelSet() {
  const studio = useStudio();
  const datasets = useDatasets();
  const [datasetId, setDatasetId] = useState('');
  const [state, setState] = useState<{ busy?: boolean; message?: string; error?: string }>({});
  const target = datasetId || datasets[0]?.id || '';
  const onFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file || !target) return;
    setState({ busy: true });
    try {
      const r = await guarded(studio.teacher, studio.teacher.api.importLabelSet(file, target));
      const extra = r.warnings.length ? ` (${r.warnings.join('; ')})` : '';
      setState({ message: `Imported ${r.imported} label records from ${file.name}${extra}` });
    } catch (e) {
      setState({ error: `Import of ${file.name} failed: ${errorText(e)}` });
    } finally {
      input.value = '';
      jobStore.bumpStore();
    }
  };
  return (
    <div className="row" data-testid="label-import">
      <label>
        Import into{' '}
        <select value={target} onChange={(e) => setDatasetId(e.target.value)}>
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Import label set…{' '}
        <input
          type="file"
          accept=".fkdlabels"
          disabled={state.busy || !target}
          onChange={(e) => void onFile(e.currentTarget)}
        />
      </label>
      {state.busy && <span className="muted">importing…</span>}
      {state.message && (
        <span className="muted" role="status" data-testid="label-import-result">
          {state.message}
        </span>
      )}
      <ErrorBanner error={state.error} testId="label-import-error" />
    </div>
  );
}

/** Confidence/entropy over the crops labelled so far, refreshed every few seconds while the job runs. */
function useLiveStats(labelSetId: string, running: boolean): LabelStats | null {
  const studio = useStudio();
  const [stats, setStats] = useState<LabelStats | null>(null);
  useEffect(() => {
    const tick = () =>
      void studio.teacher.api.labelStats(labelSetId, 0, 20_000).then(setStats, () => undefined);
    if (!running) {
      // One last read when the job stops, so the histograms show the finished set.
      tick();
      return;
    }
    const t = setInterval(tick, 3000);
    return () => clearInterval(t);
  }, [labelSetId, running, studio]);
  return stats;
}

function LiveGeneration({ set }: { set: LabelSet }) {
  const job = useJobs((s) => s.generation[set.id]);
  const stats = useLiveStats(set.id, !!job?.running);
  const datasets = useDatasets();
  const names = useClassNamer(datasets.find((d) => d.id === set.datasetId));
  // Off screen (onScreen.ts) the sample view keeps its last sample and takes the latest when back.
  const [sampleRef, onScreen] = useOnScreen<HTMLDivElement>();
  const smp = useStaggered(job?.sample, 0, onScreen);
  if (!job) return null;
  return (
    <div data-testid="generation-live">
      <JobProgressBar
        progress={job.progress}
        testId="generation-progress"
        cropsPerItem={set.settings.numCrops}
      />
      <ErrorBanner error={job.error} />
      {job.skipped.length > 0 && (
        <details>
          <summary>{job.skipped.length} images skipped</summary>
          <ul>
            {job.skipped.slice(0, 50).map((s) => (
              <li key={s.path}>
                {s.path}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {stats && <LabelStatsView stats={stats} testId="live-label-stats" />}
      <div ref={sampleRef}>{smp && <LiveSampleView sample={smp} names={names} />}</div>
    </div>
  );
}

/** How many of a sample's crops the live view shows, each as a card with the teacher's top-k. */
const LIVE_CROPS = 6;

/**
 * The latest sample: the image with its boxes, then its first crops. Rendered again only when the
 * sample changes (every 0.7 s), not on each progress update; the crop cards take the new sample one
 * per frame after the image (stagger.ts), so no one frame lays out the whole strip while the jobs hold
 * the cores.
 */
const LiveSampleView = memo(function LiveSampleView({
  sample,
  names,
}: {
  sample: GenerationSample;
  names: (i: number) => string;
}) {
  const boxes = useMemo(() => sample.boxes.slice(0, 8), [sample]);
  return (
    <div className="row">
      <div>
        <ImageWithBoxes image={sample} boxes={boxes} size={160} />
        <div className="muted">
          {sample.path} · {names(sample.classIndex)}
        </div>
      </div>
      <div className="crop-strip">
        {Array.from({ length: Math.min(LIVE_CROPS, sample.boxes.length) }, (_, i) => (
          <LiveCrop key={i} sample={sample} index={i} names={names} delayFrames={i + 1} />
        ))}
      </div>
    </div>
  );
});

function LiveCrop({
  sample,
  index,
  names,
  delayFrames,
}: {
  sample: GenerationSample;
  index: number;
  names: (i: number) => string;
  delayFrames: number;
}) {
  const shown = useStaggered(sample, delayFrames);
  return <LiveCropTile sample={shown} index={index} names={names} />;
}

/** Each sample's mix views, made once for all its cards (the partner image is copied to a canvas once). */
const mixViewsOf = new WeakMap<GenerationSample, ReturnType<typeof mixViews>>();

function sampleMixViews(sample: GenerationSample): ReturnType<typeof mixViews> {
  let views = mixViewsOf.get(sample);
  if (!views) mixViewsOf.set(sample, (views = mixViews(sample.mix)));
  return views;
}

const LiveCropTile = memo(function LiveCropTile({
  sample,
  index,
  names,
}: {
  sample: GenerationSample;
  index: number;
  names: (i: number) => string;
}) {
  const b = sample.boxes[index];
  const mix = useMemo(() => sampleMixViews(sample)(index), [sample, index]);
  const bars = useMemo(
    () =>
      b
        ? [
            {
              title: `crop ${index + 1}${b.flip ? ' (flipped)' : ''}: teacher`,
              topK: sample.topK[index] ?? [],
            },
          ]
        : [],
    [b, index, sample],
  );
  if (!b) return null;
  return (
    <CropCard image={sample} box={b} bars={bars} names={names} highlight={sample.classIndex} mix={mix} />
  );
});

/** Whether two generation maps agree on what the table shows of them: progress is not shown here. */
function sameRows(a: Record<string, GenerationJobState>, b: Record<string, GenerationJobState>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((k) => b[k] && a[k].running === b[k].running && a[k].error === b[k].error)
  );
}

export function LabelLibrary() {
  const studio = useStudio();
  const datasets = useDatasets();
  const { data: sets, error } = useStoreQuery((db) => listLabelSets(db));
  const running = useJobs((s) => s.generation, sameRows);
  const held = useJobs((s) => s.heldJobs);
  const [exportError, setExportError] = useState<string>();
  return (
    <section className="panel">
      <h2>Label sets</h2>
      {error && <div className="banner error">{error}</div>}
      <ImportLabelSet />
      <FkdImport />
      <ErrorBanner error={exportError} />
      {sets && sets.length === 0 && <p className="muted">No soft labels yet: generate a set above.</p>}
      {sets && sets.length > 0 && (
        <table className="grid" data-testid="label-sets">
          <thead>
            <tr>
              <th>name</th>
              <th>dataset</th>
              <th>settings</th>
              <th className="num">images</th>
              <th className="num">bytes</th>
              <th className="num">B/crop</th>
              <th>status</th>
              <th>created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sets.map((s) => {
              const live = running[s.id]?.running;
              const other = live ? undefined : heldElsewhere(held, 'generate', s.id);
              const shown = shownStatus(s.status, live, other, held !== null);
              const crops = s.imagesDone * s.settings.numCrops;
              return (
                <tr key={s.id} data-testid="label-set-row" data-status={shown}>
                  <td>{s.name}</td>
                  <td>{datasets.find((d) => d.id === s.datasetId)?.name ?? s.datasetId}</td>
                  <td className="muted">
                    {s.settings.codec} k={s.settings.k} {s.settings.precision} T={s.settings.temperature}{' '}
                    scale [{s.settings.scale.join(', ')}] seed {s.settings.seed}
                    {s.settings.labelMix && s.settings.labelMix !== 'none' && (
                      <span data-testid="label-mix"> · {s.settings.labelMix} at label time</span>
                    )}
                    <FkdProvenance set={s} />
                  </td>
                  <td className="num" data-testid="images-done">
                    {s.imagesDone}/{s.imagesTotal}
                  </td>
                  <td className="num">{formatBytes(s.bytes)}</td>
                  <td className="num">{crops ? (s.bytes / crops).toFixed(1) : '–'}</td>
                  <td data-testid="label-set-status">
                    {other ? ownerText(other) : shown}
                    {/* This tab's last word on the job first: its stored error may not have fit (quota). */}
                    {!other && (running[s.id]?.error ?? s.error) && (
                      <div className="muted">{running[s.id]?.error ?? s.error}</div>
                    )}
                  </td>
                  <td className="muted">{new Date(s.createdAt).toLocaleString()}</td>
                  <td>
                    {live ? (
                      <button onClick={() => cancelGeneration(studio, s.id)}>Pause</button>
                    ) : (
                      s.status !== 'done' &&
                      !other && (
                        <button
                          onClick={() =>
                            s.provenance
                              ? void resumeFkdImport(studio, s).catch((e: unknown) =>
                                  setExportError(`Resume of "${s.name}" failed: ${errorText(e)}`),
                                )
                              : void resumeGeneration(studio, s.id, s.datasetId)
                          }
                        >
                          Resume
                        </button>
                      )
                    )}{' '}
                    {!live && s.status === 'done' && (
                      <button
                        onClick={() => {
                          setExportError(undefined);
                          exportSet(studio, s).catch((e: unknown) =>
                            setExportError(`Export of "${s.name}" failed: ${errorText(e)}`),
                          );
                        }}
                      >
                        Export
                      </button>
                    )}{' '}
                    {!live && s.status === 'done' && <FkdExportButtons set={s} />}{' '}
                    <button
                      disabled={live || !!other}
                      onClick={async () => {
                        if (!confirm(`Delete "${s.name}" and its ${s.imagesDone} records?`)) return;
                        await deleteLabelSet(await openStudioDb(), s.id);
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
      {sets
        ?.filter((s) => running[s.id])
        .map((s) => (
          <LiveGeneration key={s.id} set={s} />
        ))}
    </section>
  );
}
