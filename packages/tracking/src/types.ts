/**
 * The vocabulary shared by both stores: MLflow's entities as the REST API names them
 * (https://mlflow.org/docs/latest/rest-api.html#data-structures), with numbers as numbers.
 */

/** MLflow's RunStatus; the file store persists it as the integer in RUN_STATUS_CODES. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/** mlflow.entities.RunStatus: the integers meta.yaml stores. */
export const RUN_STATUS_CODES: Readonly<Record<RunStatus, number>> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

/** One point of a metric history. `value` may be NaN or ±Infinity. */
export interface Metric {
  key: string;
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  step: number;
}

export interface Param {
  key: string;
  value: string;
}

export interface RunTag {
  key: string;
  value: string;
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number | null;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: 'active' | 'deleted';
}

export interface Run {
  info: RunInfo;
  /** Latest value of each metric, as MLflow's run data holds it. */
  metrics: Metric[];
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface LogBatch {
  metrics?: Metric[];
  params?: Param[];
  tags?: RunTag[];
}

export interface CreateRunOptions {
  runName?: string;
  /** Milliseconds since the epoch; now when left out. */
  startTime?: number;
  /** `mlflow.user` among them also becomes the run's user_id, which MLflow's own client sets from the same user. */
  tags?: Record<string, string>;
}

export interface CreatedRun {
  runId: string;
  artifactUri: string;
}

export interface UpdateRunOptions {
  status: RunStatus;
  endTime?: number | null;
}

/** One file among a run's artifacts: a run-relative POSIX path and its size in bytes. */
export interface ArtifactFile {
  path: string;
  size: number;
}

/**
 * What ganbench needs from MLflow, implemented by the REST client and the local file store alike,
 * so a study syncs into either without knowing which.
 */
export interface Tracker {
  /** Where the runs go, for people: a path or a URL. */
  describe(): string;
  /** The id of the active experiment with this name, created when there is none. */
  getOrCreateExperiment(name: string): Promise<string>;
  /** Active runs of the experiment whose tags include every given key = value, oldest first. */
  findRunsByTags(experimentId: string, tags: Readonly<Record<string, string>>): Promise<RunInfo[]>;
  createRun(experimentId: string, options?: CreateRunOptions): Promise<CreatedRun>;
  getRun(runId: string): Promise<Run>;
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  updateRun(runId: string, options: UpdateRunOptions): Promise<void>;
  /** Marks the run deleted, as the UI's Delete does: searches no longer find it; `mlflow gc` or a restore decides its fate. */
  deleteRun(runId: string): Promise<void>;
  /** Every logged point of the metric, in logging order; [] when it was never logged. */
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;
  /** Uploads a local file into the run's artifacts under the directory `artifactPath` (root when empty), as mlflow.log_artifact does. */
  logArtifact(runId: string, localFile: string, artifactPath?: string): Promise<void>;
  /** Every file among the run's artifacts, recursively. */
  listArtifacts(runId: string): Promise<ArtifactFile[]>;
}
