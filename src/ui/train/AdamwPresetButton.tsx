import { useState } from 'react';
import { describeAdamwPreset, fkdAdamwPreset, type TrainConfig } from '../../core/recipe';

type Recipe = Omit<TrainConfig, 'method'>;

/**
 * One click to FKD's AdamW recipe (core/recipe.ts fkdAdamwPreset) for the current batch and epochs, and a
 * line saying what it set: the form has no weight-decay field, so the line is where that shows.
 */
export function AdamwPresetButton({ cfg, set }: { cfg: Recipe; set: (p: Partial<Recipe>) => void }) {
  const [note, setNote] = useState<string | null>(null);
  return (
    <>
      <button
        title="FKD's AdamW recipe for EfficientNetV2-B0, FBNet-c100 and ViT (lr 0.002 per 1024 crops, wd 0.05, cosine, 5 warmup epochs)"
        onClick={() => {
          const preset = fkdAdamwPreset(cfg);
          set(preset);
          setNote(describeAdamwPreset(preset, cfg.cropsPerStep));
        }}
      >
        AdamW preset (FKD)
      </button>
      {note && (
        <span className="muted" role="status" data-testid="adamw-preset-note">
          {' '}
          Set: {note}.
        </span>
      )}
    </>
  );
}
