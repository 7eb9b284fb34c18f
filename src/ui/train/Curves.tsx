import { useMemo } from 'react';
import type { TrainJobState } from '../jobStore';
import { LineChart, seriesColor } from '../components/LineChart';

/** Loss, learning rate, val top-1 and throughput of one live run. */
export function Curves({ job }: { job: TrainJobState }) {
  const steps = useMemo(() => job.metrics.map((m) => m.step), [job.metrics]);
  const loss = useMemo(
    () => [{ label: 'loss', color: seriesColor(0), values: job.metrics.map((m) => m.loss) }],
    [job.metrics],
  );
  const trainAcc = useMemo(
    () => [
      {
        label: 'train top-1 (hard labels)',
        color: seriesColor(1),
        values: job.metrics.map((m) => m.trainTop1),
      },
    ],
    [job.metrics],
  );
  const lr = useMemo(
    () => [{ label: 'lr', color: seriesColor(3), values: job.metrics.map((m) => m.lr) }],
    [job.metrics],
  );
  const thr = useMemo(
    () => [
      { label: 'crops/s', color: seriesColor(2), values: job.metrics.map((m) => m.cropsPerSec) },
      { label: 'images/s', color: seriesColor(4), values: job.metrics.map((m) => m.imagesPerSec) },
    ],
    [job.metrics],
  );
  const evalX = useMemo(() => job.evals.map((e) => e.epoch), [job.evals]);
  const acc = useMemo(
    () => [
      { label: 'val top-1', color: seriesColor(1), values: job.evals.map((e) => e.top1) },
      { label: 'val top-5', color: seriesColor(5), values: job.evals.map((e) => e.top5) },
    ],
    [job.evals],
  );
  return (
    <div className="row" data-testid="curves">
      <LineChart title="training loss" x={steps} xLabel="step" series={loss} testId="chart-loss" />
      <LineChart title="learning rate" x={steps} xLabel="step" series={lr} />
      <LineChart title="train top-1" x={steps} xLabel="step" series={trainAcc} />
      <LineChart title="val accuracy" x={evalX} xLabel="epoch" series={acc} testId="chart-acc" />
      <LineChart title="throughput" x={steps} xLabel="step" series={thr} />
    </div>
  );
}
