// The training recipe is pure data and lives in core; the workers' historical import path stays.
export {
  DEFAULT_TRAIN_CONFIG,
  SGD_LR,
  defaultLr,
  lrAfterChange,
  passesFor,
  scheduleConfig,
  type TrainConfig,
  type TrainMethod,
} from '../core/recipe';
