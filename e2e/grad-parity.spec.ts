import { expect, test } from '@playwright/test';
import type { GradParityReport } from '../src/engine/gradParity';
import { goto, openStudio } from './helpers';

/**
 * Pitfall 6: every student layer type's loss and gradients on WebGPU (SwiftShader here, a real WebGPU code
 * path) and WebGL must match the cpu backend within the tolerance justified in src/engine/gradParity.ts.
 */
test('gradient parity: every student layer type, cpu vs webgpu and cpu vs webgl', async ({ page }) => {
  test.setTimeout(300_000);
  await openStudio(page);
  await goto(page, 'Settings');
  const panel = page.getByTestId('grad-parity');
  await panel.getByRole('button', { name: 'Diagnostics: gradient parity (cpu vs webgpu)' }).click();
  await expect(panel).toHaveAttribute('data-state', /done|error/, { timeout: 240_000 });
  await expect(panel.getByRole('alert')).toHaveCount(0);
  const report = JSON.parse((await panel.getAttribute('data-report')) ?? 'null') as GradParityReport;
  expect(report.reference).toBe('cpu');
  for (const c of report.comparisons) {
    console.log(`cpu vs ${c.backend} (${(c.ms / 1000).toFixed(1)} s)${c.error ? `: ${c.error}` : ''}`);
    for (const l of c.layers) {
      console.log(
        `  ${l.ok ? 'ok  ' : 'FAIL'} ${l.layer.padEnd(44)} ${((l.ms ?? 0) / 1000).toFixed(1).padStart(5)} s  maxAbs ${l.maxAbs.toExponential(2)}  maxRel ${l.maxRel.toExponential(2)}  (${l.worst})${l.error ? ` ${l.error}` : ''}`,
      );
    }
  }
  expect(report.comparisons.map((c) => c.backend)).toEqual(['webgpu', 'webgl']);
  for (const c of report.comparisons) {
    expect(c.error, `${c.backend} initialises`).toBeUndefined();
    expect(c.layers.length).toBeGreaterThanOrEqual(15);
    for (const l of c.layers) expect(l.ok, `${l.layer} on ${c.backend}: ${JSON.stringify(l)}`).toBe(true);
  }
  // The table shows the same verdict, one row per layer type and a cell per backend.
  const rows = panel.getByTestId('grad-parity-row');
  await expect(rows).toHaveCount(report.comparisons[0].layers.length);
  await expect(panel.locator('td[data-ok="false"]')).toHaveCount(0);
  await expect(panel).toHaveAttribute('data-ok', 'true');
  // The trainer worker still trains on its own backend afterwards (state restored, no stray job).
  const running = await page.evaluate(() => window.__fkd!.studio().trainer.api.running());
  expect(running).toEqual([]);
});
