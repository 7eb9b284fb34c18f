import { JobProgressBar } from '../components/JobProgressBar';
import { useJobs } from '../jobStore';
import { SpeedExplain } from '../teaching/formulas';

const PAPER: Record<string, string> = { vanilla: '579.36 s', onlineKd: '—', fkd: '486.77 s' };

/** The paper's speed table, measured here: seconds per epoch (one crop per image's worth of work). */
export function SpeedTableView() {
  const table = useJobs((s) => s.speed);
  const progress = useJobs((s) => s.speedProgress);
  const vanilla = table?.rows.find((r) => r.method === 'vanilla' && !r.error);
  return (
    <section className="panel" data-testid="speed-panel">
      <h2>Speed per epoch</h2>
      {!table && !progress && (
        <p className="muted" data-testid="speed-empty">
          Not measured yet: <em>Measure speed table</em> above times a few steps of each ticked method on this
          machine.
        </p>
      )}
      <SpeedExplain />
      <JobProgressBar progress={progress} />
      {table && (
        <table className="grid" data-testid="speed-table">
          <thead>
            <tr>
              <th>method</th>
              <th className="num">s / epoch ({table.numImages} images)</th>
              <th className="num">crops/s</th>
              <th className="num">vs vanilla</th>
              <th
                className="num"
                title="share of the time the training step waited for its images and labels: high means decoding, not the student, sets the pace"
              >
                waiting for data
              </th>
              <th className="num">paper (ResNet-50, 8×V100)</th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r) => (
              <tr key={r.method} data-testid="speed-row">
                <td>{r.method}</td>
                <td className="num">{r.error ? r.error : r.secondsPerEpoch.toFixed(2)}</td>
                <td className="num">{r.error ? '' : r.cropsPerSec.toFixed(1)}</td>
                <td className="num">
                  {vanilla && !r.error ? `${(r.secondsPerEpoch / vanilla.secondsPerEpoch).toFixed(2)}×` : ''}
                </td>
                <td className="num" data-testid="speed-wait">
                  {r.error || !r.phases || !(r.seconds > 0)
                    ? ''
                    : `${Math.round((100 * r.phases.waitInput) / r.seconds)} %`}
                </td>
                <td className="num">{PAPER[r.method]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {table && (
        <p className="muted">
          Backend {table.backend}; decode, crop and label work included, as in the paper.
        </p>
      )}
    </section>
  );
}
