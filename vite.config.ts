/// <reference types="vitest/config" />
import { availableParallelism } from 'node:os';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Cross-origin isolation (COOP/COEP) makes SharedArrayBuffer and WASM threads available.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  // Test hooks (window.__fkd) are compiled in only for e2e and benchmark builds: FKD_TEST_HOOKS=1.
  define: { __FKD_TEST_HOOKS__: JSON.stringify(process.env.FKD_TEST_HOOKS === '1') },
  server: { headers: crossOriginIsolation, port: 5173 },
  preview: { headers: crossOriginIsolation, port: 4173, strictPort: true },
  worker: { format: 'es' },
  optimizeDeps: {
    // tfjs is only discovered inside workers; pre-bundle it so the first load does not reload.
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      'comlink',
      'idb',
    ],
  },
  test: {
    // Vitest's default, one worker per core less one, is a single worker on a 2-core machine (CI):
    // the unit tests then run one file at a time while a core idles (232 s against 145 s with two).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
  build: {
    target: 'es2022',
    // The threaded WASM backend breaks under minification (see docs/architecture.md); keep it off.
    minify: false,
    chunkSizeWarningLimit: 4096,
  },
});
