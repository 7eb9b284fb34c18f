import { expect, type Page } from '@playwright/test';

/** Opens the studio and waits until both workers chose a backend and the embedded datasets are indexed. */
export async function openStudio(page: Page, query = '', backendTimeout = 60_000): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/${query}`);
  await expect(page.getByTestId('backend-teacher')).toHaveAttribute('data-backend', /.+/, {
    timeout: backendTimeout,
  });
  await expect(page.getByTestId('backend-trainer')).toHaveAttribute('data-backend', /.+/, {
    timeout: backendTimeout,
  });
  await expect
    .poll(() => embeddedIndexed(page), { timeout: 60_000, message: 'embedded datasets indexed' })
    .toBeGreaterThanOrEqual(3);
  expect(errors).toEqual([]);
}

/** Number of datasets in the studio's IndexedDB. */
export function embeddedIndexed(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const req = indexedDB.open('fkd-studio');
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('datasets')) return resolve(0);
          const c = db.transaction('datasets').objectStore('datasets').count();
          c.onsuccess = () => {
            resolve(c.result);
            db.close();
          };
        };
        req.onerror = () => resolve(0);
      }),
  );
}

export async function goto(page: Page, view: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Views' })
    .getByRole('button', { name: view, exact: true })
    .click();
}

/** Every run in the store: method, status, last checkpoint step and how many evaluations it logged. */
export function runStates(page: Page) {
  return page.evaluate(async () => {
    const { store } = window.__fkd!;
    const db = await store.openStudioDb();
    const runs = await store.listRuns(db);
    return Promise.all(
      runs.map(async (r) => ({
        id: r.id,
        name: r.name,
        method: r.method,
        status: r.status,
        checkpointStep: (await store.latestCheckpoint(db, r.id))?.step ?? 0,
        evals: r.history.filter((h) => h.valTop1 !== undefined).length,
      })),
    );
  });
}
