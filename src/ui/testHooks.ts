/**
 * Hooks for end-to-end tests and benchmarks (Playwright drives the real app): the live studio (its
 * comlink worker APIs) and the store accessors. Nothing here is used by the UI itself.
 */
import * as Comlink from 'comlink';
import * as store from '../store';
import type { Studio } from './studio';

declare global {
  interface Window {
    __fkd?: { studio: () => Studio; store: typeof store; proxy: typeof Comlink.proxy };
  }
}

export function installTestHooks(getStudio: () => Studio): void {
  window.__fkd = { studio: getStudio, store, proxy: Comlink.proxy };
}
