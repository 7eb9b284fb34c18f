import { useCallback, useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { canvasFrames } from '../canvasFrames';
import { Coalescer } from '../coalesce';
import { useOnScreen } from '../onScreen';

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

/** Which of n points are drawn: all up to MAX_POINTS, else every k-th and always the latest (null: all). */
function drawnIndices(n: number): number[] | null {
  if (n <= MAX_POINTS) return null;
  const stride = Math.ceil(n / MAX_POINTS);
  const keep: number[] = [];
  for (let i = 0; i < n - 1; i += stride) keep.push(i);
  keep.push(n - 1);
  return keep;
}

function thin<T>(cols: T[][]): T[][] {
  const keep = drawnIndices(cols[0]?.length ?? 0);
  return keep ? cols.map((c) => keep.map((i) => c[i])) : cols;
}

/**
 * The rows of a long history that a chart would draw, for a caller that builds several series from it:
 * built from these alone, each series is at most MAX_POINTS long instead of the history's length, less
 * garbage for the page's collector (a major GC is the page's longest task under load, bench:ui).
 */
export function drawnRows<T>(rows: T[]): T[] {
  const keep = drawnIndices(rows.length);
  return keep ? keep.map((i) => rows[i]) : rows;
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
const redraws = new Coalescer(REDRAW_MS);

/**
 * Runs `build` (a uPlot constructor) with its canvas's 2-D context memory-backed. uPlot asks for a plain
 * context, which Chromium puts on the GPU; every redraw then costs the compositor's commit a copy of the
 * canvas's GPU resource on the page's main thread (up to 18 ms a frame for a run's seven curves under load,
 * with no GPU: bench:ui), where a memory-backed canvas is painted with the page. The override lasts only
 * for the synchronous constructor, which is where uPlot gets its one context.
 */
function memoryBackedCanvas<T>(build: () => T): T {
  const proto = HTMLCanvasElement.prototype;
  const getContext = proto.getContext;
  proto.getContext = function (this: HTMLCanvasElement, kind: string, options?: object) {
    const settings = kind === '2d' ? { willReadFrequently: true, ...options } : options;
    return (getContext as (k: string, o?: object) => RenderingContext | null).call(this, kind, settings);
  } as typeof proto.getContext;
  try {
    return build();
  } finally {
    proto.getContext = getContext;
  }
}

/** What a chart draws of its latest data: the x column and each series' values, thinned. */
function drawnData(d: { x: number[]; series: Series[] }): uPlot.AlignedData {
  return thin([d.x, ...d.series.map((s) => s.values)]) as uPlot.AlignedData;
}

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
  const [watch, onScreen] = useOnScreen<HTMLDivElement>();
  const plot = useRef<uPlot | null>(null);
  // The data a build or redraw draws when its frame comes, not when it was queued.
  const latest = useRef({ x, series });
  useEffect(() => {
    latest.current = { x, series };
  }, [x, series]);
  const shape = series.map((s) => s.label).join('|');
  useEffect(() => {
    const host = el.current;
    if (!host) return;
    // Built one canvas a frame (canvasFrames.ts): a view's seven charts built at its mount made one
    // long task, and then one long commit.
    const cancel = canvasFrames.draw(host, () => {
      plot.current = memoryBackedCanvas(
        () =>
          new uPlot(
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
                ...latest.current.series.map((s) => ({
                  label: s.label,
                  stroke: s.color,
                  width: 1.5,
                  spanGaps: true,
                })),
              ],
            },
            drawnData(latest.current),
            host,
          ),
      );
    });
    return () => {
      cancel();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuild only when the set of series changes; data updates go through setData below.
  }, [shape, title, width, height, xLabel]);
  // Redraws are throttled (updates come faster than redraws), the data thinned when drawn, and the
  // page's charts, due together once a second, are drawn one a frame (canvasFrames.ts): seven charts
  // each on its own timer made seven tasks a second, and all seven in one frame a 15-19 ms commit.
  // Off screen (onScreen.ts) a chart keeps its last drawing and draws the latest data when it is back.
  // A redraw already queued when the chart leaves the screen is dropped at its turn (visible.current).
  const visible = useRef(onScreen);
  useEffect(() => {
    visible.current = onScreen;
    if (!onScreen) return;
    redraws.schedule(plot, () =>
      canvasFrames.draw(plot, () => {
        if (plot.current && visible.current) plot.current.setData(drawnData(latest.current));
      }),
    );
  }, [x, series, onScreen]);
  useEffect(() => () => redraws.cancel(plot), []);
  const ref = useCallback(
    (node: HTMLDivElement | null) => {
      el.current = node;
      watch(node);
    },
    [watch],
  );
  return (
    <div
      ref={ref}
      className="line-chart"
      data-testid={testId}
      data-points={x.length}
      data-on-screen={onScreen}
    />
  );
}
