/**
 * bench:train's UI stretch: an FKD run started from the Train form and drawn by the Pipeline (live)
 * view, with the main thread measured meanwhile (bench/mainThread.ts: timer probe and Long Task API;
 * bench/mainThreadTrace.ts: each task's CPU time).
 */
import type { Page } from 'playwright-core';
import { note } from './harness';
import { startMainThreadProbe, stopMainThreadProbe, type MainThreadReport } from './mainThread';
import { traceMainThreadTasks, type TaskCpuReport } from './mainThreadTrace';
import { recordSched, schedWaits, type SchedReport } from './schedGaps';

export interface UiRunSpec {
  datasetName: string;
  seconds: number;
  width: number;
  inputSize: number;
  /** Record the OS scheduler over the stretch to this file (bench/schedGaps.ts). */
  schedFile?: string;
  /** Measure without the trace (bench:ui's --no-trace): the probe and Long Tasks only. */
  noTrace?: boolean;
}

/**
 * The real UI path: the Train form (FKD only, mlp, RGB), Start training, then the Pipeline (live) view,
 * which draws the batch being trained; the main thread is measured meanwhile, then the run is paused
 * through the worker API.
 */
export async function trainThroughUi(
  page: Page,
  spec: UiRunSpec,
): Promise<{
  mainThread: MainThreadReport;
  taskCpu: TaskCpuReport | null;
  waits: SchedReport | null;
  steps: number;
  seconds: number;
}> {
  const nav = (view: string) =>
    page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: view, exact: true }).click();
  await nav('Train');
  await page.getByLabel('method fkd').check();
  await page.getByLabel('method vanilla').uncheck();
  await page.getByLabel('method onlineKd').uncheck();
  await page.getByLabel('Train dataset').selectOption({ label: spec.datasetName });
  await page.getByLabel('Student', { exact: true }).selectOption('mlp');
  await page.getByLabel('Width', { exact: true }).fill(String(spec.width));
  await page.getByLabel('Input size').fill(String(spec.inputSize));
  await page.getByLabel('Student channels').selectOption('3');
  // Long enough to still be training when the observation window closes.
  await page.getByLabel('Epochs').fill('200');
  await page.getByLabel('numCrops').fill('4');
  await page.getByLabel('Batch').fill('32');
  await page.getByLabel('Max val images').fill('20');
  const schedDone = spec.schedFile ? recordSched(spec.schedFile, spec.seconds + 5) : null;
  await startMainThreadProbe(page);
  const stopTrace = spec.noTrace ? null : await traceMainThreadTasks(page);
  await page.getByRole('button', { name: 'Start training' }).click();
  await nav('Pipeline (live)');
  const t0 = Date.now();
  await page.waitForTimeout(spec.seconds * 1000);
  const mainThread = await stopMainThreadProbe(page);
  const taskCpu = stopTrace ? await stopTrace() : null;
  let waits: SchedReport | null = null;
  if (spec.schedFile && schedDone && taskCpu?.mainThread) {
    await schedDone();
    waits = schedWaits(spec.schedFile, taskCpu.mainThread.tid, taskCpu.browserPids);
  }
  const steps = await page.evaluate(async () => {
    const api = window.__fkd!.studio().trainer.api;
    const jobs = (await api.running()).filter((j) => j.startsWith('train:'));
    for (const j of jobs) await api.cancel(j);
    while ((await api.running()).some((j) => j.startsWith('train:')))
      await new Promise((r) => setTimeout(r, 200));
    const db = await window.__fkd!.store.openStudioDb();
    const runs = await window.__fkd!.store.listRuns(db);
    const latest = runs.sort((a, b) => b.createdAt - a.createdAt)[0];
    const id = jobs[0]?.slice('train:'.length) ?? latest?.id;
    const ckpt = id ? await window.__fkd!.store.latestCheckpoint(db, id) : undefined;
    const run = runs.find((r) => r.id === id) ?? runs[runs.length - 1];
    return { runs: runs.length, step: ckpt?.step ?? 0, status: run?.status, error: run?.error };
  });
  if (steps.runs === 0) throw new Error('the Train form did not start a run');
  if (steps.step === 0) note(`UI run: status ${steps.status}, error ${steps.error ?? '-'}`);
  return { mainThread, taskCpu, waits, steps: steps.step, seconds: (Date.now() - t0) / 1000 };
}
