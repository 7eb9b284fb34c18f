/**
 * Hooks for end-to-end tests and benchmarks (Playwright drives the real app): the live studio (its
 * comlink worker APIs) and the store accessors. Nothing here is used by the UI itself.
 */
import * as Comlink from 'comlink';
import { decodeImage } from '../data/decode';
import * as store from '../store';
import type { Studio } from './studio';

declare global {
  interface Window {
    __fkd?: {
      studio: () => Studio;
      store: typeof store;
      proxy: typeof Comlink.proxy;
      /** The workers' decoder, run on the page (e2e checks of the browser's own decode behaviour). */
      decodeImage: typeof decodeImage;
    };
  }
}

export function installTestHooks(getStudio: () => Studio): void {
  window.__fkd = { studio: getStudio, store, proxy: Comlink.proxy, decodeImage };
}
