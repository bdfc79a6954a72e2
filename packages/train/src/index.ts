/** @ganbench/train — one training loop for every loss × regularizer, and a trial run end to end. */
export {
  createGanTrainer,
  type ForwardOptions,
  type GanModel,
  type GanTrainer,
  type GanTrainerConfig,
  type StepLosses,
  type TrainerState,
} from './ganTrainer.js';
export { createOptimizer, OPTIMIZER_NAMES } from './optimizers/optimizers.js';
export { checkpointPath } from './trial/checkpoint.js';
export {
  type DatasetConfig,
  type EvaluationConfig,
  METRIC_GOALS,
  type MetricGoal,
  type NamedParams,
  type OptimizerConfig,
  type ParamValue,
  type TrainingConfig,
  type TrialConfig,
  type TrialRecord,
  type TrialStatus,
} from './trial/config.js';
export { imagePad } from './trial/dataSource.js';
export { checkMetrics, IMAGE_METRICS, MIXTURE_METRICS } from './trial/evaluate.js';
export { trialParams } from './trial/params.js';
export { type RunTrialOptions, runTrial, type TrialOutcome, type TrialProgress } from './trial/runTrial.js';
