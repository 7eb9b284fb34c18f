/**
 * bench:ui: is the page still answering while the machine is at full load? Soft-label generation
 * (the CNN teacher over the embedded WebDataset copy, started from the Soft labels view) and FKD
 * training (the default student on the embedded set, started from the Train view) run at once, while
 * the bench visits every live view in turn (Soft labels: the generation's live crops; Train: the run
 * monitor and curves; Pipeline: the live batch), clicking between them and typing in the forms.
 * Measured on the main thread (bench/mainThread.ts): the longest delay seen by a 5-ms timer probe
 * and by the Long Task API, and each click's and keystroke's latency to the next frame. Goals: no
 * delay over 50 ms; every input answered within 100 ms. A trace of the main thread's tasks gives each
 * task's CPU time besides (bench/mainThreadTrace.ts), which a loaded machine does not inflate.
 * `--profile` adds a sampling CPU profile of the main thread (bench/cpuProfile.ts): where its time
 * goes, by function.
 *
 * `--cpu-budget off` turns the studio's CPU budget (data/cpuSlots.ts, Settings → CPU) off for the run
 * (on by default on a machine of 4 hardware threads or fewer); the jobs' rates over the measured
 * stretch are printed, so two runs compare throughput as well as the page's delays.
 *
 * `--sched FILE` records the OS scheduler over the measured stretch (`perf sched record`, CLOCK_MONOTONIC,
 * the trace's clock) so a probe gap can be looked up in `perf sched timehist -i FILE`: whether the
 * main thread waited for a core, and who had the cores.
 *
 * `--no-trace` measures without the trace (the probe, Long Tasks and inputs only): the trace streams every
 * task and mojo message of every Chromium thread to the bench while it measures, which loads the browser's
 * IO thread and the bench's own process on the same two cores, so the probe's figures are the untraced
 * run's; a traced run is for saying what held a gap.
 *
 * `--watch VIEW` stays on one view (e.g. 'Pipeline (live)') with no input instead of visiting them all:
 * what that live view costs the page by itself, without the visits' view switches and typing.
 *
 *   npx tsx bench/ui.ts [--seconds 45] [--profile] [--cpu-budget on|off] [--sched FILE] [--watch VIEW] [--no-trace]
 */
import type { Page } from 'playwright-core';
import { profileMainThread, type ProfileSummary } from './cpuProfile';
import { arg, note, round, runBench, table, VIEWPORT } from './harness';
import { generateLabels } from './studioJobs';
import {
  describeGapCauses,
  describeMainThread,
  startMainThreadProbe,
  stopMainThreadProbe,
} from './mainThread';
import { describeTasks, traceMainThreadTasks } from './mainThreadTrace';
import {
  describeWaits,
  recordSched,
  schedFileArg,
  schedWaits,
  waitsJson,
  type SchedReport,
} from './schedGaps';
import { gapsJson } from './traceGaps';

const SECONDS = arg('seconds', 45);
const PROFILE = process.argv.includes('--profile');
const budgetFlag = process.argv.indexOf('--cpu-budget');
const CPU_BUDGET = budgetFlag > 0 ? process.argv[budgetFlag + 1] : undefined;
if (CPU_BUDGET !== undefined && CPU_BUDGET !== 'on' && CPU_BUDGET !== 'off')
  throw new Error(`--cpu-budget takes on or off, got ${CPU_BUDGET}`);
const SCHED_FILE = schedFileArg();
const NO_TRACE = process.argv.includes('--no-trace');
if (NO_TRACE && SCHED_FILE) throw new Error('--sched needs the trace (it finds the main thread there)');
const LIVE_VIEWS = ['Soft labels', 'Train', 'Pipeline (live)'] as const;
/** Views --watch may stay on: the live ones, and Settings (no live view: what the jobs cost the page alone). */
const WATCHABLE = [...LIVE_VIEWS, 'Settings'];
const watchFlag = process.argv.indexOf('--watch');
const WATCH = watchFlag > 0 ? process.argv[watchFlag + 1] : undefined;
if (WATCH !== undefined && !WATCHABLE.includes(WATCH))
  throw new Error(`--watch takes one of ${WATCHABLE.join(', ')}, got ${WATCH}`);

const nav = (page: Page, view: string) =>
  page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: view, exact: true }).click();

/** Starts a long generation from the Soft labels view (the CNN teacher, 64 crops per image). */
async function startGeneration(page: Page): Promise<void> {
  await nav(page, 'Soft labels');
  await page
    .getByLabel('Dataset', { exact: true })
    .selectOption({ label: 'Fashion-MNIST 2k (WebDataset) (2000 train)' });
  await page.getByLabel('Teacher', { exact: true }).selectOption('embedded:fashion-cnn-teacher');
  await page.getByLabel('Crops per image').fill('64');
  await page.getByRole('button', { name: 'Generate soft labels' }).click();
  await page
    .getByTestId('generation-live')
    .getByTestId('image-with-boxes')
    .first()
    .waitFor({ timeout: 120_000 });
}

/** Starts FKD training from the Train view on the embedded set with its (already generated) labels. */
async function startTraining(page: Page): Promise<void> {
  await nav(page, 'Train');
  await page.getByLabel('Train dataset').selectOption({ label: 'Fashion-MNIST 2k' });
  await page.getByLabel('method fkd').check();
  await page.getByLabel('method vanilla').uncheck();
  await page.getByLabel('method onlineKd').uncheck();
  await page.getByLabel('Epochs').fill('200');
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.getByTestId('run-monitor').first().getByTestId('train-stats').waitFor({ timeout: 120_000 });
}

/** Images labelled and training images done so far, summed over the jobs this tab runs. */
function jobsDone(page: Page): Promise<{ gen: number; train: number }> {
  return page.evaluate(() => {
    const s = window.__fkd!.jobs();
    const sum = (xs: { progress: { done: number } | null }[]) =>
      xs.reduce((a, x) => a + (x.progress?.done ?? 0), 0);
    return { gen: sum(Object.values(s.generation)), train: sum(Object.values(s.training)) };
  });
}

/**
 * Visits every live view in turn for `seconds`: a click to get there, then typing in its form. With
 * --watch, one click to that view, then nothing for `seconds`.
 */
async function visitLiveViews(page: Page, seconds: number): Promise<number> {
  if (WATCH) {
    await nav(page, WATCH);
    await page.waitForTimeout(seconds * 1000);
    return 1;
  }
  const end = Date.now() + seconds * 1000;
  let interactions = 0;
  for (let i = 0; Date.now() < end; i++) {
    const view = LIVE_VIEWS[i % LIVE_VIEWS.length];
    await nav(page, view);
    interactions++;
    const field =
      view === 'Soft labels' ? page.getByLabel('Seed') : view === 'Train' ? page.getByLabel('Epochs') : null;
    if (field) {
      await field.click();
      await field.press('End');
      await field.pressSequentially('7', { delay: 150 });
      await field.press('Backspace');
      interactions += 2;
    }
    await page.waitForTimeout(2500);
  }
  return interactions;
}

await runBench('ui', async ({ page }) => {
  note('FKD labels for the training run (the dense teacher, 4 crops/image)');
  await generateLabels(page, {
    datasetId: 'embedded:fashion-mnist',
    teacherId: 'embedded:fashion-teacher',
    numCrops: 4,
    inputSize: 28,
    scale: [0.08, 1],
  });
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  // The slots the page gave its workers at start-up, or none when the flag turns the budget off.
  const slots = await page.evaluate(async (off) => {
    const s = window.__fkd!.studio();
    if (off) await Promise.all([s.teacher.api.setCpuSlots(0), s.trainer.api.setCpuSlots(0)]);
    return off ? 0 : await s.trainer.api.cpuSlots();
  }, CPU_BUDGET === 'off');
  if (CPU_BUDGET === 'on' && slots === 0)
    throw new Error('--cpu-budget on, but the studio started without one');
  note(`CPU budget: ${slots === 0 ? 'off' : `${slots} slot(s)`}`);
  note('starting generation (Soft labels view) and training (Train view)');
  await startGeneration(page);
  await startTraining(page);
  // A quiet stretch first: both jobs past their start-up, nothing measured yet.
  await page.waitForTimeout(3000);

  note(`measuring for ${SECONDS} s while visiting ${LIVE_VIEWS.join(', ')}`);
  const schedDone = SCHED_FILE ? recordSched(SCHED_FILE, SECONDS + 3) : null;
  await startMainThreadProbe(page);
  const stopTrace = NO_TRACE ? null : await traceMainThreadTasks(page);
  const done0 = await jobsDone(page);
  const t0 = Date.now();
  let profile: ProfileSummary | null = null;
  let interactions = 0;
  if (PROFILE) {
    profile = await profileMainThread(page, SECONDS, async () => {
      interactions = await visitLiveViews(page, SECONDS);
    });
  } else interactions = await visitLiveViews(page, SECONDS);
  const done1 = await jobsDone(page);
  const jobSeconds = (Date.now() - t0) / 1000;
  const genRate = (done1.gen - done0.gen) / jobSeconds;
  const trainRate = (done1.train - done0.train) / jobSeconds;
  const r = await stopMainThreadProbe(page);
  const cpu = stopTrace ? await stopTrace() : null;
  let waits: SchedReport | null = null;
  if (SCHED_FILE && schedDone && cpu?.mainThread) {
    await schedDone();
    waits = schedWaits(SCHED_FILE, cpu.mainThread.tid, cpu.browserPids);
  }
  const jobs = await page.evaluate(async () => {
    const s = window.__fkd!.studio();
    const [t, g] = await Promise.all([s.trainer.api.running(), s.teacher.api.running()]);
    for (const j of t) await s.trainer.api.cancel(j);
    for (const j of g) await s.teacher.api.cancel(j);
    return [...t, ...g];
  });
  const bothRan = jobs.some((j) => j.startsWith('train:')) && jobs.some((j) => j.startsWith('generate:'));
  if (!bothRan) note(`not both jobs were still running at the end: ${jobs.join(', ') || 'none'}`);

  const inputs = r.inputs.map((i) => [
    i.kind,
    round(i.latencyMs, 0),
    i.eventTimingMs === null ? '-' : round(i.eventTimingMs, 0),
  ]);
  console.log(
    `bench:ui — generation (CNN teacher, WebDataset copy, 64 crops/image) and FKD training (default student) at once, ${cores} cores reported; ${WATCH ? `${WATCH} watched` : 'every live view visited'} for ${r.seconds.toFixed(0)} s`,
  );
  console.log(
    `jobs over the stretch (CPU budget ${slots === 0 ? 'off' : `${slots} slot(s)`}): generation ${genRate.toFixed(1)} images/s, training ${trainRate.toFixed(2)} steps/s`,
  );
  console.log(describeMainThread(r));
  console.log(describeGapCauses(r));
  console.log(cpu ? describeTasks(cpu) : 'main-thread tasks: not traced (--no-trace)');
  if (waits) console.log(describeWaits(waits));
  console.log(table(['input', 'to next frame ms', 'Event Timing ms'], inputs));
  const over100 = r.inputs.filter((i) => Math.max(i.latencyMs, i.eventTimingMs ?? 0) > 100).length;
  console.log(
    `input: ${r.inputs.length} events from ${interactions} interactions, longest ${r.longestInputMs.toFixed(0)} ms, ${over100} over 100 ms (goal: none)`,
  );
  if (profile) {
    console.log(
      `main-thread CPU profile, ${profile.totalMs} ms sampled, busy ${(100 * profile.busyShare).toFixed(1)} % (self time by function):`,
    );
    console.log(
      table(
        ['function', 'ms', 'share'],
        profile.top.map((t) => [t.fn, t.ms, t.share]),
      ),
    );
  }
  return {
    cores,
    viewport: `${VIEWPORT.width}x${VIEWPORT.height}`,
    seconds: round(r.seconds, 1),
    longestDelayMs: round(r.longestDelayMs, 1),
    p99DelayMs: round(r.p99DelayMs, 1),
    gapsOver50: r.gapCauses
      .filter((g) => g.delayMs > 50)
      .map((g) => ({
        ms: round(g.delayMs, 0),
        after: g.input,
        msAfter: g.msAfterInput === null ? null : round(g.msAfterInput, 0),
      })),
    delaysOver50: r.delaysOver50,
    delaysOver100: r.delaysOver100,
    longestTaskMs: round(r.longestTaskMs, 1),
    longTasks: r.longTasks,
    inputs: r.inputs.length,
    longestInputMs: round(r.longestInputMs, 1),
    inputsOver100: over100,
    bothJobsRunning: bothRan,
    cpuSlots: slots,
    genImagesPerSec: round(genRate, 2),
    trainStepsPerSec: round(trainRate, 3),
    traced: cpu !== null,
    ...(cpu
      ? {
          taskCpuMsPerSec: round(cpu.cpuMsPerSec, 0),
          longestTaskCpuMs: round(cpu.longestCpuMs, 1),
          longestTaskWallMs: round(cpu.longestWallMs, 1),
          tasksOver50Cpu: cpu.cpuOver50,
          tasksOver50Wall: cpu.wallOver50,
          longestTaskParts: cpu.longestParts,
          workersAtOnceMs: round(cpu.workersAtOnce.overlapMs, 0),
          workersAtOnceOver20: cpu.workersAtOnce.over20,
          probeGaps: gapsJson(cpu.gaps),
        }
      : {}),
    ...(waits ? waitsJson(waits) : {}),
    ...(profile ? { mainThreadBusyShare: profile.busyShare, profileTop: profile.top.slice(0, 8) } : {}),
  };
});
