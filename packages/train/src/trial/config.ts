/**
 * One trial, fully resolved: every default filled in, so its hash is its identity (the same
 * configuration written two ways is the same trial). Sweeps produce these; `runTrial` consumes them.
 */
export type ParamValue = number | string | boolean;

export interface NamedParams {
  /** A registered name; for the regularizer, 'none' when there is none. */
  name: string;
  params: Record<string, ParamValue>;
}

export type OptimizerConfig =
  | { name: 'adam'; lr: number; beta1: number; beta2: number }
  | { name: 'rmsprop'; lr: number; decay: number }
  | { name: 'sgd'; lr: number; momentum: number };

export interface DatasetConfig {
  /** ring | grid (2-D mixtures) | mnist | fashion-mnist | cifar10 | folder */
  name: string;
  /** Image side in pixels after padding/resizing (images only). */
  resolution?: number;
  /** 1 or 3 (images only). */
  channels?: number;
  /** A folder of images (dataset 'folder' only). */
  path?: string;
}

export interface TrainingConfig {
  steps: number;
  batchSize: number;
  /** Discriminator steps per generator step. */
  nDisc: number;
  generatorOptimizer: OptimizerConfig;
  discriminatorOptimizer: OptimizerConfig;
  /** Decay of the exponential moving average of generator weights; null for none. */
  emaDecay: number | null;
  checkpointEvery: number;
}

/** Metric names: 2-D mixtures modes_covered, high_quality, frechet_2d; images fid, kid, is, precision, recall. */
export interface EvaluationConfig {
  /** Evaluate every this many generator steps, and at the end. */
  every: number;
  /** Generated samples per evaluation. */
  samples: number;
  metrics: string[];
}

export interface TrialConfig {
  dataset: DatasetConfig;
  architecture: { name: string; options: Record<string, ParamValue> };
  loss: NamedParams;
  regularizer: NamedParams;
  training: TrainingConfig;
  evaluation: EvaluationConfig;
  seed: number;
}

export type MetricGoal = 'min' | 'max';

/** Which way is better for each metric the trial can report. */
export const METRIC_GOALS: Readonly<Record<string, MetricGoal>> = {
  modes_covered: 'max',
  high_quality: 'max',
  frechet_2d: 'min',
  fid: 'min',
  kid: 'min',
  is: 'max',
  precision: 'max',
  recall: 'max',
};

/** How a trial ended: `diverged` when a loss became NaN or ±Inf (with the step), `failed` on an error. */
export type TrialStatus = 'finished' | 'diverged' | 'failed';

/** One line of a study's trials.jsonl. */
export interface TrialRecord {
  /** Hash of `config` (hex). */
  id: string;
  study: string;
  config: TrialConfig;
  status: TrialStatus;
  error?: string;
  divergedAt?: number;
  /** Metrics of the last evaluation. */
  final: Record<string, number>;
  /** Best value of each metric over the trial's evaluations (by METRIC_GOALS). */
  best: Record<string, number>;
  /** The study's headline metric, which the report ranks by. */
  primary: { metric: string; goal: MetricGoal };
  /** Generator steps completed. */
  steps: number;
  seconds: number;
  finishedAt: string;
}
