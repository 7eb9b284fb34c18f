/**
 * The probe memory the workers hand to selectBackend: the winners kept in the store
 * (store/probeWinners.ts). Any storage failure means "not remembered", and the probe runs.
 */
import { isBackendName, type ProbeMemory } from '../engine/backend';
import { getProbeWinner, putProbeWinner } from '../store/probeWinners';

export const backendMemory: ProbeMemory = {
  async get(key) {
    const name = await getProbeWinner(key);
    return isBackendName(name) ? name : undefined;
  },
  set: (key, backend) => putProbeWinner(key, backend),
};

export { forgetProbeWinners } from '../store/probeWinners';
