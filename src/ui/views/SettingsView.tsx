import { useState } from 'react';
import type { GradParityReport } from '../../workers/api';
import type { BackendName } from '../../workers/api';
import { useStudio, type WorkerStatus } from '../studio';
import {
  ALL_BACKENDS,
  autoResumeJobs,
  forcedBackend,
  forcedBackendSource,
  saveAutoResumeJobs,
  saveForcedBackend,
} from '../settings';
import { StoragePanel } from '../components/StoragePanel';
import { CpuBudgetPanel } from '../components/CpuBudgetPanel';
import { ErrorBanner } from '../components/ErrorBanner';

function AdapterPanel({ who, status }: { who: string; status: WorkerStatus }) {
  if (status.state !== 'ready') return null;
  const { report } = status;
  return (
    <div data-testid={`adapter-${who}`}>
      <h3>
        {who} worker: {report.backend}
      </h3>
      <dl className="kv">
        <dt>why</dt>
        <dd>{report.reason}</dd>
        {report.refused.map((r) => (
          <FragmentPair key={r.backend} k={`not ${r.backend}`} v={r.reason} />
        ))}
        {report.probeMs &&
          Object.entries(report.probeMs).map(([b, ms]) => (
            <FragmentPair key={b} k={`probe ${b}`} v={`${ms.toFixed(1)} ms`} />
          ))}
        {report.adapter && (
          <>
            <dt>WebGPU adapter</dt>
            <dd>
              {[
                report.adapter.vendor,
                report.adapter.architecture,
                report.adapter.device,
                report.adapter.description,
              ]
                .filter(Boolean)
                .join(' · ') || 'unnamed'}
              {report.adapter.isFallbackAdapter ? ' (software fallback)' : ''}
            </dd>
            {Object.entries(report.adapter.limits)
              .filter(([k]) =>
                /maxBufferSize|maxStorageBufferBindingSize|maxComputeWorkgroupsPerDimension|maxStorageBuffersPerShaderStage|maxComputeInvocationsPerWorkgroup/.test(
                  k,
                ),
              )
              .map(([k, v]) => (
                <FragmentPair key={k} k={k} v={v.toLocaleString()} />
              ))}
          </>
        )}
      </dl>
    </div>
  );
}

const PARITY_BACKENDS = ['cpu', 'webgpu', 'webgl'];

const fmt = (v: number) => (Number.isFinite(v) ? v.toExponential(1) : String(v));

/** Runs the trainer worker's gradient parity check (engine/gradParity.ts) and tabulates it per layer type. */
function GradParityPanel() {
  const { trainer, trainerStatus } = useStudio();
  const [state, setState] = useState<'idle' | 'running' | 'done' | 'error'>('idle');
  const [report, setReport] = useState<GradParityReport | null>(null);
  const [error, setError] = useState('');
  const run = async () => {
    setState('running');
    setError('');
    try {
      setReport(await trainer.api.gradientParity(PARITY_BACKENDS));
      setState('done');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setState('error');
    }
  };
  const layers = report?.comparisons.find((c) => c.layers.length > 0)?.layers.map((l) => l.layer) ?? [];
  return (
    <section
      className="panel"
      data-testid="grad-parity"
      data-state={state}
      data-ok={report ? String(report.ok) : undefined}
      data-report={report ? JSON.stringify(report) : undefined}
    >
      <h2>Diagnostics</h2>
      <p className="muted">
        Loss and gradients (input, weights) plus BatchNorm statistics of every student layer type on tiny
        fixed inputs, on cpu and on each GPU backend. A layer passes when max |diff| &le;{' '}
        {report?.tolerance.abs ?? 1e-5} + {report?.tolerance.rel ?? 1e-4} &times; max |cpu value|: float32
        summation order differs between backends, a wrong gradient kernel is off by far more. Switches the
        trainer&apos;s backend meanwhile.
      </p>
      <button disabled={state === 'running' || trainerStatus.state !== 'ready'} onClick={() => void run()}>
        Diagnostics: gradient parity (cpu vs webgpu)
      </button>
      {state === 'running' && <span className="muted"> running on {PARITY_BACKENDS.join(', ')}…</span>}
      <ErrorBanner error={error} />
      {report && (
        <table className="grid">
          <thead>
            <tr>
              <th>layer type</th>
              {report.comparisons.map((c) => (
                <th key={c.backend} className="num" data-ok={String(c.ok)}>
                  {report.reference} vs {c.backend}: max abs / max rel
                  {c.error ? ` (${c.error})` : ` (${(c.ms / 1000).toFixed(1)} s)`}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {layers.map((name, i) => (
              <tr key={name} data-testid="grad-parity-row" data-layer={name}>
                <td>{name}</td>
                {report.comparisons.map((c) => {
                  const l = c.layers[i];
                  return (
                    <td
                      key={c.backend}
                      className="num"
                      data-backend={c.backend}
                      data-ok={String(l?.ok ?? false)}
                    >
                      {!l
                        ? 'not run'
                        : l.error
                          ? l.error
                          : `${l.ok ? '✓' : '✗'} ${fmt(l.maxAbs)} / ${fmt(l.maxRel)}`}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function FragmentPair({ k, v }: { k: string; v: string }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{v}</dd>
    </>
  );
}

/** Whether jobs a crash or kill interrupted resume by themselves when the studio opens again. */
function JobsPanel() {
  const [on, setOn] = useState(autoResumeJobs);
  return (
    <section className="panel">
      <h2>Jobs</h2>
      <label>
        <input
          type="checkbox"
          checked={on}
          onChange={(e) => {
            setOn(e.target.checked);
            saveAutoResumeJobs(e.target.checked);
          }}
        />{' '}
        Resume interrupted jobs when the studio opens
      </label>
      <p className="muted">
        A generation, training run or folder index that was running when the browser or tab crashed or was
        killed resumes by itself on the next start: soft labels at the first unlabelled image, a run from its
        last checkpoint, an index after its last finished class folder. Off: they wait, paused, for Resume.
      </p>
    </section>
  );
}

export function SettingsView() {
  const studio = useStudio();
  const { teacherStatus, trainerStatus } = studio;
  const [choice, setChoice] = useState<BackendName | ''>(
    forcedBackendSource() === 'settings' ? (forcedBackend() ?? '') : '',
  );
  return (
    <>
      <section className="panel">
        <h2>Compute backend</h2>
        <p className="muted">
          Each worker picks its own backend: WebGPU first, then WebGL, WASM, CPU. When the WebGPU adapter is a
          software fallback, a short timed probe picks the fastest for the job, and the winner is remembered
          for this browser and adapter (a browser update or another GPU times them again). You can force one
          here or with <code>?backend=</code> in the URL (the URL wins).
        </p>
        <div className="row">
          <label className="field">
            Force backend
            <select
              aria-label="Force backend"
              value={choice}
              onChange={(e) => setChoice(e.target.value as BackendName | '')}
            >
              <option value="">automatic</option>
              {ALL_BACKENDS.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
          </label>
          <button
            className="primary"
            onClick={() => {
              saveForcedBackend(choice || undefined);
              location.reload();
            }}
          >
            Apply (reloads workers)
          </button>
          <button
            onClick={() => {
              void studio.teacher.api.forgetProbeWinners().finally(() => location.reload());
            }}
          >
            Time the backends again (reloads workers)
          </button>
        </div>
        <AdapterPanel who="teacher" status={teacherStatus} />
        <AdapterPanel who="trainer" status={trainerStatus} />
      </section>
      <JobsPanel />
      <CpuBudgetPanel />
      <GradParityPanel />
      <StoragePanel />
    </>
  );
}
