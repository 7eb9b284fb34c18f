import { useState } from 'react';
import { fidelityTable, specLabel, type FidelityPoint, type FidelitySample } from '../../core/fidelity';
import type { Codec, Precision } from '../../core/softLabel';
import { listLabelSets, listRuns, type LabelSet } from '../../store';
import { ErrorBanner } from '../components/ErrorBanner';
import { useJobs } from '../jobStore';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';
import { guarded } from '../workers';
import { accuracyPoints, codecSetFor, launchCodecRun, type CodecChoice } from './codecRuns';
import { FidelityChart, FidelityLegend, METRIC_LABEL, type ErrorMetric } from './FidelityChart';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** Called from click handlers only (module function: the React compiler's purity rule cannot tell). */
const timestamp = () => Date.now();

const key = (c: Pick<FidelityPoint, 'codec' | 'precision'>) => `${c.codec}/${c.precision}`;

/**
 * Storage vs fidelity: a sample of the chosen set's crops relabelled with the teacher's full softmax p,
 * then every codec × precision measured against it (bytes per crop, max |q − p|, mean KL), and short
 * student runs per codec so their accuracy shares the chart.
 */
export function FidelityExplorer() {
  const studio = useStudio();
  const { data: sets } = useStoreQuery((db) => listLabelSets(db));
  const { data: runs } = useStoreQuery((db) => listRuns(db));
  const [chosen, setChosen] = useState('');
  const [sample, setSample] = useState<{ setId: string; s: FidelitySample; points: FidelityPoint[] } | null>(
    null,
  );
  const [busy, setBusy] = useState(false);
  const [metric, setMetric] = useState<ErrorMetric>('maxAbsError');
  const [epochs, setEpochs] = useState(4);
  const [error, setError] = useState<string | null>(null);
  const [launched, setLaunched] = useState<string | null>(null);
  const anyRunning = useJobs((s) => Object.values(s.training).some((t) => t.running));
  const usable = (sets ?? []).filter((s) => s.status === 'done' && !s.settings.reuseBoxesFrom);
  const set: LabelSet | undefined = usable.find((s) => s.id === chosen) ?? usable[0];
  const k = set && set.settings.codec.endsWith('TopK') ? set.settings.k : 5;
  const points = sample && set && sample.setId === set.id ? sample.points : null;
  if (!set) {
    return (
      <section className="panel" data-testid="fidelity-empty">
        <h2>Storage vs fidelity</h2>
        <p className="muted">
          Needs one finished soft-label set: generate one above (or with <em>Generate soft labels now</em> in
          Train), then compare what every codec would have cost it.
        </p>
      </section>
    );
  }
  const bytesOf = (c: CodecChoice) =>
    points?.find((p) => p.codec === c.codec && p.precision === c.precision)?.bytesPerCrop;
  const accuracy = points ? accuracyPoints(set, sets ?? [], runs ?? [], bytesOf) : [];

  async function measure(target: LabelSet) {
    setError(null);
    setBusy(true);
    try {
      const s = await guarded(studio.teacher, studio.teacher.api.fidelitySample(target.id, 8, 256));
      setSample({ setId: target.id, s, points: fidelityTable(s, k) });
    } catch (e) {
      setError(`could not relabel a sample of ${target.name}: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  }

  async function train(p: FidelityPoint) {
    setError(null);
    try {
      const c = { codec: p.codec, k: p.k, precision: p.precision };
      await launchCodecRun(studio, set!, sets ?? [], c, epochs, timestamp());
      setLaunched(
        `${specLabel(c)}: a ${epochs}-epoch FKD run is queued (its progress is in Pipeline and Runs).`,
      );
    } catch (e) {
      setError(`could not start a run on ${specLabel(p)}: ${errorText(e)}`);
    }
  }

  return (
    <section className="panel" data-testid="fidelity-explorer">
      <h2>Storage vs fidelity</h2>
      <p className="muted">
        The teacher relabels a sample of this set&apos;s stored crops with its full softmax p; each codec then
        stores, and training recovers, a target q. Left and down is better: fewer bytes per crop, q closer to
        p.
      </p>
      <div className="row">
        <label className="field">
          Label set
          <select
            aria-label="Fidelity label set"
            value={set.id}
            onChange={(e) => (setChosen(e.target.value), setSample(null))}
          >
            {usable.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <button className="primary" disabled={busy} onClick={() => void measure(set)}>
          {busy ? 'Relabelling a sample…' : 'Compare every codec'}
        </button>
        <label className="field">
          Error measure
          <select
            aria-label="Error measure"
            value={metric}
            onChange={(e) => setMetric(e.target.value as ErrorMetric)}
          >
            {(Object.keys(METRIC_LABEL) as ErrorMetric[]).map((m) => (
              <option key={m} value={m}>
                {METRIC_LABEL[m]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Epochs per short run
          <input
            aria-label="Epochs per short run"
            type="number"
            min={1}
            max={100}
            value={epochs}
            onChange={(e) => setEpochs(Math.max(1, Math.round(+e.target.value || 1)))}
          />
        </label>
      </div>
      <ErrorBanner error={error} />
      {launched && (
        <p className="muted" role="status">
          {launched}
        </p>
      )}
      {points && sample && (
        <>
          <p className="muted" data-testid="fidelity-sample">
            {sample.s.probs.length / sample.s.numClasses} crops of {sample.s.images.length} images,{' '}
            {sample.s.numClasses} classes, top-k codecs at k = {k}.
          </p>
          <FidelityChart
            points={points}
            accuracy={accuracy}
            metric={metric}
            ownSpec={{ codec: set.settings.codec as Codec, precision: set.settings.precision as Precision }}
          />
          <FidelityLegend />
          <FidelityTable
            points={points}
            accuracy={(p) => accuracy.filter((a) => key(a) === key(p)).map((a) => a.top1)}
            hasSet={(p) => !!codecSetFor(set, sets ?? [], p)}
            canTrain={!anyRunning}
            onTrain={(p) => void train(p)}
          />
        </>
      )}
    </section>
  );
}

function FidelityTable({
  points,
  accuracy,
  hasSet,
  canTrain,
  onTrain,
}: {
  points: FidelityPoint[];
  accuracy: (p: FidelityPoint) => number[];
  hasSet: (p: FidelityPoint) => boolean;
  canTrain: boolean;
  onTrain: (p: FidelityPoint) => void;
}) {
  return (
    <table className="grid" data-testid="fidelity-table">
      <caption className="muted" style={{ textAlign: 'left' }}>
        Every codec × precision on the sampled crops (the chart&apos;s numbers)
      </caption>
      <thead>
        <tr>
          <th scope="col">codec</th>
          <th scope="col">precision</th>
          <th scope="col" className="num">
            bytes / crop
          </th>
          <th scope="col" className="num">
            max |q − p|
          </th>
          <th scope="col" className="num">
            mean KL
          </th>
          <th scope="col" className="num">
            student top-1
          </th>
          <th scope="col">short run</th>
        </tr>
      </thead>
      <tbody>
        {points.map((p) => {
          const acc = accuracy(p);
          return (
            <tr key={key(p)} data-testid="fidelity-row">
              <td>{specLabel(p).replace(` ${p.precision}`, '')}</td>
              <td>{p.precision}</td>
              <td className="num">{p.bytesPerCrop.toFixed(1)}</td>
              <td className="num">{p.maxAbsError.toExponential(2)}</td>
              <td className="num">{p.meanKl.toExponential(2)}</td>
              <td className="num">
                {acc.length ? acc.map((a) => `${(100 * a).toFixed(1)}%`).join(', ') : '–'}
              </td>
              <td>
                <button
                  disabled={!canTrain}
                  title={canTrain ? undefined : 'a run is training: one at a time on the device'}
                  aria-label={`Train a short student on ${specLabel(p)}`}
                  onClick={() => onTrain(p)}
                >
                  {hasSet(p) ? 'Train' : 'Label + train'}
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
