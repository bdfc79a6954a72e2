/** @ganbench/sweep — studies as YAML, expanded into trials identified by their configuration's hash, run in a resumable pool of worker processes. */
export { formatPath, StudyError } from './errors.js';
export { buildTrial, drawNumeric, expandStudy } from './expand.js';
export { canonicalJson, shortHash, trialId } from './ids.js';
export { loadStudy, type ParsedStudy, parseStudy, parseStudyWithLocations } from './parse.js';
export { checkPoolOptions, DEFAULT_WORKER_MODULE, defaultWorkers, type PoolOptions, type PoolSummary, runTrials, type StudyEvent, TRIALS_DIR } from './pool.js';
export { createProgressReporter, formatDuration, type ProgressOptions, type ProgressReporter } from './progress.js';
export type { RunRequest, TrialOutcome, TrialProgressMessage, TrialRunner, TrialRunOptions } from './protocol.js';
export { PLUGIN_MODULES_ENV, serveTrials } from './protocol.js';
export {
  primaryMetric,
  type RunStudyOptions,
  runStudy,
  type StudyRun,
  selectTrials,
  studyHash,
  studyParams,
  TrialIndexError,
  writeStudyInfo,
} from './runStudy.js';
export { type Distribution, type Scalar, type Study, type StudyInput, studyJsonSchema, studySchema } from './schema.js';
export { type Interrupts, interruptOnSignals } from './signals.js';
export { classifyPath, PATH_HELP, type PathKind } from './space.js';
export { INDEX_ENV_VARS, resolveTaskIndex, runTrialTask, type TrialTaskOptions } from './trialTask.js';
export { STUDY_SCHEMA_FILE, studyJsonSchemaText, writeStudySchema } from './writeSchema.js';
