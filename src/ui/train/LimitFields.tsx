import type { TrainConfig } from '../../core/recipe';
import { NumberField } from '../components/NumberField';

/** A run's step limit and time budget (0 = none): a look at a large set without its whole schedule. */
export function LimitFields({
  cfg,
  set,
}: {
  cfg: Pick<TrainConfig, 'maxSteps' | 'maxMinutes'>;
  set: (patch: Partial<TrainConfig>) => void;
}) {
  return (
    <>
      <NumberField
        label="Stop after steps (0 = none)"
        aria="Step limit"
        min={0}
        value={cfg.maxSteps ?? 0}
        onChange={(v) => set({ maxSteps: v })}
      />
      <NumberField
        label="Time budget, minutes (0 = none)"
        aria="Time budget"
        min={0}
        step={1}
        value={cfg.maxMinutes ?? 0}
        onChange={(v) => set({ maxMinutes: v })}
      />
    </>
  );
}
