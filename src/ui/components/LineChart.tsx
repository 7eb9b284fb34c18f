import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  /** y values aligned with the shared x array; null = gap. */
  values: (number | null)[];
}

/**
 * A long run logs thousands of points; uPlot redraws them all on every update, a long main-thread task
 * (docs/results.md, bench:train). At most this many points are drawn: every k-th, and always the latest.
 */
const MAX_POINTS = 600;

function thin<T>(cols: T[][]): T[][] {
  const n = cols[0]?.length ?? 0;
  if (n <= MAX_POINTS) return cols;
  const stride = Math.ceil(n / MAX_POINTS);
  const keep: number[] = [];
  for (let i = 0; i < n - 1; i += stride) keep.push(i);
  keep.push(n - 1);
  return cols.map((c) => keep.map((i) => c[i]));
}

/** Steps and epochs are whole numbers: x ticks at 1, 2, 5, 10, 20, 50, ... (never 1.2, 1.4, ...). */
const INTEGER_INCRS = [1, 2, 5]
  .flatMap((m) => [1, 10, 100, 1000, 10000, 100000].map((p) => m * p))
  .sort((a, b) => a - b);

/**
 * At most one redraw per chart per this many ms: seven live charts each redrawn with every metrics
 * update kept the page's thread busy under full load (bench:ui); once a second is enough to watch a run.
 */
const REDRAW_MS = 1000;

const COLORS = ['#1d4ed8', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
export const seriesColor = (i: number) => COLORS[i % COLORS.length];

/** A thin React wrapper over uPlot (a maintained chart library): axes, legend and cursor come from it. */
export function LineChart({
  title,
  x,
  xLabel,
  series,
  height = 200,
  width = 420,
  testId,
}: {
  title: string;
  x: number[];
  xLabel: string;
  series: Series[];
  height?: number;
  width?: number;
  testId?: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');
  useEffect(() => {
    const host = el.current;
    if (!host) return;
    // Each chart is built in its own task: a view's seven charts built in its mount made one long task.
    const build = setTimeout(() => {
      plot.current = new uPlot(
        {
          title,
          width,
          height,
          scales: { x: { time: false } },
          axes: [
            { label: xLabel, incrs: INTEGER_INCRS },
            { values: (_u, vals) => vals.map((v) => (v == null ? '' : String(+v.toPrecision(3)))) },
          ],
          series: [
            { label: xLabel },
            ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, spanGaps: true })),
          ],
        },
        thin([x, ...series.map((s) => s.values)]) as uPlot.AlignedData,
        host,
      );
    }, 0);
    return () => {
      clearTimeout(build);
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuild only when the set of series changes; data updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, title, width, height, xLabel]);
  // Redraws are throttled and each chart redraws in its own task: five charts redrawn together in
  // React's commit made one long main-thread task per progress update (bench:train trace).
  // The data is thinned when drawn, not on every update: updates come faster than redraws.
  const pending = useRef<{ x: number[]; series: Series[] } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastDraw = useRef(0);
  useEffect(() => {
    pending.current = { x, series };
    if (timer.current !== null) return;
    const wait = Math.max(0, lastDraw.current + REDRAW_MS - performance.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      lastDraw.current = performance.now();
      const p = pending.current;
      pending.current = null;
      if (p && plot.current)
        plot.current.setData(thin([p.x, ...p.series.map((s) => s.values)]) as uPlot.AlignedData);
    }, wait);
  }, [x, series]);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  return <div ref={el} data-testid={testId} data-points={x.length} />;
}
