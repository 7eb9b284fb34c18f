import { useEffect, useState } from 'react';
import { ensembleMemberIds } from '../../core/ensembleId';
import { STUDENT_ARCHS, withFastMealRecipe, type TrainConfig } from '../../core/recipe';
import { fastMealDepartures } from '../../core/recipeCheck';
import { listModelSummaries, type LabelSet } from '../../store';
import type { PretrainedCheck } from '../../workers/api';
import { jobStore } from '../jobStore';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';

type Recipe = Omit<TrainConfig, 'method'>;

/**
 * Fast MEAL V2's part of the Train form: the pretrained student (from the model library, or a folder
 * of tfjs Layers files added to it), how its weights fit the student above (every mismatch listed
 * before any work), whether the label set is an ensemble's as MEAL V2's is, and where the recipe
 * departs from MEAL V2's.
 */
export function FastMealFields({
  cfg,
  set,
  numClasses,
  labelSet,
  onCheck,
}: {
  cfg: Recipe;
  set: (p: Partial<Recipe>) => void;
  numClasses: number;
  labelSet?: LabelSet;
  onCheck: (c: PretrainedCheck | null) => void;
}) {
  const studio = useStudio();
  const { data: students } = useStoreQuery((db) => listModelSummaries(db, 'student'));
  const [files, setFiles] = useState<File[]>([]);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [check, setCheck] = useState<PretrainedCheck | null>(null);
  // Only the id: the list is re-read at every store change (each evaluation while a run trains).
  const chosenId = (students ?? []).find((m) => m.id === cfg.pretrainedId)?.id;
  const { arch, inputSize, channels, width } = cfg;

  useEffect(() => {
    let live = true;
    const done = (c: PretrainedCheck | null) => {
      if (!live) return;
      setCheck(c);
      onCheck(c);
    };
    if (!chosenId) {
      queueMicrotask(() => done(null));
      return;
    }
    studio.trainer.api
      .checkPretrained(chosenId, { arch, inputSize, channels, width, numClasses })
      .then(done, (e: unknown) =>
        done({
          lines: [],
          blocker: e instanceof Error ? e.message : String(e),
          loaded: 0,
          missing: 0,
          extra: 0,
          shapeDiffers: 0,
        }),
      );
    return () => {
      live = false;
    };
  }, [studio, chosenId, arch, inputSize, channels, width, numClasses, onCheck]);

  /** A library student trained here says which student it is: the form takes its shape. */
  function pick(id: string) {
    const m = (students ?? []).find((s) => s.id === id);
    const p: Partial<Recipe> = { pretrainedId: id || undefined };
    if (m?.student && STUDENT_ARCHS.includes(m.student.arch)) {
      p.arch = m.student.arch;
      p.width = m.student.width;
      if (m.config.inputSize > 0) p.inputSize = m.config.inputSize;
      p.channels = m.config.channels;
      p.normalisation = m.config.normalisation;
    }
    set(p);
  }

  async function importFolder() {
    setStatus(null);
    try {
      const name = files[0]?.webkitRelativePath.split('/')[0] || 'pretrained student';
      const id = await studio.trainer.api.importStudent({ name, files, arch: cfg.arch, width: cfg.width });
      jobStore.bumpStore();
      set({ pretrainedId: id });
      setStatus({ ok: true, text: `Added "${name}" to the model library.` });
    } catch (e) {
      setStatus({ ok: false, text: e instanceof Error ? e.message : String(e) });
    }
  }

  const departures = fastMealDepartures(cfg);
  const ensemble = labelSet ? ensembleMemberIds(labelSet.teacherId) : null;
  return (
    <fieldset className="panel" data-testid="fastmeal-fields">
      <legend>Fast MEAL V2: fine-tune a pretrained student on an ensemble&apos;s stored labels</legend>
      <div className="row">
        <label className="field">
          Pretrained student
          <select
            aria-label="Pretrained student"
            value={cfg.pretrainedId ?? ''}
            onChange={(e) => pick(e.target.value)}
          >
            <option value="">(choose)</option>
            {(students ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
                {m.student ? ` (${m.student.arch})` : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          …or a tfjs Layers model folder
          <input
            aria-label="Pretrained student folder"
            type="file"
            webkitdirectory=""
            multiple
            onChange={(e) => setFiles(Array.from(e.target.files ?? []))}
          />
        </label>
        <button disabled={files.length === 0} onClick={() => void importFolder()}>
          Add to library as a {cfg.arch}
        </button>
        <button
          title="numCrops 8, SGD lr 0.01 momentum 0.9, no weight decay, LR x0.1 at 50 % and 90 %"
          onClick={() => set(withFastMealRecipe(cfg))}
        >
          MEAL V2 recipe
        </button>
      </div>
      {status && (
        <p
          className={status.ok ? 'muted' : 'error'}
          role={status.ok ? 'status' : 'alert'}
          data-testid="pretrained-import-status"
        >
          {status.text}
        </p>
      )}
      {check && (
        <ul
          data-testid="pretrained-check"
          data-blocked={check.blocker ? 'yes' : 'no'}
          data-missing={check.missing}
          data-shape-differs={check.shapeDiffers}
          data-extra={check.extra}
        >
          {check.blocker && <li className="error">{check.blocker}</li>}
          {check.lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      )}
      {labelSet && !ensemble && (
        <p className="muted" data-testid="fastmeal-not-ensemble">
          The label set&apos;s teacher is a single model; MEAL V2 distils from an ensemble (make one in Soft
          labels with &quot;Ensemble with&quot;).
        </p>
      )}
      {departures.length > 0 && (
        <p className="muted" data-testid="fastmeal-departures">
          Departs from MEAL V2&apos;s recipe: {departures.join('; ')}.
        </p>
      )}
    </fieldset>
  );
}
