import { getRun, getDataset } from '../../store';
import { useClassNamer } from '../catalog';
import { memo, useMemo } from 'react';
import { CropCard, ImageWithBoxes, mixViews } from '../components/CropViews';
import { useJobs } from '../jobStore';
import { Curves } from '../train/Curves';
import { Later, useStaggered } from '../stagger';
import { useOnScreen } from '../onScreen';
import { useStoreQuery } from '../useStore';
import { DEMO_ACTION, EmptyState } from '../teaching/FirstRun';
import type { LiveImage } from '../../workers/api';

/** The crop-and-label pipeline, live: the image, its crop boxes, each crop with its target and the student's guess. */
export function PipelineView() {
  const runId = useJobs((s) => s.focusRunId);
  const job = useJobs((s) => (runId ? s.training[runId] : undefined));
  const { data: run } = useStoreQuery(async (db) => (runId ? getRun(db, runId) : undefined), [runId]);
  const { data: dataset } = useStoreQuery(
    async (db) => (run ? getDataset(db, run.datasetId) : undefined),
    [run?.datasetId],
  );
  const names = useClassNamer(dataset);
  if (!runId || !job) {
    return (
      <section className="panel">
        <h2>Pipeline</h2>
        <EmptyState testId="pipeline-empty" action={DEMO_ACTION}>
          Nothing is training. Start a run in Train to watch its batches here: each image&apos;s crop boxes,
          the crops as the student sees them, their stored soft labels and the student&apos;s guesses.
        </EmptyState>
      </section>
    );
  }
  const smp = job.sample;
  const m = job.metrics[job.metrics.length - 1];
  return (
    <>
      <section className="panel" data-testid="pipeline-live">
        <h2>
          {run?.name ?? runId} ·{' '}
          {run?.method === 'fkd'
            ? 'stored soft labels'
            : run?.method === 'fastMeal'
              ? 'stored soft labels, from a pretrained student'
              : run?.method === 'vanilla'
                ? 'hard labels'
                : 'teacher on every step'}
        </h2>
        {!smp && <p className="muted">Waiting for the first batch…</p>}
        {smp && (
          <>
            <p className="muted" data-testid="live-batch">
              Step {smp.step} · epoch {smp.epoch} · the batch: {smp.batchImages} images decoded,{' '}
              {smp.batchCrops} crops
              {smp.images.length < smp.batchImages ? ` (the first ${smp.images.length} shown)` : ''}
            </p>
            <div className="live-batch">
              {smp.images.map((im, j) => (
                // Keyed by position: each new batch updates the same tiles instead of remounting them,
                // tile j j frames after the first (stagger.ts); when the view opens, tile j mounts j
                // frames after the first too, so no frame lays out them all.
                <Later key={j} frames={j}>
                  <LiveImageCard image={im} names={names} delayFrames={j} />
                </Later>
              ))}
            </div>
          </>
        )}
        {m && (
          <p className="muted">
            {m.cropsPerSec.toFixed(1)} crops/s · {m.imagesPerSec.toFixed(1)} images decoded/s · tensors{' '}
            {m.memory.numTensors}
            {m.memory.numBytesInGPUAllocated !== undefined &&
              ` · GPU ${(m.memory.numBytesInGPUAllocated / 2 ** 20).toFixed(1)} MB allocated`}
          </p>
        )}
      </section>
      <Later frames={smp ? smp.images.length : 1}>
        <section className="panel">
          <Curves job={job} />
        </section>
      </Later>
    </>
  );
}

/** One image of the batch: its crop boxes, then each crop as fed to the student with its target and guess. */
function LiveImageCard({
  image,
  names,
  delayFrames,
}: {
  image: LiveImage;
  names: (i: number) => string;
  delayFrames: number;
}) {
  const [tileRef, onScreen] = useOnScreen<HTMLDivElement>();
  const shown = useStaggered(image, delayFrames, onScreen);
  return <LiveImageTile image={shown} names={names} tileRef={tileRef} onScreen={onScreen} />;
}

/**
 * The tile itself, rendered again only when its (staggered) image or the class names change: a job
 * update re-renders the view, and the tiles still waiting for their frame, or off screen, should cost
 * nothing then.
 */
const LiveImageTile = memo(function LiveImageTile({
  image: im,
  names,
  tileRef,
  onScreen,
}: {
  image: LiveImage;
  names: (i: number) => string;
  tileRef: (el: HTMLDivElement | null) => void;
  /** Shown as data-on-screen, for tests that scroll. */
  onScreen: boolean;
}) {
  const mixOf = useMemo(() => mixViews(im.mix), [im.mix]);
  return (
    <div className="live-image" data-testid="live-image" data-on-screen={onScreen} ref={tileRef}>
      <div className="live-caption">
        <ImageWithBoxes image={im} boxes={im.boxes} size={160} />
        <div className="muted">
          {im.path} · true class <strong>{names(im.classIndex)}</strong>
        </div>
        <div className="muted" data-testid="decoded-size">
          {im.width === im.sourceWidth && im.height === im.sourceHeight
            ? `decoded at full size, ${im.width}×${im.height}`
            : `decoded at ${im.width}×${im.height} of ${im.sourceWidth}×${im.sourceHeight}: enough pixels for every crop at the student's input size`}
        </div>
      </div>
      <div className="crop-strip" data-testid="live-crops">
        {im.boxes.map((b, i) => (
          <CropCard
            key={i}
            image={im}
            box={b}
            bars={[
              { title: `target${b.flip ? ' (flipped)' : ''}`, topK: im.targetTopK[i] ?? [] },
              { title: 'student', topK: im.studentTopK[i] ?? [] },
            ]}
            names={names}
            highlight={im.classIndex}
            mix={mixOf(i)}
            size={96}
          />
        ))}
      </div>
    </div>
  );
});
