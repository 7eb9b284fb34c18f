import { createTrainer, type Trainer } from '../engine/trainStep';
import { buildStudent } from '../models/students';
import type { TrainConfig } from './trainConfig';

/** The student and its optimiser as a run's config describes them; shared by runs and benchmarks. */
export function studentFor(
  cfg: TrainConfig,
  numClasses: number,
): { model: ReturnType<typeof buildStudent>; trainer: Trainer } {
  const model = buildStudent(cfg.arch, {
    inputSize: cfg.inputSize,
    channels: cfg.channels,
    numClasses,
    seed: cfg.seed,
    width: cfg.width,
  });
  const trainer = createTrainer(model, {
    optimizer: cfg.optimizer,
    lr: cfg.lr,
    weightDecay: cfg.weightDecay,
    nesterov: cfg.optimizer === 'sgd' ? cfg.nesterov : undefined,
    // Hard (one-hot) targets have no temperature: softmax(z/T) against them only rescales the logits.
    temperature: cfg.method === 'vanilla' ? 1 : cfg.temperature,
  });
  return { model, trainer };
}
