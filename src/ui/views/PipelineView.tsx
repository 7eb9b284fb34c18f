import { getRun, getDataset } from '../../store';
import { classNamer } from '../catalog';
import { CropCanvas, ImageWithBoxes, TopKBars } from '../components/CropViews';
import { useJobs } from '../jobStore';
import { Curves } from '../train/Curves';
import { useStoreQuery } from '../useStore';

/** The crop-and-label pipeline, live: the image, its crop boxes, each crop with its target and the student's guess. */
export function PipelineView() {
  const runId = useJobs((s) => s.focusRunId);
  const job = useJobs((s) => (runId ? s.training[runId] : undefined));
  const { data: run } = useStoreQuery(async (db) => (runId ? getRun(db, runId) : undefined), [runId]);
  const { data: dataset } = useStoreQuery(
    async (db) => (run ? getDataset(db, run.datasetId) : undefined),
    [run?.datasetId],
  );
  if (!runId || !job) {
    return (
      <section className="panel">
        <h2>Pipeline</h2>
        <p className="muted">
          Start a training run (Train view) to watch its crops, soft labels and predictions here.
        </p>
      </section>
    );
  }
  const names = classNamer(dataset);
  const smp = job.sample;
  const m = job.metrics[job.metrics.length - 1];
  return (
    <>
      <section className="panel" data-testid="pipeline-live">
        <h2>
          {run?.name ?? runId} ·{' '}
          {run?.method === 'fkd'
            ? 'stored soft labels'
            : run?.method === 'vanilla'
              ? 'hard labels'
              : 'teacher on every step'}
        </h2>
        {!smp && <p className="muted">Waiting for the first batch…</p>}
        {smp && (
          <div className="row">
            <div>
              <ImageWithBoxes image={smp} boxes={smp.boxes} />
              <div className="muted">
                {smp.path} · true class <strong>{names(smp.classIndex)}</strong> · step {smp.step} · epoch{' '}
                {smp.epoch}
              </div>
              <div className="muted" data-testid="decoded-size">
                {smp.width === smp.sourceWidth && smp.height === smp.sourceHeight
                  ? `decoded at full size, ${smp.width}×${smp.height}`
                  : `decoded at ${smp.width}×${smp.height} of ${smp.sourceWidth}×${smp.sourceHeight}: enough pixels for every crop at the student's input size`}
              </div>
            </div>
            <div className="crop-strip" data-testid="live-crops">
              {smp.boxes.map((b, i) => (
                <div className="crop-card" key={i}>
                  <CropCanvas image={smp} box={b} />
                  <TopKBars
                    title={`target${b.flip ? ' (flipped)' : ''}`}
                    topK={smp.targetTopK[i] ?? []}
                    names={names}
                    highlight={smp.classIndex}
                  />
                  <TopKBars
                    title="student"
                    topK={smp.studentTopK[i] ?? []}
                    names={names}
                    highlight={smp.classIndex}
                  />
                </div>
              ))}
            </div>
          </div>
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
      <section className="panel">
        <Curves job={job} />
      </section>
    </>
  );
}
