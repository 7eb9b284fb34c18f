import { expect, test } from '@playwright/test';
import { goto, openStudio } from './helpers';

test('Settings → CPU sets both workers’ slots, persists, and a slot held by a terminated worker is freed', async ({
  page,
}) => {
  await openStudio(page);
  const slots = () =>
    page.evaluate(async () => {
      const s = window.__fkd!.studio();
      return [await s.teacher.api.cpuSlots(), await s.trainer.api.cpuSlots()];
    });
  const threads = await page.evaluate(() => navigator.hardwareConcurrency);
  const onByDefault = threads <= 4;
  const slotsOn = Math.max(1, threads - 1);
  expect(await slots()).toEqual(onByDefault ? [slotsOn, slotsOn] : [0, 0]);

  await goto(page, 'Settings');
  const box = page.getByLabel('Keep a core for the page while jobs run');
  await expect(box).toBeChecked({ checked: onByDefault });
  await box.setChecked(!onByDefault);
  await expect.poll(slots).toEqual(onByDefault ? [0, 0] : [slotsOn, slotsOn]);
  await page.reload();
  await page.waitForFunction(() => !!window.__fkd);
  await expect.poll(slots).toEqual(onByDefault ? [0, 0] : [slotsOn, slotsOn]);

  // Slots are Web Locks: a worker that ends while holding one must not keep it (no deadlock).
  const freed = await page.evaluate(async () => {
    const src = `navigator.locks.request('fkd-cpu-slot-0', () => { postMessage('held'); return new Promise(() => {}); });`;
    const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
    await new Promise((r) => (w.onmessage = r));
    const whileHeld = await navigator.locks.request('fkd-cpu-slot-0', { ifAvailable: true }, (l) => !!l);
    w.terminate();
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      if (await navigator.locks.request('fkd-cpu-slot-0', { ifAvailable: true }, (l) => !!l))
        return { whileHeld, after: true };
      await new Promise((r) => setTimeout(r, 50));
    }
    return { whileHeld, after: false };
  });
  expect(freed).toEqual({ whileHeld: false, after: true });
});

test('a view switch takes the CPU slots for a moment, even from a worker holding one, then gives them back', async ({
  page,
}) => {
  await openStudio(page, '?cpuBudget=on');
  // A stand-in for a model worker: holds slot 0, and asks for it again once it has lost it.
  await page.evaluate(async () => {
    const src = `navigator.locks
      .request('fkd-cpu-slot-0', () => { postMessage('held'); return new Promise(() => {}); })
      .catch((e) => {
        postMessage('lost: ' + e.name);
        return navigator.locks.request('fkd-cpu-slot-0', () => postMessage('held again'));
      });`;
    const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
    const log: string[] = [];
    (window as unknown as { slotLog: string[] }).slotLog = log;
    w.onmessage = (e: MessageEvent<string>) => log.push(e.data);
    while (!log.includes('held')) await new Promise((r) => setTimeout(r, 20));
  });
  const log = () => page.evaluate(() => (window as unknown as { slotLog: string[] }).slotLog);
  await goto(page, 'Settings');
  await expect.poll(log).toEqual(['held', 'lost: AbortError', 'held again']);
});
