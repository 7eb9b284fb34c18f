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
  build: {
    target: 'es2022',
    // The threaded WASM backend breaks under minification (see docs/architecture.md); keep it off.
    minify: false,
    chunkSizeWarningLimit: 4096,
  },
});
