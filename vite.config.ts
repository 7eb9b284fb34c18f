import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Cross-origin isolation (COOP/COEP) makes SharedArrayBuffer and WASM threads available.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
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
