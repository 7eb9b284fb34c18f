import { useEffect, useMemo, useRef, useState } from 'react';
import type { TrainJobState } from '../jobStore';
import { drawnRows, LineChart, seriesColor } from '../components/LineChart';

/**
 * The latest value, at most once per `ms`: the charts redraw at most once a second, so building their
 * series from every metrics update only made garbage for the page's collector.
 */
function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    const t = setTimeout(
      () => {
        last.current = performance.now();
        setShown(value);
      },
      Math.max(0, last.current + ms - performance.now()),
    );
    return () => clearTimeout(t);
  }, [value, ms]);
  return shown;
}

/** Loss, learning rate, val top-1, throughput and memory of one live run. */
export function Curves({ job }: { job: TrainJobState }) {
  const history = useThrottled(job.metrics, 1000);
  // The charts draw at most MAX_POINTS of up to 2,000: their series are built from those rows only.
  const metrics = useMemo(() => drawnRows(history), [history]);
  const steps = useMemo(() => metrics.map((m) => m.step), [metrics]);
  const loss = useMemo(
    () => [{ label: 'loss', color: seriesColor(0), values: metrics.map((m) => m.loss) }],
    [metrics],
  );
  const trainAcc = useMemo(
    () => [
      {
        label: 'train top-1 (hard labels)',
        color: seriesColor(1),
        values: metrics.map((m) => m.trainTop1),
      },
    ],
    [metrics],
  );
  const lr = useMemo(
    () => [{ label: 'lr', color: seriesColor(3), values: metrics.map((m) => m.lr) }],
    [metrics],
  );
  const thr = useMemo(
    () => [
      { label: 'crops/s', color: seriesColor(2), values: metrics.map((m) => m.cropsPerSec) },
      { label: 'images/s', color: seriesColor(4), values: metrics.map((m) => m.imagesPerSec) },
    ],
    [metrics],
  );
  // Flat lines here are the tensor-hygiene promise made visible: a leak shows as a ramp.
  const tensors = useMemo(
    () => [{ label: 'tensors', color: seriesColor(0), values: metrics.map((m) => m.memory.numTensors) }],
    [metrics],
  );
  const megabytes = useMemo(() => {
    const mb = (b: number | undefined) => (b === undefined ? null : b / 2 ** 20);
    const out = [
      { label: 'tensor MB', color: seriesColor(3), values: metrics.map((m) => mb(m.memory.numBytes)) },
    ];
    if (history.some((m) => m.memory.numBytesInGPUAllocated !== undefined))
      out.push({
        label: 'GPU MB allocated',
        color: seriesColor(4),
        values: metrics.map((m) => mb(m.memory.numBytesInGPUAllocated)),
      });
    return out;
  }, [metrics, history]);
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
      <LineChart title="live tensors" x={steps} xLabel="step" series={tensors} testId="chart-tensors" />
      <LineChart title="memory" x={steps} xLabel="step" series={megabytes} testId="chart-memory" />
    </div>
  );
}
