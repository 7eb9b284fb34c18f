import { join } from 'node:path';

/**
 * Written by global-setup.ts: the remembered backend winners every test's context starts with. One
 * file per port, so two suites on one machine (E2E_PORT) keep their own.
 */
export const SHARED_STATE = join(
  process.cwd(),
  'node_modules',
  '.cache',
  'fkd-e2e',
  `state-${process.env.E2E_PORT ?? 4173}.json`,
);

/** A first start: no remembered winners (the storage state of a fresh profile). */
export const NO_STATE = { cookies: [], origins: [] };
