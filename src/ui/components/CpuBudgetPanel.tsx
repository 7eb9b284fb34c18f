import { useState } from 'react';
import { useStudio } from '../studio';
import { cpuBudgetOn, cpuBudgetSlots, saveCpuBudget } from '../settings';

/** Settings → CPU: whether generation, training and decoding leave the page a core of its own. */
export function CpuBudgetPanel() {
  const studio = useStudio();
  const [on, setOn] = useState(cpuBudgetOn);
  const threads = navigator.hardwareConcurrency;
  const slots = cpuBudgetSlots(true);
  return (
    <section className="panel">
      <h2>CPU</h2>
      <label>
        <input
          type="checkbox"
          checked={on}
          onChange={(e) => {
            setOn(e.target.checked);
            saveCpuBudget(e.target.checked);
            // Applies from each worker's next step, batch or decode: no reload, running jobs included.
            const n = cpuBudgetSlots(e.target.checked);
            void studio.teacher.api.setCpuSlots(n).catch(() => undefined);
            void studio.trainer.api.setCpuSlots(n).catch(() => undefined);
          }}
        />{' '}
        Keep a core for the page while jobs run
      </label>
      <p className="muted">
        On: while two jobs run at once (generation and training, or a job in another tab), at most {slots} of
        this machine&apos;s {threads} hardware threads compute at a time (training steps, teacher batches and
        image decodes take turns, fairly by time), so the page answers clicks and typing without waiting
        behind them, and for half a second after a switch of views they pause so the new view draws at once;
        the jobs then share fewer cores and each runs slower. A job alone is not limited. Off: every worker
        computes whenever it can, for the most raw throughput when two jobs run at once, at the cost of a
        slower page. On by default on machines with 4 hardware threads or fewer.
      </p>
    </section>
  );
}
