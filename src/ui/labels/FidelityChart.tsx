import { specLabel, type FidelityPoint } from '../../core/fidelity';
import type { Codec, Precision } from '../../core/softLabel';

/** A student trained on one codec's labels: its accuracy sits on the same bytes-per-crop axis. */
export interface AccuracyPoint {
  codec: Codec;
  k: number;
  precision: Precision;
  bytesPerCrop: number;
  top1: number;
  runName: string;
}

export type ErrorMetric = 'maxAbsError' | 'meanKl';
export const METRIC_LABEL: Record<ErrorMetric, string> = {
  maxAbsError: 'max |q − p|',
  meanKl: 'mean KL(p ‖ q), nats',
};

export const CODEC_COLOR: Record<Codec, string> = {
  hard: '#b91c1c',
  smoothing: '#c2410c',
  msTopK: '#1d4ed8',
  mrTopK: '#7e22ce',
  full: '#15803d',
};

/** Errors this small draw on the chart's floor (log axis; float32 rounding is the limit anyway). */
const FLOOR = 1e-8;
const W = 620;
const H = 320;
const M = { left: 64, right: 64, top: 12, bottom: 44 };

function marker(precision: Precision, x: number, y: number, color: string) {
  const s = 5;
  switch (precision) {
    case 'f32':
      return <circle cx={x} cy={y} r={s} fill={color} />;
    case 'f16':
      return (
        <rect x={x - s} y={y - s} width={2 * s} height={2 * s} fill="none" stroke={color} strokeWidth={2} />
      );
    case 'q16':
      return (
        <polygon points={`${x},${y - s - 1} ${x + s + 1},${y + s} ${x - s - 1},${y + s}`} fill={color} />
      );
    case 'q8':
      return (
        <path
          d={`M${x - s},${y - s}L${x + s},${y + s}M${x + s},${y - s}L${x - s},${y + s}`}
          stroke={color}
          strokeWidth={2.5}
        />
      );
  }
}

const decades = (lo: number, hi: number) => {
  const out: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) out.push(e);
  return out;
};

/** 1-2-5 ticks (as log10 values) inside [lo, hi]: byte ranges often span less than a decade. */
const ticks125 = (lo: number, hi: number) =>
  decades(lo, hi)
    .flatMap((e) => [1, 2, 5].map((m) => Math.log10(m) + e))
    .filter((t) => t >= lo && t <= hi);

/**
 * Bytes per crop (log x) against recovered-target error (log y, left) for every codec × precision;
 * students' top-1 accuracy (right axis, diamonds) where short runs were trained. Colour is the codec,
 * marker the precision. The table beside it carries the same numbers as text.
 */
export function FidelityChart({
  points,
  accuracy,
  metric,
  ownSpec,
}: {
  points: FidelityPoint[];
  accuracy: AccuracyPoint[];
  metric: ErrorMetric;
  ownSpec?: { codec: Codec; precision: Precision };
}) {
  const xs = points.map((p) => Math.log10(p.bytesPerCrop));
  const ys = points.map((p) => Math.log10(Math.max(FLOOR, p[metric])));
  const [x0, x1] = [Math.min(...xs) - 0.1, Math.max(...xs) + 0.1];
  const [y0, y1] = [Math.min(...ys) - 0.3, Math.max(...ys) + 0.3];
  const accs = accuracy.map((a) => a.top1);
  const a0 = accs.length ? Math.max(0, Math.floor(Math.min(...accs) * 10 - 0.5) / 10) : 0;
  const a1 = accs.length ? Math.min(1, Math.ceil(Math.max(...accs) * 10 + 0.5) / 10) : 1;
  const px = (lx: number) => M.left + ((lx - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (ly: number) => H - M.bottom - ((ly - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const pa = (a: number) => H - M.bottom - ((a - a0) / Math.max(1e-9, a1 - a0)) * (H - M.top - M.bottom);
  const summary =
    `Scatter chart: bytes per crop against ${METRIC_LABEL[metric]} for ${points.length} codec and precision ` +
    `combinations${accuracy.length ? ` and top-1 accuracy of ${accuracy.length} short student runs` : ''}; the table below lists every value.`;
  return (
    <svg
      width={W}
      height={H}
      role="img"
      aria-label={summary}
      data-testid="fidelity-chart"
      style={{ background: '#fff', border: '1px solid var(--line)', borderRadius: 6 }}
    >
      {ticks125(x0, x1).map((e) => (
        <g key={`x${e}`}>
          <line x1={px(e)} x2={px(e)} y1={M.top} y2={H - M.bottom} stroke="#e4e7ec" />
          <text x={px(e)} y={H - M.bottom + 16} fontSize={11} textAnchor="middle" fill="#344054">
            {+(10 ** e).toPrecision(1)} B
          </text>
        </g>
      ))}
      {decades(y0, y1)
        .filter((e) => e >= y0 && e <= y1)
        .map((e) => (
          <g key={`y${e}`}>
            <line x1={M.left} x2={W - M.right} y1={py(e)} y2={py(e)} stroke="#e4e7ec" />
            <text x={M.left - 6} y={py(e) + 4} fontSize={11} textAnchor="end" fill="#344054">
              1e{e}
            </text>
          </g>
        ))}
      <text x={(M.left + W - M.right) / 2} y={H - 8} fontSize={12} textAnchor="middle" fill="#1f2328">
        bytes per crop (label record, log scale)
      </text>
      <text
        transform={`translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)`}
        fontSize={12}
        textAnchor="middle"
        fill="#1f2328"
      >
        {METRIC_LABEL[metric]} (log)
      </text>
      {accuracy.length > 0 && (
        <>
          {[a0, (a0 + a1) / 2, a1].map((a) => (
            <text key={a} x={W - M.right + 6} y={pa(a) + 4} fontSize={11} fill="#344054">
              {(100 * a).toFixed(0)}%
            </text>
          ))}
          <text
            transform={`translate(${W - 16} ${(M.top + H - M.bottom) / 2}) rotate(90)`}
            fontSize={12}
            textAnchor="middle"
            fill="#1f2328"
          >
            student top-1 (◆)
          </text>
        </>
      )}
      {points.map((p, i) => {
        const own = ownSpec?.codec === p.codec && ownSpec.precision === p.precision;
        return (
          <g
            key={`${p.codec}-${p.precision}`}
            data-testid="fidelity-point"
            data-codec={p.codec}
            data-precision={p.precision}
          >
            <title>
              {`${specLabel(p)}: ${p.bytesPerCrop.toFixed(1)} B/crop, max |q − p| ${p.maxAbsError.toExponential(2)}, mean KL ${p.meanKl.toExponential(2)}${own ? ' (this label set)' : ''}`}
            </title>
            {own && (
              <circle
                cx={px(xs[i])}
                cy={py(ys[i])}
                r={10}
                fill="none"
                stroke="#111827"
                strokeDasharray="2 2"
              />
            )}
            {marker(p.precision, px(xs[i]), py(ys[i]), CODEC_COLOR[p.codec])}
          </g>
        );
      })}
      {accuracy.map((a) => {
        const x = px(Math.log10(a.bytesPerCrop));
        const y = pa(a.top1);
        return (
          <g key={a.runName} data-testid="fidelity-accuracy">
            <title>{`${a.runName}: ${specLabel(a)}, top-1 ${(100 * a.top1).toFixed(1)}%`}</title>
            <polygon
              points={`${x},${y - 7} ${x + 7},${y} ${x},${y + 7} ${x - 7},${y}`}
              fill={CODEC_COLOR[a.codec]}
              stroke="#111827"
            />
          </g>
        );
      })}
    </svg>
  );
}

export function FidelityLegend() {
  return (
    <div className="row muted" style={{ fontSize: 12 }} aria-hidden="true">
      {(Object.keys(CODEC_COLOR) as Codec[]).map((c) => (
        <span key={c}>
          <span style={{ color: CODEC_COLOR[c], fontWeight: 700 }}>■</span> {c}
        </span>
      ))}
      <span>● f32 · □ f16 · ▲ q16 · ✕ q8 · ◆ student top-1 · dashed ring: this label set</span>
    </div>
  );
}
