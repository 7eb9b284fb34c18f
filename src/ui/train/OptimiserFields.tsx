import { MIX_MODES, OPTIMIZERS, lrAfterChange, type TrainConfig } from '../../core/recipe';
import { NumberField } from '../components/NumberField';

type Recipe = Omit<TrainConfig, 'method'>;

/** The listed value equal to `v`, else undefined (a select's string back to its typed choice). */
function oneOf<T>(list: readonly T[], v: unknown): T | undefined {
  return list.find((x) => x === v);
}

const SCHEDULE_CHOICES = [
  { id: 'cosine:pass', schedule: 'cosine', per: 'pass', label: 'cosine per pass (reference)' },
  { id: 'cosine:step', schedule: 'cosine', per: 'step', label: 'cosine per step' },
  { id: 'step:pass', schedule: 'step', per: 'pass', label: 'step decay' },
  { id: 'constant:pass', schedule: 'constant', per: 'pass', label: 'constant' },
] as const;

const MIX_LABEL: Record<(typeof MIX_MODES)[number], string> = {
  none: 'none',
  mixup: 'Mixup (Beta 0.8)',
  cutmix: 'CutMix (Beta 1)',
  both: 'Mixup or CutMix (p 0.5)',
};

/**
 * The optimisation part of the Train form: optimiser, learning rate and its schedule with both of the
 * schedule's warmups (the linear LR warmup, and AdamW's single-crop epochs before multi-crop passes),
 * and batch mixing. The warmup labels avoid "epochs" and "LR": specs find those fields by substring.
 */
export function OptimiserFields({ cfg, set }: { cfg: Recipe; set: (p: Partial<Recipe>) => void }) {
  return (
    <>
      <label className="field">
        Optimiser
        <select
          aria-label="Optimiser"
          value={cfg.optimizer}
          onChange={(e) => {
            const optimizer = oneOf(OPTIMIZERS, e.target.value);
            if (optimizer) set({ optimizer, lr: lrAfterChange(cfg.lr, cfg, { arch: cfg.arch, optimizer }) });
          }}
        >
          <option value="adamw">AdamW</option>
          <option value="sgd">SGD momentum</option>
        </select>
      </label>
      <NumberField label="LR" step={0.0005} value={cfg.lr} onChange={(v) => set({ lr: v })} />
      <label className="field">
        Schedule
        <select
          aria-label="Schedule"
          value={`${cfg.schedule}:${cfg.cosinePer}`}
          onChange={(e) => {
            const c = SCHEDULE_CHOICES.find((s) => s.id === e.target.value);
            if (c) set({ schedule: c.schedule, cosinePer: c.per });
          }}
        >
          {SCHEDULE_CHOICES.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <NumberField
        label="Warmup (ep., linear)"
        aria="Warmup"
        min={0}
        step={0.5}
        value={cfg.warmupEpochs}
        onChange={(v) => set({ warmupEpochs: v })}
      />
      {cfg.optimizer === 'adamw' && (
        <NumberField
          label="Single-crop warmup (ep., AdamW)"
          aria="Single-crop warmup"
          min={0}
          value={cfg.adamwSingleCropWarmupEpochs ?? 0}
          onChange={(v) => set({ adamwSingleCropWarmupEpochs: v })}
        />
      )}
      {cfg.optimizer === 'sgd' && (
        <label style={{ fontSize: 13, alignSelf: 'end' }}>
          <input
            type="checkbox"
            aria-label="Nesterov"
            checked={!!cfg.nesterov}
            onChange={(e) => set({ nesterov: e.target.checked })}
          />{' '}
          Nesterov
        </label>
      )}
      <label className="field">
        Mixing
        <select
          aria-label="Mixing"
          value={cfg.mix ?? 'none'}
          onChange={(e) => set({ mix: oneOf(MIX_MODES, e.target.value) ?? 'none' })}
        >
          {MIX_MODES.map((m) => (
            <option key={m} value={m}>
              {MIX_LABEL[m]}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
