import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  /** y values aligned with the shared x array; null = gap. */
  values: (number | null)[];
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
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');
  useEffect(() => {
    if (!el.current) return;
    plot.current = new uPlot(
      {
        title,
        width,
        height,
        scales: { x: { time: false } },
        axes: [{ label: xLabel }, { values: (_u, vals) => vals.map((v) => (v == null ? '' : String(+v.toPrecision(3)))) }],
        series: [
          { label: xLabel },
          ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, spanGaps: true })),
        ],
      },
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      el.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuild only when the set of series changes; data updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, title, width, height, xLabel]);
  useEffect(() => {
    plot.current?.setData([x, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [x, series]);
  return <div ref={el} data-testid={testId} data-points={x.length} />;
}
