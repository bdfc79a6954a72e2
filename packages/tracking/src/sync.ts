/**
 * Replays a study's results folder into a tracker. Everything is derived from what the tracker
 * already holds, so a second run sends nothing and a run cut short (server down, restarted,
 * process killed) is finished by the next one; the study folder is only read.
 */
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { MlflowError } from './errors.js';
import { isNotFound, listFilesRecursive } from './fileStore/files.js';
import { listTrialIds, type RunLogData, readRunLog } from './runLog/reader.js';
import { readStudyLog } from './runLog/study.js';
import { ARTIFACTS_DIR, type LocalRunStatus, STUDY_JSON, type StudyLog, TRIALS_DIR } from './runLog/types.js';
import type { ArtifactFile, Metric, Param, Run, RunStatus, RunTag, Tracker } from './types.js';

export const STUDY_HASH_TAG = 'ganbench.studyHash';
export const CONFIG_HASH_TAG = 'ganbench.configHash';
export const STUDY_TAG = 'ganbench.study';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
export const RUN_NAME_TAG = 'mlflow.runName';

export interface SyncOptions {
  /** Progress lines (one per run touched). */
  log?: (line: string) => void;
  /**
   * Leave out trials whose run.json says RUNNING. A sweep syncs while other trials train: a trial
   * killed after such a sync would, once resumed from its checkpoint, log its later steps again.
   */
  skipRunning?: boolean;
}

export interface SyncCounts {
  runsCreated: number;
  metricsSent: number;
  paramsSent: number;
  tagsSent: number;
  artifactsSent: number;
  /** Runs whose status or end time changed. */
  runsUpdated: number;
}

interface LocalRun {
  label: string;
  runName: string;
  startTime: number;
  /** Tags that identify the run; it is looked up by all of them. */
  identity: Record<string, string>;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: Metric[];
  status: LocalRunStatus;
  endTime: number | null;
  /** Root folder of the files to upload and their relative paths. */
  artifactRoot: string;
  artifacts: string[];
}

const zero = (): SyncCounts => ({ runsCreated: 0, metricsSent: 0, paramsSent: 0, tagsSent: 0, artifactsSent: 0, runsUpdated: 0 });

/** Parent run files worth keeping with the study: its definition and, once written, the report. */
async function studyArtifacts(studyDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const file of [STUDY_JSON, 'report.md']) {
    try {
      if ((await stat(join(studyDir, file))).isFile()) out.push(file);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  for (const rel of await listFilesRecursive(join(studyDir, 'figures'))) out.push(`figures/${rel}`);
  return out;
}

/** The parent is FINISHED once every trial folder has ended, RUNNING before. */
function parentStatus(trials: RunLogData[]): { status: LocalRunStatus; endTime: number | null } {
  if (trials.length === 0 || trials.some((t) => t.run.status === 'RUNNING')) return { status: 'RUNNING', endTime: null };
  return { status: 'FINISHED', endTime: Math.max(...trials.map((t) => t.run.endTime ?? t.run.startTime)) };
}

function parentRun(studyDir: string, study: StudyLog, trials: RunLogData[], artifacts: string[]): LocalRun {
  const identity = { [STUDY_HASH_TAG]: study.hash };
  return {
    label: `study ${study.name}`,
    runName: study.name,
    startTime: Date.parse(study.createdAt),
    identity,
    tags: { ...study.tags, [STUDY_TAG]: study.name, ...identity, [RUN_NAME_TAG]: study.name },
    params: study.params,
    metrics: [],
    ...parentStatus(trials),
    artifactRoot: studyDir,
    artifacts,
  };
}

function trialRun(trialId: string, data: RunLogData, parentRunId: string): LocalRun {
  const configHash = data.run.tags[CONFIG_HASH_TAG] ?? trialId;
  const identity = { [CONFIG_HASH_TAG]: configHash, [PARENT_RUN_TAG]: parentRunId };
  return {
    label: `trial ${trialId}`,
    runName: data.run.name,
    startTime: data.run.startTime,
    identity,
    tags: { ...data.run.tags, ...identity, [RUN_NAME_TAG]: data.run.name },
    params: data.run.params,
    metrics: data.metrics,
    status: data.run.status,
    endTime: data.run.endTime,
    artifactRoot: join(data.dir, ARTIFACTS_DIR),
    artifacts: data.artifacts,
  };
}

/** Local points the tracker lacks: (step, timestamp) matched as a multiset, so repeated points are kept exactly. */
export function missingMetricPoints(local: readonly Metric[], remote: readonly Metric[]): Metric[] {
  const have = new Map<string, number>();
  for (const m of remote) {
    const id = `${m.step}|${m.timestamp}`;
    have.set(id, (have.get(id) ?? 0) + 1);
  }
  return local.filter((m) => {
    const id = `${m.step}|${m.timestamp}`;
    const n = have.get(id) ?? 0;
    if (n > 0) have.set(id, n - 1);
    return n === 0;
  });
}

function groupByKey(metrics: readonly Metric[]): Map<string, Metric[]> {
  const out = new Map<string, Metric[]>();
  for (const m of metrics) out.set(m.key, [...(out.get(m.key) ?? []), m]);
  return out;
}

async function localSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

class StudySync {
  readonly counts = zero();
  constructor(
    private readonly tracker: Tracker,
    private readonly experimentId: string,
    private readonly log: (line: string) => void,
  ) {}

  /** The run carrying every identity tag (the oldest if a crash ever made two), else a new one. */
  private async ensureRun(local: LocalRun): Promise<{ runId: string; created: boolean }> {
    const found = await this.tracker.findRunsByTags(this.experimentId, local.identity);
    const first = found[0];
    if (first !== undefined) {
      if (found.length > 1) this.log(`${local.label}: ${found.length} runs carry its tags; using the oldest, ${first.runId}`);
      return { runId: first.runId, created: false };
    }
    const { runId } = await this.tracker.createRun(this.experimentId, {
      runName: local.runName,
      startTime: local.startTime,
      tags: { ...local.tags, 'mlflow.source.name': 'ganbench', 'mlflow.source.type': 'LOCAL' },
    });
    this.counts.runsCreated++;
    return { runId, created: true };
  }

  private async missingMetrics(runId: string, remote: Run, metrics: readonly Metric[]): Promise<Metric[]> {
    const out: Metric[] = [];
    const logged = new Set(remote.metrics.map((m) => m.key));
    for (const [key, points] of groupByKey(metrics)) {
      // A key the run has never seen needs no history request.
      const history = logged.has(key) ? await this.tracker.getMetricHistory(runId, key) : [];
      out.push(...missingMetricPoints(points, history));
    }
    return out;
  }

  private async missingArtifacts(runId: string, local: LocalRun, created: boolean): Promise<string[]> {
    if (local.artifacts.length === 0) return [];
    const remote: ArtifactFile[] = created ? [] : await this.tracker.listArtifacts(runId);
    const sizes = new Map(remote.map((a) => [a.path, a.size]));
    const out: string[] = [];
    for (const rel of local.artifacts) {
      // Same path and size counts as present: ganbench writes each artifact once, atomically.
      if (sizes.get(rel) !== (await localSize(join(local.artifactRoot, ...rel.split('/'))))) out.push(rel);
    }
    return out;
  }

  async syncRun(local: LocalRun): Promise<string> {
    const { runId, created } = await this.ensureRun(local);
    const remote = await this.tracker.getRun(runId);
    const params: Param[] = [];
    for (const [key, value] of Object.entries(local.params)) {
      const have = remote.params[key];
      if (have === undefined) params.push({ key, value });
      else if (have !== value) {
        throw new MlflowError(
          'INVALID_PARAMETER_VALUE',
          `${local.label}: param '${key}' is '${value}' in the results folder but '${have}' in MLflow run ${runId}; MLflow params cannot change`,
        );
      }
    }
    const tags: RunTag[] = Object.entries(local.tags)
      .filter(([key, value]) => remote.tags[key] !== value)
      .map(([key, value]) => ({ key, value }));
    const metrics = await this.missingMetrics(runId, remote, local.metrics);
    if (params.length + tags.length + metrics.length > 0) await this.tracker.logBatch(runId, { params, tags, metrics });
    const artifacts = await this.missingArtifacts(runId, local, created);
    for (const rel of artifacts) {
      await this.tracker.logArtifact(runId, join(local.artifactRoot, ...rel.split('/')), posix.dirname(rel) === '.' ? '' : posix.dirname(rel));
    }
    const statusChanged = remote.info.status !== local.status;
    const endChanged = local.status !== 'RUNNING' && remote.info.endTime !== local.endTime;
    if (statusChanged || endChanged) {
      await this.tracker.updateRun(runId, { status: local.status as RunStatus, endTime: local.endTime });
      this.counts.runsUpdated++;
    }
    this.counts.paramsSent += params.length;
    this.counts.tagsSent += tags.length;
    this.counts.metricsSent += metrics.length;
    this.counts.artifactsSent += artifacts.length;
    const sent = [
      created ? 'created' : '',
      params.length ? `${params.length} params` : '',
      tags.length ? `${tags.length} tags` : '',
      metrics.length ? `${metrics.length} metric points` : '',
      artifacts.length ? `${artifacts.length} artifacts` : '',
      statusChanged || endChanged ? `status ${local.status}` : '',
    ].filter(Boolean);
    this.log(`${local.label} → run ${runId}: ${sent.length ? sent.join(', ') : 'up to date'}`);
    return runId;
  }
}

function withContext(err: unknown, studyDir: string, tracker: Tracker): Error {
  const reason = err instanceof Error ? err.message : String(err);
  const message =
    `MLflow sync of ${studyDir} to ${tracker.describe()} stopped: ${reason}. ` +
    `Nothing in ${studyDir} was changed; run the sync again once the cause is fixed — runs already sent are found again by their tags and nothing is sent twice.`;
  if (err instanceof MlflowError) {
    return new MlflowError(err.errorCode, message, {
      cause: err,
      ...(err.httpStatus === undefined ? {} : { httpStatus: err.httpStatus }),
      ...(err.endpoint === undefined ? {} : { endpoint: err.endpoint }),
    });
  }
  return new Error(message, { cause: err });
}

/**
 * Makes the tracker hold everything in `studyDir`: an experiment named after the study, a parent
 * run (tag ganbench.studyHash) and one child run per trials/<id>/ (tags ganbench.configHash and
 * mlflow.parentRunId) with its params, tags, metric histories, artifacts and status. Only what
 * the tracker lacks is sent; the counts say how much that was.
 */
export async function syncStudy(studyDir: string, tracker: Tracker, options: SyncOptions = {}): Promise<SyncCounts> {
  // Read everything local first: a broken results folder fails before anything is sent.
  let study: StudyLog;
  try {
    study = await readStudyLog(studyDir);
  } catch (err) {
    if (isNotFound(err))
      throw new Error(`${join(studyDir, STUDY_JSON)} does not exist; expected a study results folder (results/<study>) written by \`ganbench sweep\``);
    throw err;
  }
  const trialIds = await listTrialIds(studyDir);
  const trials: RunLogData[] = [];
  const ids: string[] = [];
  for (const id of trialIds) {
    const data = await readRunLog(join(studyDir, TRIALS_DIR, id));
    if (options.skipRunning === true && data.run.status === 'RUNNING') continue;
    ids.push(id);
    trials.push(data);
  }
  const parentFiles = await studyArtifacts(studyDir);
  const log = options.log ?? (() => undefined);
  try {
    const experimentId = await tracker.getOrCreateExperiment(study.name);
    const sync = new StudySync(tracker, experimentId, log);
    const parentId = await sync.syncRun(parentRun(studyDir, study, trials, parentFiles));
    for (const [i, data] of trials.entries()) await sync.syncRun(trialRun(ids[i] as string, data, parentId));
    return sync.counts;
  } catch (err) {
    throw withContext(err, studyDir, tracker);
  }
}
