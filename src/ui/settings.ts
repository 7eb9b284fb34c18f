import { budgetOnByDefault, budgetSlots } from '../data/cpuSlots';
import type { BackendName } from '../workers/api';

const BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const KEY = 'fkd.forcedBackend';

function parseBackend(v: string | null): BackendName | undefined {
  return BACKENDS.includes(v as BackendName) ? (v as BackendName) : undefined;
}

/** The URL parameter wins over the saved setting, so a link can pin a backend for a demo or a test. */
export function forcedBackend(): BackendName | undefined {
  return (
    parseBackend(new URLSearchParams(location.search).get('backend')) ??
    parseBackend(localStorage.getItem(KEY))
  );
}

export function forcedBackendSource(): 'url' | 'settings' | 'auto' {
  if (parseBackend(new URLSearchParams(location.search).get('backend'))) return 'url';
  return parseBackend(localStorage.getItem(KEY)) ? 'settings' : 'auto';
}

export function saveForcedBackend(b: BackendName | undefined): void {
  if (b) localStorage.setItem(KEY, b);
  else localStorage.removeItem(KEY);
}

export const ALL_BACKENDS = BACKENDS;

const AUTO_RESUME_KEY = 'fkd.autoResume';

/** Jobs a crash or kill interrupted restart by themselves at start-up unless the user turned it off. */
export function autoResumeJobs(): boolean {
  return localStorage.getItem(AUTO_RESUME_KEY) !== 'off';
}

export function saveAutoResumeJobs(on: boolean): void {
  if (on) localStorage.removeItem(AUTO_RESUME_KEY);
  else localStorage.setItem(AUTO_RESUME_KEY, 'off');
}

const CPU_BUDGET_KEY = 'fkd.cpuBudget';

function parseOnOff(v: string | null): boolean | undefined {
  return v === 'on' ? true : v === 'off' ? false : undefined;
}

/**
 * Whether the studio's compute leaves the page a core (data/cpuSlots.ts): the URL (?cpuBudget=on|off)
 * wins over the saved setting; by default on where the machine has at most 4 hardware threads.
 */
export function cpuBudgetOn(): boolean {
  return (
    parseOnOff(new URLSearchParams(location.search).get('cpuBudget')) ??
    parseOnOff(localStorage.getItem(CPU_BUDGET_KEY)) ??
    budgetOnByDefault(navigator.hardwareConcurrency)
  );
}

export function saveCpuBudget(on: boolean): void {
  localStorage.setItem(CPU_BUDGET_KEY, on ? 'on' : 'off');
}

/** The slots the workers get: all hardware threads but one, or 0 (no budget). */
export function cpuBudgetSlots(on = cpuBudgetOn()): number {
  return on ? budgetSlots(navigator.hardwareConcurrency) : 0;
}
