import { useState } from 'react';
import { isRangeOrNull, useDraft } from '../useDraft';
import { ensembleTeacherId } from '../../core/ensembleId';
import { isCodec, isPrecision } from '../../core/labelSettings';
import { LABEL_MIX_MODES, type LabelMixMode } from '../../core/labelMix';
import { labelSettingsProblems } from '../../core/recipeCheck';
import type { Codec, Precision } from '../../core/softLabel';
import { listLabelSets, liveImages, openStudioDb, putLabelSet } from '../../store';
import { startGeneration } from '../actions';
import { namesMatch, teachersFor, useDatasets, useTeachers } from '../catalog';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';
import { NumberField } from '../components/NumberField';
import { DEFAULT_LABEL_SETTINGS as D, defaultLabelScale, newLabelSet } from './newLabelSet';
import { RecoveryExplain } from '../teaching/formulas';
import { CropPreview } from './CropPreview';
import { ErrorBanner } from '../components/ErrorBanner';
import type { LabelSubset } from '../../core/labelSettings';
import { subsetProblems } from '../../core/recipeCheck';
import { LabelPlan } from './LabelPlan';
import { SubsetFields } from './SubsetFields';

const isSubsetOrNull = (v: unknown): boolean => v === null || subsetProblems(v as LabelSubset).length === 0;

const isLabelMix = (v: unknown): v is LabelMixMode => LABEL_MIX_MODES.some((m) => m === v);

const CODECS: { id: Codec; label: string }[] = [
  { id: 'msTopK', label: 'Marginal smoothing top-k (recommended)' },
  { id: 'mrTopK', label: 'Marginal renorm top-k' },
  { id: 'smoothing', label: 'Label smoothing (top-1 + uniform)' },
  { id: 'hard', label: 'Hard (arg-max only)' },
  { id: 'full', label: 'Full distribution' },
];

/** Called from the click handler only (a module function: the React compiler's purity rule cannot tell). */
const timestamp = () => Date.now();

export function GenerateForm() {
  const studio = useStudio();
  const datasets = useDatasets();
  const teachers = useTeachers();
  const { data: sets } = useStoreQuery((db) => listLabelSets(db));
  // Drafts survive a view change and a reload (ui/useDraft.ts).
  const [chosenDataset, setDatasetId] = useDraft('labels.dataset', '');
  const [chosenTeacher, setTeacherId] = useDraft('labels.teacher', '');
  const [numCrops, setNumCrops] = useDraft<number>('labels.numCrops', D.numCrops);
  const [codec, setCodec] = useDraft<Codec>('labels.codec', D.codec, isCodec);
  const [k, setK] = useDraft<number>('labels.k', D.k);
  const [precision, setPrecision] = useDraft<Precision>('labels.precision', D.precision, isPrecision);
  const [temperature, setTemperature] = useDraft<number>('labels.temperature', D.temperature);
  const [scaleOverride, setScale] = useDraft<[number, number] | null>('labels.scale', null, isRangeOrNull);
  const [seed, setSeed] = useDraft<number>('labels.seed', D.seed);
  const [reuse, setReuse] = useState('');
  const [labelMix, setLabelMix] = useDraft<LabelMixMode>('labels.labelMix', 'none', isLabelMix);
  const [subset, setSubset] = useDraft<LabelSubset | null>('labels.subset', null, isSubsetOrNull);
  const [ensembleWith, setEnsembleWith] = useDraft<string[]>('labels.ensembleWith', []);
  const [error, setError] = useState<string | null>(null);

  // Defaults are derived, not copied into state: the first dataset, the first teacher that fits it.
  const datasetId = datasets.some((d) => d.id === chosenDataset) ? chosenDataset : (datasets[0]?.id ?? '');
  const dataset = datasets.find((d) => d.id === datasetId);
  const fitting = teachersFor(teachers, dataset);
  const teacherId = fitting.some((t) => t.id === chosenTeacher) ? chosenTeacher : (fitting[0]?.id ?? '');
  const teacher = teachers.find((t) => t.id === teacherId);
  // Extra teachers averaged with the chosen one on the same crops (Fast MEAL V2's ensemble).
  const partners = fitting.filter((t) => t.id !== teacherId && ensembleWith.includes(t.id));
  const members = teacher ? [teacher, ...partners] : [];
  const labeller =
    members.length > 1
      ? {
          id: ensembleTeacherId(members.map((t) => t.id)),
          name: `Ensemble (${members.map((t) => t.name).join(' + ')})`,
          inputSize: Math.max(...members.map((t) => t.inputSize)),
        }
      : teacher;
  const scale: [number, number] = scaleOverride ?? defaultLabelScale(teacher);

  async function create() {
    setError(null);
    if (!dataset || !teacher || !labeller) return setError('pick a dataset and a teacher');
    if (teacher.numClasses !== dataset.numClasses) {
      return setError(
        `teacher has ${teacher.numClasses} outputs but the dataset has ${dataset.numClasses} classes`,
      );
    }
    const set = newLabelSet(
      dataset,
      labeller,
      teacher.numClasses,
      {
        ...{ numCrops, codec, k, precision, temperature, scale, seed },
        reuseBoxesFrom: reuse || undefined,
        subset: subset ?? undefined,
        labelMix,
      },
      timestamp(),
    );
    const problems = labelSettingsProblems(set.settings, set.numClasses);
    if (problems.length) return setError(problems.join('; '));
    await putLabelSet(await openStudioDb(), set);
    void startGeneration(studio, set.id);
  }

  const reusable = (sets ?? []).filter((s) => s.datasetId === datasetId && s.status === 'done');
  return (
    <section className="panel">
      <h2>Generate soft labels</h2>
      <p className="muted">
        The teacher runs once: for every training image it labels {numCrops} random-resized crops (box +
        flip), and each crop's softmax(logits/T) is stored compressed. Students then train on these crops
        without the teacher.
      </p>
      <div className="row">
        <label className="field">
          Dataset
          <select aria-label="Dataset" value={datasetId} onChange={(e) => setDatasetId(e.target.value)}>
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({liveImages(d, 'train')} train)
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Teacher
          <select aria-label="Teacher" value={teacherId} onChange={(e) => setTeacherId(e.target.value)}>
            {fitting.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
                {t.testTop1 ? ` (${(100 * t.testTop1).toFixed(1)}% top-1)` : ''}
                {dataset && !namesMatch(t, dataset) ? ' (made for other classes)' : ''}
              </option>
            ))}
          </select>
        </label>
        {fitting.length > 1 && (
          <fieldset className="field" aria-label="Ensemble with">
            <legend>Ensemble with</legend>
            {fitting
              .filter((t) => t.id !== teacherId)
              .map((t) => (
                <label key={t.id} className="check">
                  <input
                    type="checkbox"
                    checked={ensembleWith.includes(t.id)}
                    onChange={(e) =>
                      setEnsembleWith((w) =>
                        e.target.checked ? [...w, t.id] : w.filter((id) => id !== t.id),
                      )
                    }
                  />
                  {t.name}
                </label>
              ))}
            {members.length > 1 && (
              <small className="muted">labels = mean of {members.length} teachers' softmax(logits/T)</small>
            )}
          </fieldset>
        )}
        <NumberField label="Crops per image" min={1} max={2000} value={numCrops} onChange={setNumCrops} />
        <label className="field">
          Codec
          <select
            aria-label="Codec"
            value={codec}
            onChange={(e) => isCodec(e.target.value) && setCodec(e.target.value)}
          >
            {CODECS.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        {codec.endsWith('TopK') && (
          <NumberField label="k" min={1} max={dataset?.numClasses ?? 1000} value={k} onChange={setK} />
        )}
        <label className="field">
          Precision
          <select
            aria-label="Precision"
            value={precision}
            onChange={(e) => isPrecision(e.target.value) && setPrecision(e.target.value)}
          >
            <option value="q8">packed ~9 bits (≤1e-3 error, smallest)</option>
            <option value="q16">packed ~15 bits (≤2e-5 error)</option>
            <option value="f16">float16</option>
            <option value="f32">float32</option>
          </select>
        </label>
        <NumberField
          label="T (generation)"
          aria="Temperature"
          step={0.1}
          min={0.05}
          value={temperature}
          onChange={setTemperature}
        />
        <NumberField
          label="Scale min"
          step={0.01}
          min={0.01}
          max={1}
          value={scale[0]}
          onChange={(v) => setScale([v, scale[1]])}
        />
        <NumberField
          label="Scale max"
          step={0.01}
          min={0.01}
          max={1}
          value={scale[1]}
          onChange={(v) => setScale([scale[0], v])}
        />
        <label className="field">
          Seed
          <input aria-label="Seed" type="number" value={seed} onChange={(e) => setSeed(+e.target.value)} />
        </label>
        <label className="field">
          Reuse crop boxes of
          <select aria-label="Reuse boxes" value={reuse} onChange={(e) => setReuse(e.target.value)}>
            <option value="">(fresh crops)</option>
            {reusable.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Mix at label time
          <select
            aria-label="Mix at label time"
            value={labelMix}
            onChange={(e) => isLabelMix(e.target.value) && setLabelMix(e.target.value)}
          >
            <option value="none">none</option>
            <option value="mixup">Mixup (λ ~ Beta(0.8, 0.8))</option>
            <option value="cutmix">CutMix (λ ~ Beta(1, 1), a box)</option>
            <option value="both">both (each crop picks one)</option>
          </select>
        </label>
      </div>
      {labelMix !== 'none' && (
        <p className="muted" data-testid="label-mix-note">
          Each crop is mixed with a crop of a seeded partner image before the teacher sees it; the record
          keeps the partner, λ and the CutMix box, and training replays the same mix on the teacher&apos;s
          label for the mixed crop (train-time mixing is then off for this set).
        </p>
      )}
      {dataset && <SubsetFields dataset={dataset} subset={subset} onChange={setSubset} />}
      {dataset && labeller && teacher && (
        <LabelPlan
          dataset={dataset}
          teacherId={labeller.id}
          numClasses={teacher.numClasses}
          {...{ numCrops, codec, k, precision }}
          subset={subset ?? undefined}
          sets={sets ?? []}
          onSubset={setSubset}
        />
      )}
      {dataset && (
        <CropPreview
          datasetId={datasetId}
          numImages={liveImages(dataset, 'train')}
          seed={seed}
          numCrops={numCrops}
          scale={scale}
        />
      )}
      <RecoveryExplain codec={codec} k={k} />
      <p>
        <button className="primary" onClick={() => void create()} disabled={!dataset || !teacher}>
          Generate soft labels
        </button>
      </p>
      <ErrorBanner error={error} />
    </section>
  );
}
