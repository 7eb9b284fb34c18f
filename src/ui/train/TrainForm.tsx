import { useState } from 'react';
import { imagesPerMultiCropStep } from '../../core/schedule';
import { ensembleMemberIds } from '../../core/ensembleId';
import { recipeProblems } from '../../core/recipeCheck';
import { listLabelSets, liveImages, openStudioDb, putRun } from '../../store';
import { METHOD_LABEL, newRuns, startBlocker, waitsForLabels } from './startRuns';
import {
  DEFAULT_TRAIN_CONFIG,
  STUDENT_ARCHS,
  lrAfterChange,
  withFastMealRecipe,
  type TrainConfig,
  type TrainMethod,
} from '../../core/recipe';
import { measureSpeed, startAfterGeneration, startTraining } from '../actions';
import { teachersFor, useDatasets, useTeachers } from '../catalog';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';
import { useJobs } from '../jobStore';
import { StudentSummary } from './StudentSummary';
import { FkdLabelsHint } from './FkdLabelsHint';
import { OptimiserFields } from './OptimiserFields';
import { LimitFields } from './LimitFields';
import { AdamwPresetButton } from './AdamwPresetButton';
import { NumberField } from '../components/NumberField';
import { isRangeOrNull, useDraft } from '../useDraft';
import { ErrorBanner } from '../components/ErrorBanner';
import { TrainFormulas } from '../teaching/formulas';
import type { PretrainedCheck } from '../../workers/api';
import { FastMealFields } from './FastMealFields';

/** Called from the click handler only (a module function: the React compiler's purity rule cannot tell). */
const timestamp = () => Date.now();

const DEFAULT_METHODS: Record<TrainMethod, boolean> = {
  fkd: true,
  vanilla: true,
  onlineKd: false,
  fastMeal: false,
};

export function TrainForm() {
  const studio = useStudio();
  const datasets = useDatasets();
  const teachers = useTeachers();
  const { data: labelSets } = useStoreQuery((db) => listLabelSets(db));
  // Drafts survive a view change and a reload (ui/useDraft.ts); "Defaults" puts them back.
  const [cfg, setCfg] = useDraft<Omit<TrainConfig, 'method'>>('train.config', {
    ...DEFAULT_TRAIN_CONFIG,
    datasetId: '',
  });
  const [methods, setMethods] = useDraft<Record<TrainMethod, boolean>>('train.methods', DEFAULT_METHODS);
  const [scaleOverride, setScaleOverride] = useDraft<[number, number] | null>(
    'train.scale',
    null,
    isRangeOrNull,
  );
  const [error, setError] = useState<string | null>(null);
  const [pretrainedCheck, setPretrainedCheck] = useState<PretrainedCheck | null>(null);
  const set = (p: Partial<TrainConfig>) => setCfg((c) => ({ ...c, ...p }));

  // Derived defaults (first dataset, first finished label set, first fitting teacher), not effects.
  const datasetId = datasets.some((d) => d.id === cfg.datasetId) ? cfg.datasetId : (datasets[0]?.id ?? '');
  const dataset = datasets.find((d) => d.id === datasetId);
  const doneSets = (labelSets ?? []).filter((s) => s.datasetId === datasetId && s.status === 'done');
  // Online KD can run the same ensemble a label set of this dataset was made with (a fair comparison).
  const ensembles = [...new Set(doneSets.map((s) => s.teacherId).filter((id) => ensembleMemberIds(id)))];
  const fitTeachers = [
    ...teachersFor(teachers, dataset),
    ...ensembles.map((id) => ({
      id,
      name: `Ensemble (${ensembleMemberIds(id)!
        .map((m) => teachers.find((t) => t.id === m)?.name ?? m)
        .join(' + ')})`,
    })),
  ];
  const labelSetId = doneSets.some((s) => s.id === cfg.labelSetId) ? cfg.labelSetId : doneSets[0]?.id;
  const labelSet = doneSets.find((s) => s.id === labelSetId);
  const eff: Omit<TrainConfig, 'method'> = {
    ...cfg,
    datasetId,
    labelSetId,
    teacherId: fitTeachers.some((t) => t.id === cfg.teacherId) ? cfg.teacherId : fitTeachers[0]?.id,
    // Vanilla and online KD draw their crops at the FKD label set's scale unless the user sets one:
    // the comparison is only fair when all three methods see the same crop distribution.
    scale: scaleOverride ?? labelSet?.settings.scale ?? cfg.scale,
  };

  const anyRunning = useJobs((s) => Object.values(s.training).some((t) => t.running));
  const chosen = (Object.keys(methods) as TrainMethod[]).filter((m) => methods[m]);

  // A label set of this dataset being generated in this tab: FKD can be queued behind it.
  const generatingId = useJobs(
    (j) =>
      (labelSets ?? []).find(
        (s) => s.datasetId === datasetId && s.status !== 'done' && j.generation[s.id]?.running,
      )?.id,
  );
  const startState = {
    hasDataset: !!dataset,
    problems: recipeProblems(eff),
    methods: chosen,
    labelSetId: eff.labelSetId,
    generatingId,
    teacherId: eff.teacherId,
    pretrainedId: eff.pretrainedId,
    pretrainedBlocker: pretrainedCheck?.blocker,
    anyRunning,
  };
  const queueing = waitsForLabels(startState);
  const blocker = startBlocker(startState);
  const [queued, setQueued] = useState<string | null>(null);

  async function start() {
    setError(null);
    setQueued(null);
    if (blocker || !dataset) return setError(blocker ?? 'pick a dataset');
    // FKD queued behind the set being generated: the runs are stored now (pending), trained when it is done.
    const fkdLabels = eff.labelSetId ?? (queueing ? generatingId : undefined);
    const db = await openStudioDb();
    const runs = newRuns(chosen, eff, dataset, fkdLabels, timestamp());
    for (const r of runs) await putRun(db, r);
    if (queueing && generatingId) {
      setQueued(
        `${runs.length > 1 ? `${runs.length} runs start` : 'The run starts'} as soon as the soft labels are done (listed as pending in Runs meanwhile).`,
      );
      void startAfterGeneration(
        studio,
        generatingId,
        runs.map((r) => r.id),
      );
      return;
    }
    // Same student, seed and budget for each method; one after another so they don't share the device.
    for (const r of runs) await startTraining(studio, r.id);
  }

  return (
    <section className="panel">
      <h2>Train a student</h2>
      <div className="row">
        {(Object.keys(METHOD_LABEL) as TrainMethod[]).map((m) => (
          <label key={m} style={{ fontSize: 13 }}>
            <input
              type="checkbox"
              aria-label={`method ${m}`}
              checked={!!methods[m]}
              onChange={(e) => {
                setMethods({ ...methods, [m]: e.target.checked });
                // Fast MEAL V2 comes with its own fine-tuning recipe; the form shows where it departs.
                if (m === 'fastMeal' && e.target.checked) setCfg((c) => withFastMealRecipe(c));
              }}
            />{' '}
            {METHOD_LABEL[m]}
          </label>
        ))}
      </div>
      <div className="row">
        <label className="field">
          Dataset
          <select
            aria-label="Train dataset"
            value={eff.datasetId}
            onChange={(e) => set({ datasetId: e.target.value })}
          >
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Soft labels (FKD)
          <select
            aria-label="Label set"
            value={eff.labelSetId ?? ''}
            onChange={(e) => set({ labelSetId: e.target.value || undefined })}
          >
            {doneSets.length === 0 && <option value="">(none finished)</option>}
            {doneSets.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          {labelSet?.settings.labelMix && labelSet.settings.labelMix !== 'none' && (
            <small className="muted" data-testid="label-mix-train-note">
              mixed at label time ({labelSet.settings.labelMix}): FKD replays each stored mix and trains on
              the teacher&apos;s label of the mixed crop; train-time Mixup/CutMix is off for this set
            </small>
          )}
        </label>
        <label className="field">
          Teacher (online KD)
          <select
            aria-label="Online teacher"
            value={eff.teacherId ?? ''}
            onChange={(e) => set({ teacherId: e.target.value || undefined })}
          >
            {fitTeachers.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Student
          <select
            aria-label="Student"
            value={eff.arch}
            onChange={(e) => {
              const arch = STUDENT_ARCHS.find((a) => a === e.target.value);
              if (arch) set({ arch, lr: lrAfterChange(eff.lr, eff, { arch, optimizer: eff.optimizer }) });
            }}
          >
            <option value="mlp">MLP (fast anywhere)</option>
            <option value="tinyCnn">tiny CNN</option>
            <option value="resnetMini">mini ResNet</option>
            <option value="mobilenetMini">mini MobileNet</option>
            <option value="resnet18">ResNet-18 shape</option>
            <option value="resnet50">ResNet-50 shape</option>
            <option value="mobilenetV2">MobileNetV2</option>
            <option value="vitTiny">ViT-Tiny</option>
            <option value="efficientnetV2B0">EfficientNetV2-B0 shape</option>
            <option value="fbnetC100">FBNet-C100 shape</option>
            <option value="sretLT">SReT-LT (sliced recursive)</option>
          </select>
        </label>
        <label className="field">
          Width
          <input
            aria-label="Width"
            type="number"
            min={1}
            placeholder="default"
            value={eff.width ?? ''}
            onChange={(e) => set({ width: e.target.value ? +e.target.value : undefined })}
          />
        </label>
        <NumberField label="Input size" value={eff.inputSize} onChange={(v) => set({ inputSize: v })} />
        <label className="field">
          Channels
          <select
            aria-label="Student channels"
            value={eff.channels}
            onChange={(e) => set({ channels: +e.target.value as 1 | 3 })}
          >
            <option value={1}>1</option>
            <option value={3}>3</option>
          </select>
        </label>
        <NumberField label="Epochs" min={1} value={eff.epochs} onChange={(v) => set({ epochs: v })} />
        <NumberField label="numCrops" min={1} value={eff.numCrops} onChange={(v) => set({ numCrops: v })} />
        <NumberField
          label="Batch (crops)"
          aria="Batch"
          min={1}
          value={eff.cropsPerStep}
          onChange={(v) => set({ cropsPerStep: v })}
        />
        <OptimiserFields cfg={eff} set={set} />
        <NumberField
          label="Crop scale min (vanilla, online KD; default: the label set's)"
          aria="Crop scale min"
          min={0.01}
          max={1}
          step={0.01}
          value={eff.scale[0]}
          onChange={(v) => setScaleOverride([Math.min(Math.max(v, 0.01), 1), eff.scale[1]])}
        />
        <NumberField
          label="T (student)"
          aria="Student temperature"
          step={0.1}
          value={eff.temperature}
          onChange={(v) => set({ temperature: v })}
        />
        <NumberField label="Seed" aria="Train seed" value={eff.seed} onChange={(v) => set({ seed: v })} />
        <label className="field">
          Max train images (0 = all)
          <input
            aria-label="Max images"
            type="number"
            min={0}
            value={eff.maxImages ?? 0}
            onChange={(e) => set({ maxImages: +e.target.value })}
          />
        </label>
        <label className="field">
          Max val images (0 = all)
          <input
            aria-label="Max val images"
            type="number"
            min={0}
            value={eff.maxValImages ?? 0}
            onChange={(e) => set({ maxValImages: +e.target.value })}
          />
        </label>
        <LimitFields cfg={eff} set={set} />
        <NumberField
          label="Checkpoint every (steps)"
          aria="Checkpoint every"
          min={1}
          value={eff.checkpointEvery}
          onChange={(v) => set({ checkpointEvery: v })}
        />
      </div>
      {methods.fastMeal && dataset && (
        <FastMealFields
          cfg={eff}
          set={set}
          numClasses={dataset.numClasses}
          labelSet={labelSet}
          onCheck={setPretrainedCheck}
        />
      )}
      <TrainFormulas cfg={eff} numImages={dataset && liveImages(dataset, 'train')} />
      {dataset && <StudentSummary cfg={eff} numClasses={dataset.numClasses} />}
      {methods.fkd && eff.numCrops > 1 && eff.arch !== 'mlp' && (
        <p className="muted" data-testid="numcrops-batch-hint">
          numCrops {eff.numCrops} puts {eff.numCrops} crops of each image in the same batch (
          {imagesPerMultiCropStep(eff.cropsPerStep, eff.numCrops)} images per step instead of{' '}
          {eff.cropsPerStep}): fewer decodes, but a BatchNorm CNN can lose accuracy, since the crops of one
          image dominate its batch statistics (on the embedded set the mini ResNet lost points at numCrops 4
          at every learning rate tried; the MLP did not).
        </p>
      )}
      {methods.fkd && dataset && doneSets.length === 0 && (
        <FkdLabelsHint
          dataset={dataset}
          teachers={teachers}
          sets={(labelSets ?? []).filter((s) => s.datasetId === datasetId)}
        />
      )}
      <p>
        <button
          className="primary"
          disabled={blocker !== null}
          aria-describedby={blocker ? 'start-blocker' : undefined}
          onClick={() => void start()}
        >
          {chosen.length > 1 ? `Start ${chosen.length} runs (same student, seed, budget)` : 'Start training'}
          {queueing && ' when the soft labels are done'}
        </button>{' '}
        <button
          disabled={!dataset}
          onClick={() =>
            void measureSpeed(studio, { ...eff, method: 'fkd' }, chosen).catch((e: unknown) =>
              setError(String(e)),
            )
          }
        >
          Measure speed table
        </button>{' '}
        <button
          title="the studio's defaults: bench:quality's recipe"
          onClick={() => {
            setCfg({ ...DEFAULT_TRAIN_CONFIG, datasetId: cfg.datasetId });
            setMethods(DEFAULT_METHODS);
            setScaleOverride(null);
          }}
        >
          Defaults
        </button>{' '}
        <AdamwPresetButton cfg={eff} set={set} />
      </p>
      {queued && (
        <p className="muted" data-testid="start-queued">
          {queued}
        </p>
      )}
      {blocker && chosen.length > 0 && (
        <p className="muted" id="start-blocker" data-testid="start-blocker">
          Start waits: {blocker}
        </p>
      )}
      <ErrorBanner error={error} />
    </section>
  );
}
