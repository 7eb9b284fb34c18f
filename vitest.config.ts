import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // Vitest's default, one worker per core less one, is a single worker on a 2-core machine (CI):
    // the unit tests then ran one file at a time while a core idled.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
