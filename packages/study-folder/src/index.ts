/** @ganbench/study-folder — the study folder's record schemas (types derived from them), the settings' names and the JSONL codec. */
export { appendJsonLine, encodeJsonLine, parseJsonLines, readJsonLines } from './jsonl.js';
export {
  type DatasetConfig,
  datasetConfigSchema,
  type EvaluationConfig,
  type MetricGoal,
  type NamedParams,
  namedSettingSchema,
  OPTIMIZER_FIELDS,
  OPTIMIZER_NAMES,
  type OptimizerConfig,
  optimizerSchema,
  type ParamValue,
  paramValueSchema,
  SIZE_LIMITS,
  slugSchema,
  TRAINING_FIELDS,
  type TrainingConfig,
  type TrialConfig,
  trialConfigSchema,
  trialParams,
  trialSettings,
  uint32Schema,
} from './trialConfig.js';
export {
  type MetricPoint,
  metricPointSchema,
  SAFE_ID,
  type StudyInfo,
  studyInfoSchema,
  TRIAL_STATUSES,
  type TrialRecord,
  type TrialStatus,
  trialIdSchema,
  trialRecordSchema,
} from './trialRecord.js';
export { appendTrialRecord, latestTrialRecords, readTrialRecords, TRIALS_FILE } from './trials.js';
export { formatIssues, strictObject } from './zod.js';
