import { useState } from 'react';
import type { BackendName } from '../../workers/api';
import { useStudio, type WorkerStatus } from '../studio';
import { ALL_BACKENDS, forcedBackend, forcedBackendSource, saveForcedBackend } from '../settings';
import { StoragePanel } from '../components/StoragePanel';

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

function FragmentPair({ k, v }: { k: string; v: string }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{v}</dd>
    </>
  );
}

export function SettingsView() {
  const { teacherStatus, trainerStatus } = useStudio();
  const [choice, setChoice] = useState<BackendName | ''>(
    forcedBackendSource() === 'settings' ? (forcedBackend() ?? '') : '',
  );
  return (
    <>
      <section className="panel">
        <h2>Compute backend</h2>
        <p className="muted">
          Each worker picks its own backend: WebGPU first, then WebGL, WASM, CPU. When the WebGPU adapter is a
          software fallback, a short timed probe picks the fastest for the job. You can force one here or with{' '}
          <code>?backend=</code> in the URL (the URL wins).
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
        </div>
        <AdapterPanel who="teacher" status={teacherStatus} />
        <AdapterPanel who="trainer" status={trainerStatus} />
      </section>
      <StoragePanel />
    </>
  );
}
