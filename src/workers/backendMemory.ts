/**
 * The probe memory the workers hand to selectBackend: the winners kept in the store
 * (store/probeWinners.ts). Any storage failure means "not remembered", and the probe runs.
 */
import type { BackendName, ProbeMemory } from '../engine/backend';
import { getProbeWinner, putProbeWinner } from '../store/probeWinners';

const NAMES: readonly string[] = ['webgpu', 'webgl', 'wasm', 'cpu'] satisfies BackendName[];

export const backendMemory: ProbeMemory = {
  async get(key) {
    const name = await getProbeWinner(key);
    return name && NAMES.includes(name) ? (name as BackendName) : undefined;
  },
  set: (key, backend) => putProbeWinner(key, backend),
};

export { forgetProbeWinners } from '../store/probeWinners';
