/** @ganbench/study-folder — the study folder's record schemas (types derived from them), the settings' names, the JSONL codec and the per-trial lease. */
export { appendClusterJob, CLUSTER_DIR, CLUSTER_JOBS_FILE, type ClusterJob, clusterJobSchema, readClusterJobs } from './clusterJobs.js';
export { appendEvaluation, type CheckpointEvaluation, checkpointEvaluationSchema, EVALUATIONS_FILE, readEvaluations } from './evaluations.js';
export { appendJsonLine, encodeJsonLine, parseJsonLines, readJsonLines } from './jsonl.js';
export {
  acquireLease,
  describeHolder,
  HEARTBEATS_PER_TIMEOUT,
  inspectLease,
  LEASE_DIR,
  LEASE_TIMEOUT_MS,
  type LeaseInfo,
  type LeaseOptions,
  type LeaseResult,
  type LeaseView,
  leaseInfoSchema,
  processAlive,
  TrialLease,
  trialState,
} from './lease.js';
export {
  type DatasetConfig,
  datasetConfigSchema,
  type EvaluationConfig,
  LEGACY_SPECTRAL_REGULARIZER,
  legacyTrialConfig,
  type MetricGoal,
  migrateTrialConfig,
  type NamedParams,
  NO_NORMALIZATION,
  namedSettingSchema,
  OPTIMIZER_FIELDS,
  OPTIMIZER_NAMES,
  type OptimizerConfig,
  optimizerSchema,
  type ParamValue,
  paramValueSchema,
  regularizersLabel,
  SIZE_LIMITS,
  slugSchema,
  TRAINING_FIELDS,
  type TrainingConfig,
  type TrialConfig,
  trialConfigSchema,
  trialParams,
  trialSettings,
  uint32Schema,
  withoutDefaultArchitectureOptions,
  withoutDefaultLossParams,
  withoutDefaultUnrolling,
} from './trialConfig.js';
export { readTrialIndex, recordTrialIndex, TRIAL_INDEX_FILE, type TrialIndex, trialIndexSchema } from './trialIndex.js';
export {
  type MetricPoint,
  metricPointSchema,
  SAFE_ID,
  type StudyInfo,
  studyInfoSchema,
  TRIAL_STATES,
  TRIAL_STATUSES,
  type TrialRecord,
  type TrialState,
  type TrialStatus,
  trialIdSchema,
  trialRecordSchema,
} from './trialRecord.js';
export { appendTrialRecord, followTrialRecords, latestTrialRecords, readTrialRecords, TRIALS_FILE } from './trials.js';
export { formatIssues, strictObject } from './zod.js';
