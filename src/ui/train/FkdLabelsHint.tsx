import { useState } from 'react';
import { openStudioDb, putLabelSet, type Dataset, type LabelSet } from '../../store';
import { resumeGeneration, startGeneration } from '../actions';
import { namesMatch, teachersFor, type TeacherOption } from '../catalog';
import { JobProgressBar } from '../components/JobProgressBar';
import { useJobs } from '../jobStore';
import { ownerText, resumeOffer } from '../jobLocks';
import { DEFAULT_LABEL_SETTINGS, defaultLabelScale, newLabelSet } from '../labels/newLabelSet';
import { useStudio } from '../studio';
import { ErrorBanner } from '../components/ErrorBanner';

/** Called from the click handler only (a module function: the React compiler's purity rule cannot tell). */
const timestamp = () => Date.now();

/**
 * Shown while FKD is ticked and the dataset has no finished soft-label set: FKD cannot start without
 * one, so say why and offer to make one right here with the Soft labels form's defaults (the first
 * teacher that fits), instead of sending a first-time user to another view. While a set of this dataset
 * is being generated, show its progress: the label-set list picks it up as soon as it finishes.
 */
export function FkdLabelsHint({
  dataset,
  teachers,
  sets,
}: {
  dataset: Dataset;
  teachers: TeacherOption[];
  /** This dataset's label sets, any status. */
  sets: LabelSet[];
}) {
  const studio = useStudio();
  const [error, setError] = useState<string | null>(null);
  // One click, one label set: the button is off from the click until the set is listed as generating.
  const [busy, setBusy] = useState(false);
  const unfinished = sets.filter((s) => s.status !== 'done');
  const liveId = useJobs((j) => unfinished.find((s) => j.generation[s.id]?.running)?.id);
  const live = unfinished.find((s) => s.id === liveId);
  const progress = useJobs((j) => (liveId ? (j.generation[liveId]?.progress ?? null) : null));
  // A set a reload or a pause stopped: resuming keeps what the teacher already labelled.
  const stopped = live ? undefined : unfinished[0];
  // Another tab generating it is not "stopped": a second writer would be refused by its lock.
  const held = useJobs((j) => j.heldJobs);
  // Only a teacher made for these classes: one with merely as many outputs would label noise.
  const teacher = teachersFor(teachers, dataset).find((t) => namesMatch(t, dataset));

  async function generateNow() {
    setError(null);
    if (!teacher || busy) return;
    setBusy(true);
    const scale = defaultLabelScale(teacher);
    const set = newLabelSet(
      dataset,
      teacher,
      teacher.numClasses,
      { ...DEFAULT_LABEL_SETTINGS, scale },
      timestamp(),
    );
    try {
      await putLabelSet(await openStudioDb(), set);
    } catch (e) {
      setBusy(false);
      return setError(`could not store the label set: ${e instanceof Error ? e.message : String(e)}`);
    }
    void startGeneration(studio, set.id).finally(() => setBusy(false));
  }

  if (live) {
    return (
      <div data-testid="fkd-needs-labels">
        <p className="muted">
          FKD waits for soft labels: <strong>{live.name}</strong> is being generated
          {progress ? '' : ` (${live.imagesDone} / ${live.imagesTotal} images)`}. It appears under Soft labels
          (FKD) as soon as it finishes.
        </p>
        <JobProgressBar progress={progress} testId="fkd-labels-progress" />
      </div>
    );
  }
  const offer = stopped && resumeOffer(held, 'generate', stopped.id, stopped.status);
  if (stopped && offer?.offer !== 'resume') {
    return (
      <div data-testid="fkd-needs-labels">
        <p className="muted" data-testid="fkd-labels-elsewhere">
          FKD waits for soft labels: <strong>{stopped.name}</strong> ({stopped.imagesDone} /{' '}
          {stopped.imagesTotal} images){' '}
          {offer?.offer === 'elsewhere'
            ? `is being generated ${ownerText(offer.owner).replace(/^running /, '')}.`
            : 'is stored as running: checking whether another tab runs it.'}
        </p>
      </div>
    );
  }
  if (stopped) {
    return (
      <div data-testid="fkd-needs-labels">
        <p className="muted">
          FKD trains on stored soft labels: <strong>{stopped.name}</strong> stopped at {stopped.imagesDone} /{' '}
          {stopped.imagesTotal} images{stopped.error ? ` (${stopped.error})` : ''}. Resume it to finish the
          set; the images already labelled are kept.
        </p>
        <p>
          <button onClick={() => void resumeGeneration(studio, stopped.id, stopped.datasetId)}>
            Resume soft labels
          </button>
        </p>
      </div>
    );
  }
  return (
    <div data-testid="fkd-needs-labels">
      <p className="muted">
        FKD trains on stored soft labels: the teacher runs once over {dataset.name} and every FKD run reuses
        its labels.{' '}
        {teacher
          ? `Generate them here with the defaults (${teacher.name}, ${DEFAULT_LABEL_SETTINGS.numCrops} crops per image at scale [${defaultLabelScale(teacher).join(', ')}], top-${DEFAULT_LABEL_SETTINGS.k}), or choose every setting in the Soft labels view.`
          : teachers.length > 0 &&
            `No teacher here is made for the classes of ${dataset.name}: import one in the Soft labels view (or pick any teacher with ${dataset.numClasses} outputs there).`}
      </p>
      {teacher && (
        <p>
          <button disabled={busy} onClick={() => void generateNow()}>
            Generate soft labels now
          </button>
        </p>
      )}
      <ErrorBanner error={error} />
    </div>
  );
}
