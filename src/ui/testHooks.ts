/**
 * Hooks for end-to-end tests and benchmarks (Playwright drives the real app): the live studio (its
 * comlink worker APIs), the store accessors, and the open-folder path that the native picker hides
 * from Playwright. Installed only in a build made with FKD_TEST_HOOKS=1 (vite.config.ts): the
 * product build has no window.__fkd.
 */
import * as Comlink from 'comlink';
import { decodeImage } from '../data/decode';
import * as store from '../store';
import { openDirectory, openFiles } from './actions';
import { packDataset } from './packActions';
import { bmpImageFile } from '../core/bmp';
import { imageUrl } from './imageUrls';
import { jobStore, type JobsState } from './jobStore';
import type { Studio } from './studioTypes';

declare global {
  interface Window {
    __fkd?: {
      studio: () => Studio;
      store: typeof store;
      proxy: typeof Comlink.proxy;
      /** The workers' decoder, run on the page (e2e checks of the browser's own decode behaviour). */
      decodeImage: typeof decodeImage;
      /** How the live views show decoded pixels: a BMP file's URL (e2e checks Chromium's decode of it). */
      imageUrl: typeof imageUrl;
      bmpImageFile: typeof bmpImageFile;
      /** The live job state the views draw (benches read the jobs' progress from it). */
      jobs: () => JobsState;
      /** "Copy into studio storage" as the Data view runs it (benches pack a dataset with it). */
      pack: (datasetId: string) => Promise<void>;
    };
    /** Playwright cannot click the native picker, so it hands an OPFS handle here. */
    __fkdOpenDirectory?: (handle: FileSystemDirectoryHandle, name?: string) => Promise<string>;
    __fkdOpenFiles?: (files: File[], name: string) => Promise<string>;
  }
}

export function installTestHooks(getStudio: () => Studio): void {
  window.__fkd = {
    studio: getStudio,
    store,
    proxy: Comlink.proxy,
    decodeImage,
    imageUrl,
    bmpImageFile,
    jobs: jobStore.get,
    pack: (id) => packDataset(getStudio(), id),
  };
  window.__fkdOpenDirectory = (h, n) => openDirectory(getStudio(), h, n);
  window.__fkdOpenFiles = (f, n) => openFiles(getStudio(), f, n);
}
