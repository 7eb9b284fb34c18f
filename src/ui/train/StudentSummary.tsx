import { useEffect, useState } from 'react';
import type { TrainConfig } from '../../core/recipe';
import type { ModelSummary } from '../../workers/api';
import { useStudio } from '../studio';

function si(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/** Params and FLOPs of the student as configured, built in the trainer worker (the UI has no tfjs). */
export function StudentSummary({
  cfg,
  numClasses,
}: {
  cfg: Pick<TrainConfig, 'arch' | 'inputSize' | 'channels' | 'width'>;
  numClasses: number;
}) {
  const studio = useStudio();
  const [summary, setSummary] = useState<ModelSummary | { error: string } | null>(null);
  const { arch, inputSize, channels, width } = cfg;
  useEffect(() => {
    let live = true;
    studio.trainer.api.describeStudent({ arch, inputSize, channels, width, numClasses }).then(
      (s) => live && setSummary(s),
      (e: unknown) => live && setSummary({ error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [studio, arch, inputSize, channels, width, numClasses]);
  if (!summary) return null;
  if ('error' in summary)
    return <div className="banner error">This student cannot be built: {summary.error}</div>;
  return (
    <details data-testid="student-summary">
      <summary className="muted">
        {arch}: {si(summary.trainableParams)} parameters · {si(summary.flops)}FLOPs per crop at{' '}
        {summary.inputSize}px · {summary.layers.length} layers
      </summary>
      <table className="grid">
        <thead>
          <tr>
            <th>layer</th>
            <th>type</th>
            <th>output</th>
            <th className="num">params</th>
            <th className="num">FLOPs</th>
          </tr>
        </thead>
        <tbody>
          {summary.layers.map((l) => (
            <tr key={l.name}>
              <td>{l.name}</td>
              <td>{l.type}</td>
              <td>{JSON.stringify(l.outputShape)}</td>
              <td className="num">{si(l.params)}</td>
              <td className="num">{si(l.flops)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
