/**
 * Backend selection, run INSIDE the worker that will do the work (WebGPU registration failed in a
 * SharedWorker and WebGL in a worker needs OffscreenCanvas, so only the worker knows: docs/tfjs-notes.md,
 * Workers). Preference: webgpu > webgl > wasm > cpu, with two exceptions (docs/tfjs-notes.md, Missing
 * kernels and gradients): wasm cannot train every depthwise conv (tfjs-backend-wasm 4.22 has no conv or
 * depthwise backprop kernels; wasmConvGrad.ts and wasmDepthwiseGrad.ts supply them, the depthwise ones
 * for dilation 1 only, which is what the studio's MobileNets and SReT use),
 * and a software WebGPU adapter (SwiftShader) can be slower than WebGL, so then we time a tiny probe of
 * every candidate and keep the fastest. Every rejected backend is reported with a human reason.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-wasm';
import { probeCurrentBackend, type ProbeJob } from './backendProbe';
import { patchWasmKernels } from './kernels/wasmPatches';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  limits: Record<string, number>;
}

export interface BackendReport {
  backend: string;
  reason: string;
  refused: { backend: string; reason: string }[];
  adapter?: AdapterReport;
  probeMs?: Record<string, number>;
}

export interface SelectBackendOptions {
  forced?: BackendName;
  job: ProbeJob;
  /** true: always time the candidates; false: never; unset: only when WebGPU is a software fallback. */
  probe?: boolean;
  /** Whether the model to train has conv layers (rules wasm out for training). Default true. */
  modelHasConvs?: boolean;
  /**
   * Whether it has depthwise convs wasm cannot train (a dilation above 1; the studio's students have
   * none). Default: modelHasConvs (an unknown conv model might).
   */
  modelHasDepthwise?: boolean;
  /**
   * Earlier probes' winners, kept by the caller (workers/backendMemory.ts): a probe that timed the same
   * candidates on the same browser and adapter is not run again. Unset: always time.
   */
  memory?: ProbeMemory;
}

/** Where probe winners are kept between page loads, by probeKey. Failures are the caller's to swallow. */
export interface ProbeMemory {
  get(key: string): Promise<BackendName | undefined>;
  set(key: string, backend: BackendName): Promise<void>;
}

/**
 * What a probe's answer depends on: the job and kind of model, the candidates that came up, the adapter
 * and the browser (its user agent names the version, so an update times again) and its core count.
 */
export function probeKey(
  opts: Pick<SelectBackendOptions, 'job' | 'modelHasConvs'>,
  usable: BackendName[],
  adapter: AdapterReport | undefined,
): string {
  const nav = (globalThis as { navigator?: { userAgent?: string; hardwareConcurrency?: number } }).navigator;
  return JSON.stringify([
    opts.job,
    opts.modelHasConvs ?? true,
    usable,
    adapter ? [adapter.vendor, adapter.architecture, adapter.device, adapter.description] : null,
    adapter?.isFallbackAdapter ?? null,
    nav?.userAgent ?? '',
    nav?.hardwareConcurrency ?? 0,
    tf.version.tfjs,
  ]);
}

const ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** True for a backend this module can select: what a stored probe winner must be to be trusted. */
export function isBackendName(name: unknown): name is BackendName {
  return typeof name === 'string' && (ORDER as readonly string[]).includes(name);
}
const LABEL: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

/** The bits of the WebGPU API we read; typed locally so the DOM lib version does not matter. */
interface GpuAdapterLike {
  info?: Partial<AdapterReport>;
  isFallbackAdapter?: boolean;
  limits?: Record<string, unknown>;
  requestAdapterInfo?: () => Promise<Partial<AdapterReport>>;
}

function isBrowserLike(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return g.document !== undefined || g.WorkerGlobalScope !== undefined;
}

/** Reads adapter info and limits ourselves: tfjs keeps its adapter private. */
export async function queryAdapter(): Promise<{ adapter?: AdapterReport; problem?: string }> {
  const nav = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } } })
    .navigator;
  if (!nav?.gpu) return { problem: 'navigator.gpu is not available (browser without WebGPU, or flag off)' };
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await nav.gpu.requestAdapter();
  } catch (e) {
    return { problem: `requestAdapter() failed: ${String(e)}` };
  }
  if (!adapter) return { problem: 'requestAdapter() returned no adapter (no usable GPU)' };
  // Chrome >= 121 has adapter.info; older builds only requestAdapterInfo(). isFallbackAdapter moved to
  // GPUAdapterInfo in newer Chrome, it used to sit on the adapter.
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.().catch(() => undefined)) ?? {};
  const limits: Record<string, number> = {};
  if (adapter.limits) {
    // GPUSupportedLimits exposes getters on its prototype: for..in walks them, Object.keys would not.
    for (const key in adapter.limits) {
      const v = adapter.limits[key];
      if (typeof v === 'number') limits[key] = v;
    }
  }
  return {
    adapter: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false),
      limits,
    },
  };
}

/** A fallback adapter, or SwiftShader reported without the flag (Chrome's --enable-unsafe-webgpu). */
export function isSoftwareAdapter(a: AdapterReport): boolean {
  return (
    a.isFallbackAdapter || /swiftshader/i.test(`${a.vendor} ${a.architecture} ${a.device} ${a.description}`)
  );
}

/** Why a backend cannot serve this job at all, before trying to initialise it. */
function staticRefusal(
  name: BackendName,
  opts: SelectBackendOptions,
  adapterProblem?: string,
): string | null {
  if (name === 'wasm' && opts.job === 'train' && (opts.modelHasDepthwise ?? opts.modelHasConvs ?? true)) {
    return 'WASM cannot train dilated depthwise conv layers (engine/kernels/wasmDepthwiseGrad.ts supplies the gradients for dilation 1 only)';
  }
  if (name === 'webgpu' && adapterProblem) return `WebGPU unavailable: ${adapterProblem}`;
  return null;
}

/** tf.setBackend, turned into a reason string on failure (unregistered, init error, or false). */
async function tryInit(name: BackendName): Promise<string | null> {
  if (tf.findBackendFactory(name) == null) {
    return name === 'webgl'
      ? 'WebGL is not registered here (tfjs registers it only in a browser context with a canvas)'
      : `${LABEL[name]} backend is not registered in this context`;
  }
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name ? null : `${LABEL[name]} failed to initialise`;
  } catch (e) {
    return `${LABEL[name]} failed to initialise: ${String(e)}`;
  }
}

let wasmPathsConfigured = false;

/**
 * Process-wide flags, wasm file locations (in a browser) and the studio's wasm kernel patches;
 * idempotent. Tests that train on wasm in Node call it too (testSetup.ts useWasm).
 */
export async function prepareBackends(): Promise<void> {
  // Threads give nothing on 2 cores and the pthread blob breaks under minification (docs/tfjs-notes.md).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!wasmPathsConfigured && isBrowserLike()) {
    const { configureWasmPaths } = await import('./wasmPaths');
    configureWasmPaths();
  }
  wasmPathsConfigured = true;
  patchWasmKernels();
}

export async function selectBackend(opts: SelectBackendOptions): Promise<BackendReport> {
  await prepareBackends();
  const refused: BackendReport['refused'] = [];
  const { adapter, problem } = await queryAdapter();
  const software = adapter ? isSoftwareAdapter(adapter) : false;
  const softwareNote =
    adapter && software ? `WebGPU adapter is a software fallback (${adapterName(adapter)})` : '';

  if (opts.forced) {
    const why = staticRefusal(opts.forced, opts, problem) ?? (await tryInit(opts.forced));
    if (why === null) {
      return { backend: opts.forced, reason: `${LABEL[opts.forced]} forced by the user`, refused, adapter };
    }
    refused.push({ backend: opts.forced, reason: `forced ${LABEL[opts.forced]} refused: ${why}` });
  }

  // Without a probe the first backend that initialises wins and the rest are left untouched (each
  // initialisation costs a GPU context); with a probe every candidate has to come up.
  const shouldProbe = opts.probe ?? software;
  const usable: BackendName[] = [];
  for (const name of ORDER) {
    if (name === opts.forced) continue;
    if (!shouldProbe && usable.length > 0) {
      refused.push({ backend: name, reason: `${LABEL[usable[0]]} is preferred` });
      continue;
    }
    const why = staticRefusal(name, opts, problem) ?? (await tryInit(name));
    if (why === null) usable.push(name);
    else refused.push({ backend: name, reason: why });
  }
  if (usable.length === 0)
    throw new Error(`no tfjs backend could be initialised: ${JSON.stringify(refused)}`);

  if (usable.length === 1) {
    const chosen = usable[0];
    await tf.setBackend(chosen);
    const reason =
      chosen === 'webgpu' && adapter
        ? `WebGPU on ${adapterName(adapter)}${softwareNote ? ' (software, the only candidate)' : ''}`
        : 'first usable backend in the order webgpu > webgl > wasm > cpu';
    return { backend: chosen, reason, refused, adapter };
  }

  const jobWord = opts.job === 'train' ? 'training' : 'inference';
  // A software GPU makes every page load time the candidates (seconds of shader compiles on
  // SwiftShader): the winner on this browser and adapter is remembered and used again.
  const key = probeKey(opts, usable, adapter);
  const remembered = await opts.memory?.get(key).catch(() => undefined);
  if (remembered && usable.includes(remembered)) {
    await tf.setBackend(remembered);
    for (const name of usable) {
      if (name !== remembered)
        refused.push({
          backend: name,
          reason: `${LABEL[remembered]} was timed faster for ${jobWord} on this browser before`,
        });
    }
    const why = softwareNote || 'candidates timed on request';
    return {
      backend: remembered,
      reason: `${why}: ${LABEL[remembered]}, fastest for ${jobWord} when timed on this browser before (Settings → Compute backend can time them again)`,
      refused,
      adapter,
    };
  }

  const probeMs: Record<string, number> = {};
  const convs = opts.modelHasConvs ?? true;
  for (const name of usable) {
    try {
      await tf.setBackend(name);
      probeMs[name] = await probeCurrentBackend(opts.job, convs);
    } catch (e) {
      refused.push({ backend: name, reason: `${LABEL[name]} failed the ${opts.job} probe: ${String(e)}` });
    }
  }
  const ranked = Object.keys(probeMs).sort((a, b) => probeMs[a] - probeMs[b]) as BackendName[];
  if (ranked.length === 0) throw new Error(`every backend failed its probe: ${JSON.stringify(refused)}`);
  const [winner, ...losers] = ranked;
  await opts.memory?.set(key, winner).catch(() => undefined);
  for (const name of losers) {
    const ratio = (probeMs[name] / probeMs[winner]).toFixed(1);
    const measured = `${LABEL[winner]} measured ${ratio}x faster for ${jobWord}`;
    refused.push({
      backend: name,
      reason: name === 'webgpu' && softwareNote ? `${softwareNote}; ${measured}` : measured,
    });
  }
  await tf.setBackend(winner);
  const why = softwareNote ? `${softwareNote}, so candidates were timed` : 'candidates were timed on request';
  return {
    backend: winner,
    reason: `${why}: ${LABEL[winner]} fastest for ${jobWord} (${probeMs[winner].toFixed(1)} ms/step)`,
    refused,
    adapter,
    probeMs,
  };
}

function adapterName(a: AdapterReport): string {
  if (/swiftshader/i.test(`${a.vendor} ${a.architecture} ${a.description}`)) return 'SwiftShader';
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'unknown adapter';
}
