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
export type { EvaluationData, MetricDefinition } from './metrics/metric.js';
export { getMetric, METRIC_NAMES, METRICS, metricsFor } from './metrics/registry.js';
export { compileObjective, type Objective, ObjectiveError, type ObjectiveSettings } from './objective.js';
export { createOptimizer } from './optimizers/optimizers.js';
export { checkpointPath } from './trial/checkpoint.js';
export { imagePad } from './trial/dataSource.js';
export { evaluateCheckpoint, type RunTrialOptions, runTrial, type TrialOutcome, type TrialProgress, trialName } from './trial/runTrial.js';
export { type TrialProblem, validateTrial } from './trial/validate.js';
export { UNROLLED_STEPS_FIELD, type UnrollSettings, unrollDiscriminator, validateUnrolledSteps } from './unrolled.js';
