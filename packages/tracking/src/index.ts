/** @ganbench/tracking — MLflow: a typed REST client, MLflow's local file store, one Tracker interface, and the replay of a study's results folder. */
export { copyFileAtomic, createFileExclusive, writeFileAtomic } from './atomic.js';
export { describeTracker, parseTrackingUri, type TrackingTarget, trackerFromEnv } from './env.js';
export { errorCodeForStatus, MlflowError, type MlflowErrorCode } from './errors.js';
export { FileStore, type FileStoreOptions, formatMetricLine, parseMetricLine } from './fileStore/fileStore.js';
export { formatPythonFloat, parsePythonFloat } from './fileStore/pyFloat.js';
export { dumpMetaYaml } from './fileStore/pyYaml.js';
export { artifactFileUrl, artifactTarget, resolveMlflowArtifactsUri } from './rest/artifactUri.js';
export { authorizationHeader, type Credentials } from './rest/auth.js';
export { LOG_BATCH_LIMITS, type LogBatchLimits, splitLogBatch, type WireLogBatch } from './rest/batch.js';
export { REST_DEFAULTS, RestClient, type RestClientOptions } from './rest/client.js';
export { type FilterClause, parseFilter, tagsFilter } from './rest/filter.js';
export { backoffDelay, isRetryableStatus, parseRetryAfter } from './rest/retry.js';
export { decodeMetricValue, encodeMetricValue } from './rest/wire.js';
export { formatMetricsLines, parseMetricsJsonl } from './runLog/metricsJsonl.js';
export { listTrialIds, parseRunJson, type RunLogData, readMetrics, readRunJson, readRunLog } from './runLog/reader.js';
export { ensureExecutionId, newExecutionId, parseStudyLog, readStudyLog, type StudyLogInit, writeStudyLog } from './runLog/study.js';
export {
  ARTIFACTS_DIR,
  LOCAL_RUN_STATUSES,
  type LocalRunStatus,
  METRICS_JSONL,
  type ParamInput,
  RUN_JSON,
  type RunJson,
  STUDY_JSON,
  type StudyLog,
  TRIALS_DIR,
} from './runLog/types.js';
export { type OpenOptions, RunLog, type RunLogInit, type RunLogOptions, repairMetricsTail } from './runLog/writer.js';
export {
  ARTIFACTS_AT_TAG,
  CONFIG_HASH_TAG,
  EXECUTION_ID_TAG,
  missingMetricPoints,
  PARENT_RUN_TAG,
  ROLE_TAG,
  RUN_NAME_TAG,
  STUDY_HASH_TAG,
  STUDY_TAG,
  type SyncCounts,
  type SyncOptions,
  syncStudy,
} from './sync.js';
export {
  type ArtifactFile,
  type CreatedRun,
  type CreateRunOptions,
  isRunStatus,
  type LogBatch,
  type Metric,
  type Param,
  RUN_STATUS_CODES,
  RUN_STATUSES,
  type Run,
  type RunInfo,
  type RunStatus,
  type RunTag,
  type Tracker,
  type UpdateRunOptions,
} from './types.js';
