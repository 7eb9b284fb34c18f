/**
 * Presenter mode's Train view: the advanced form is hidden; one click trains one batch and shows it
 * (images, crop boxes, each crop's target, the student's top-k before and after that step).
 */
import { useState } from 'react';
import { listLabelSets } from '../../store';
import type { PresenterStep } from '../../workers/presenter';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../workers/trainConfig';
import { useClassNamer, useDatasets } from '../catalog';
import { CropCard, ImageWithBoxes } from '../components/CropViews';
import { ErrorBanner } from '../components/ErrorBanner';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';
import { guarded } from '../workers';

/** Few crops per batch, so every one of them fits on a projector. */
const PRESENTER_BATCH = 8;

export function PresenterPanel() {
  const studio = useStudio();
  const datasets = useDatasets();
  const dataset = datasets.find((d) => d.source === 'embedded') ?? datasets[0];
  const { data: sets } = useStoreQuery((db) => listLabelSets(db));
  const fkdSet = (sets ?? []).find((s) => s.datasetId === dataset?.id && s.status === 'done');
  const [method, setMethod] = useState<'fkd' | 'vanilla'>('fkd');
  const useFkd = method === 'fkd' && !!fkdSet;
  const [step, setStep] = useState<PresenterStep | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const names = useClassNamer(dataset);
  if (!dataset) return <p className="muted">Indexing the embedded datasets…</p>;
  const cfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    datasetId: dataset.id,
    method: useFkd ? 'fkd' : 'vanilla',
    labelSetId: useFkd ? fkdSet.id : undefined,
    cropsPerStep: PRESENTER_BATCH,
    scale: fkdSet?.settings.scale ?? DEFAULT_TRAIN_CONFIG.scale,
  };
  async function trainOne() {
    setBusy(true);
    setError(null);
    try {
      setStep(await guarded(studio.trainer, studio.trainer.api.presenterStep(cfg)));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }
  let at = 0;
  return (
    <section className="panel" data-testid="presenter-panel">
      <h2>One batch at a time</h2>
      <p className="muted">
        {dataset.name}, the mini ResNet, {PRESENTER_BATCH} crops per batch.{' '}
        {useFkd
          ? 'Targets are the stored soft labels of the teacher.'
          : fkdSet
            ? 'Targets are hard labels (vanilla).'
            : 'Targets are hard labels: FKD needs a finished soft-label set (Soft labels view).'}
      </p>
      <div className="row">
        <label className="field">
          Method
          <select
            aria-label="Presenter method"
            value={method}
            onChange={(e) => setMethod(e.target.value as 'fkd')}
          >
            <option value="fkd">FKD (stored soft labels)</option>
            <option value="vanilla">Vanilla (hard labels)</option>
          </select>
        </label>
        <button className="primary" disabled={busy} onClick={() => void trainOne()}>
          {busy ? 'Training…' : 'Train one batch'}
        </button>
        <button onClick={() => void studio.trainer.api.presenterReset().then(() => setStep(null))}>
          New student
        </button>
      </div>
      <ErrorBanner error={error} />
      {step && (
        <>
          <p data-testid="presenter-step">
            Step {step.after.step + 1} of {step.totalSteps} · loss {step.loss.toFixed(3)} ·{' '}
            {step.after.batchImages} images, {step.after.batchCrops} crops
          </p>
          <div className="live-batch">
            {step.after.images.map((im, j) => (
              <div className="live-image" key={`${step.after.step}:${j}`} data-testid="presenter-image">
                <div className="live-caption">
                  <ImageWithBoxes image={im} boxes={im.boxes} size={120} />
                  <div className="muted">
                    {im.path} · <strong>{names(im.classIndex)}</strong>
                  </div>
                </div>
                <div className="crop-strip">
                  {im.boxes.map((b, i) => {
                    const before = step.before[at++] ?? [];
                    return (
                      <CropCard
                        key={i}
                        image={im}
                        box={b}
                        names={names}
                        highlight={im.classIndex}
                        bars={[
                          { title: 'target', topK: im.targetTopK[i] ?? [] },
                          { title: 'student before', topK: before.slice(0, 3) },
                          { title: 'student after', topK: (im.studentTopK[i] ?? []).slice(0, 3) },
                        ]}
                      />
                    );
                  })}
                </div>
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
