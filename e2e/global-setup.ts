/**
 * Shared set-up for the e2e suite: one browser times the compute backends once (on SwiftShader that
 * is several seconds per worker start: engine/backend.ts) and every test's fresh context starts with
 * those winners remembered, as a returning user's browser would. Only the winners are carried over:
 * the studio's own database is deleted first, so each test still starts with no data. Tests of the
 * first start itself opt out with `test.use({ storageState: NO_STATE })`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, type FullConfig } from '@playwright/test';
import { chromiumArgs } from '../playwright.config';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/workers/trainConfig';
import { openStudio } from './helpers';
import { SHARED_STATE } from './sharedState';

export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL = config.projects[0].use.baseURL;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
  try {
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    await openStudio(page);
    // The trainer times again for a student without convs: remember that winner too.
    const mlp: TrainConfig = {
      ...DEFAULT_TRAIN_CONFIG,
      method: 'vanilla',
      arch: 'mlp',
      datasetId: 'embedded:fashion-mnist',
    };
    await page.evaluate((cfg) => window.__fkd!.studio().trainer.api.studentOnlyThroughput(cfg, 1), mlp);
    // Leave the app (its workers and connections go), then delete its data from a plain file's page.
    await page.goto('/datasets/index.json');
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const req = indexedDB.deleteDatabase('fkd-studio');
          req.onsuccess = () => resolve();
          req.onerror = () => reject(req.error ?? new Error('deleteDatabase failed'));
          req.onblocked = () => reject(new Error('fkd-studio still open'));
        }),
    );
    mkdirSync(dirname(SHARED_STATE), { recursive: true });
    await context.storageState({ path: SHARED_STATE, indexedDB: true });
  } finally {
    await browser.close();
  }
}
