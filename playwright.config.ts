import { defineConfig } from '@playwright/test';
import { SHARED_STATE } from './e2e/sharedState';

// Debian's Chromium, never a downloaded browser. WebGPU needs --enable-unsafe-webgpu headless.
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];

// E2E_PORT lets two e2e runs (e.g. a benchmark and the suite) share a machine.
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: './e2e',
  // Times the compute backends once for the whole suite (e2e/global-setup.ts).
  globalSetup: './e2e/global-setup.ts',
  timeout: 180_000,
  workers: 1,
  retries: 0,
  reporter: 'list',
  use: {
    baseURL: `http://localhost:${port}`,
    browserName: 'chromium',
    headless: true,
    storageState: SHARED_STATE,
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
  },
  webServer: {
    command: `FKD_TEST_HOOKS=1 npx vite build --outDir dist-e2e-${port} --emptyOutDir && npx vite preview --outDir dist-e2e-${port} --port ${port} --strictPort`,
    url: `http://localhost:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
  },
});
