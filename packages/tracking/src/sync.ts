/**
 * Sends a study's results folder to a tracker. A results folder is one execution: its parent run
 * is found by the folder's execution id (study.json), each trial's run by (that parent, trial id).
 * Only ended trials (run.json FINISHED or FAILED) are sent: a running or interrupted trial may
 * still rewind to its checkpoint, and points sent before the rewind would stay in MLflow twice.
 * Everything else is derived from what the tracker holds, so a second sync sends nothing and a sync
 * cut short (server down, restarted, process killed) is finished by the next one.
 */
import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, posix } from 'node:path';
import { MlflowError } from './errors.js';
import { isNotFound, listFilesRecursive } from './fileStore/files.js';
import { listTrialIds, readRunJson, readRunLog } from './runLog/reader.js';
import { readStudyLog } from './runLog/study.js';
import { ARTIFACTS_DIR, type LocalRunStatus, type RunJson, STUDY_JSON, type StudyLog, TRIALS_DIR } from './runLog/types.js';
import type { ArtifactFile, Metric, Param, Run, RunStatus, RunTag, Tracker } from './types.js';

export const EXECUTION_ID_TAG = 'ganbench.executionId';
/** 'study' on the parent, 'trial' on its children: both carry the execution id, and a search cannot ask for a tag's absence. */
export const ROLE_TAG = 'ganbench.role';
export const STUDY_HASH_TAG = 'ganbench.studyHash';
export const CONFIG_HASH_TAG = 'ganbench.configHash';
export const STUDY_TAG = 'ganbench.study';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
export const RUN_NAME_TAG = 'mlflow.runName';
/**
 * On the parent: the newest modification time (ms) among the study files it holds. Its files
 * (study.json, report.md, figures) are rewritten in place, often at the same size, so a file newer
 * than this is sent again; when none is, the parent's artifacts need not even be listed.
 */
export const ARTIFACTS_AT_TAG = 'ganbench.artifactsAt';

export interface SyncOptions {
  /** Progress lines (one per run touched). */
  log?: (line: string) => void;
  /**
   * The trials to send besides the parent, by id: the sweep passes the trial that just ended, so a
   * study costs O(trials) requests in all. Every trial folder when left out. When the parent had
   * to be made (a first sync, or the parent was deleted in MLflow), every ended trial comes along.
   */
  trials?: readonly string[];
  /** Called with each trial whose run the tracker now matches (sent, or found up to date). */
  onTrialSynced?(id: string): void;
}

export interface SyncCounts {
  runsCreated: number;
  metricsSent: number;
  paramsSent: number;
  tagsSent: number;
  artifactsSent: number;
  /** Runs whose status or end time changed. */
  runsUpdated: number;
  /** Runs deleted because they no longer match the folder: children of a deleted parent, trials whose log rewound. */
  runsDeleted: number;
  /** Trials not sent because they have not ended (running, or interrupted and waiting to resume). */
  trialsNotEnded: number;
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
  /** Root folder of the files to upload, their relative paths and modification times (ms). */
  artifactRoot: string;
  artifacts: Array<{ path: string; mtimeMs: number }>;
  /** The parent: params of an edited study stay as first sent (MLflow params are write-once) and artifacts go by ARTIFACTS_AT_TAG. */
  parent: boolean;
}

const zero = (): SyncCounts => ({
  runsCreated: 0,
  metricsSent: 0,
  paramsSent: 0,
  tagsSent: 0,
  artifactsSent: 0,
  runsUpdated: 0,
  runsDeleted: 0,
  trialsNotEnded: 0,
});

/** A trial's run is sent once it has ended; KILLED is an interrupted trial that resumes from its checkpoint. */
const hasEnded = (status: LocalRunStatus): boolean => status === 'FINISHED' || status === 'FAILED';

async function withTimes(root: string, paths: readonly string[]): Promise<Array<{ path: string; mtimeMs: number }>> {
  const out = [];
  for (const path of paths) out.push({ path, mtimeMs: Math.floor((await stat(join(root, ...path.split('/')))).mtimeMs) });
  return out;
}

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

/** The trial count of the study's current definition (param `trials`, written by the sweep), if known. */
function expectedTrials(study: StudyLog): number | undefined {
  const n = Number(study.params.trials);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The parent is FINISHED once every trial folder has ended and there are at least as many as the study has trials, RUNNING before. */
function parentStatus(runs: readonly RunJson[], expected: number | undefined): { status: LocalRunStatus; endTime: number | null } {
  if (runs.length === 0 || runs.length < (expected ?? 0) || !runs.every((r) => hasEnded(r.status))) return { status: 'RUNNING', endTime: null };
  return { status: 'FINISHED', endTime: Math.max(...runs.map((r) => r.endTime ?? r.startTime)) };
}

/** Tags MLflow's own client sets on a run it makes, unless the results folder already says. */
function sourceDefaults(source: string): Record<string, string> {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): MLflow writes 'unknown' too.
  }
  return { 'mlflow.source.type': 'LOCAL', 'mlflow.source.name': source, 'mlflow.user': user };
}

function parentRun(studyDir: string, study: StudyLog, runs: readonly RunJson[], artifacts: LocalRun['artifacts']): LocalRun {
  const identity = { [EXECUTION_ID_TAG]: study.executionId, [ROLE_TAG]: 'study' };
  return {
    label: `study ${study.name}`,
    runName: study.name,
    startTime: Date.parse(study.createdAt),
    identity,
    tags: { ...sourceDefaults(study.source), ...study.tags, [STUDY_TAG]: study.name, [STUDY_HASH_TAG]: study.hash, ...identity, [RUN_NAME_TAG]: study.name },
    params: study.params,
    metrics: [],
    ...parentStatus(runs, expectedTrials(study)),
    artifactRoot: studyDir,
    artifacts,
    parent: true,
  };
}

async function trialRun(studyDir: string, study: StudyLog, trialId: string, parentRunId: string): Promise<LocalRun> {
  const data = await readRunLog(join(studyDir, TRIALS_DIR, trialId));
  const identity = { [CONFIG_HASH_TAG]: trialId, [PARENT_RUN_TAG]: parentRunId };
  const root = join(data.dir, ARTIFACTS_DIR);
  return {
    label: `trial ${trialId}`,
    runName: data.run.name,
    startTime: data.run.startTime,
    identity,
    tags: {
      ...sourceDefaults(study.source),
      ...data.run.tags,
      [EXECUTION_ID_TAG]: study.executionId,
      [ROLE_TAG]: 'trial',
      ...identity,
      [RUN_NAME_TAG]: data.run.name,
    },
    params: data.run.params,
    metrics: data.metrics,
    status: data.run.status,
    endTime: data.run.endTime,
    artifactRoot: root,
    artifacts: await withTimes(root, data.artifacts),
    parent: false,
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

/** A run just made holds nothing but the tags it was made with. */
const emptyRun = (tags: Record<string, string>): Pick<Run, 'params' | 'tags' | 'metrics'> & { status: RunStatus; endTime: number | null } => ({
  params: {},
  tags,
  metrics: [],
  status: 'RUNNING',
  endTime: null,
});

class StudySync {
  readonly counts = zero();
  constructor(
    private readonly tracker: Tracker,
    private readonly experimentId: string,
    private readonly log: (line: string) => void,
  ) {}

  private async createRun(local: LocalRun): Promise<{ runId: string; tags: Record<string, string> }> {
    const { runId } = await this.tracker.createRun(this.experimentId, { runName: local.runName, startTime: local.startTime, tags: local.tags });
    this.counts.runsCreated++;
    return { runId, tags: { ...local.tags } };
  }

  /** The run carrying every identity tag (the oldest if a crash ever made two), else null. */
  private async findRun(local: LocalRun): Promise<string | null> {
    const found = await this.tracker.findRunsByTags(this.experimentId, local.identity);
    const first = found[0];
    if (first === undefined) return null;
    if (found.length > 1) this.log(`${local.label}: ${found.length} runs carry its tags; using the oldest, ${first.runId}`);
    return first.runId;
  }

  /**
   * The metric points to send, or null when the run holds points the folder no longer has: the
   * trial was run again (retried after failing, or resumed from a checkpoint after it was sent)
   * and its log rewound, so the run must be replaced rather than added to.
   */
  private async missingMetrics(local: LocalRun, runId: string, remote: Pick<Run, 'metrics'>): Promise<Metric[] | null> {
    // The parent logs no metrics of its own; whatever someone else logged to it is left alone.
    if (local.parent) return [];
    const out: Metric[] = [];
    const byKey = groupByKey(local.metrics);
    if (remote.metrics.some((m) => !byKey.has(m.key))) return null;
    const logged = new Set(remote.metrics.map((m) => m.key));
    for (const [key, points] of byKey) {
      // A key the run has never seen needs no history request.
      const history = logged.has(key) ? await this.tracker.getMetricHistory(runId, key) : [];
      if (missingMetricPoints(history, points).length > 0) return null;
      out.push(...missingMetricPoints(points, history));
    }
    return out;
  }

  private async missingArtifacts(runId: string, local: LocalRun, created: boolean, remoteTags: Record<string, string>): Promise<string[]> {
    if (local.artifacts.length === 0) return [];
    if (created) return local.artifacts.map((a) => a.path);
    const at = local.parent ? Number(remoteTags[ARTIFACTS_AT_TAG] ?? Number.NaN) : Number.NaN;
    const newer = new Set(local.artifacts.filter((a) => !(a.mtimeMs <= at)).map((a) => a.path));
    // The parent's files are all there, as recorded when they were sent: nothing to list.
    if (local.parent && newer.size === 0) return [];
    const remote: ArtifactFile[] = await this.tracker.listArtifacts(runId);
    const sizes = new Map(remote.map((a) => [a.path, a.size]));
    const out: string[] = [];
    for (const { path } of local.artifacts) {
      // A trial's artifacts are written once, atomically, before it ends: same path and size is the same file.
      const size = await localSize(join(local.artifactRoot, ...path.split('/')));
      if (sizes.get(path) !== size || (local.parent && newer.has(path))) out.push(path);
    }
    return out;
  }

  /** Makes the tracker hold `local`; the run id and whether it was made now. */
  async syncRun(local: LocalRun): Promise<{ runId: string; created: boolean }> {
    let runId = await this.findRun(local);
    let created = runId === null;
    let remote: Pick<Run, 'params' | 'tags' | 'metrics'> & { status: RunStatus; endTime: number | null };
    let replaced = false;
    if (runId === null) {
      const made = await this.createRun(local);
      runId = made.runId;
      remote = emptyRun(made.tags);
    } else {
      const run = await this.tracker.getRun(runId);
      remote = { ...run, status: run.info.status, endTime: run.info.endTime };
    }

    let metrics = await this.missingMetrics(local, runId, remote);
    if (metrics === null) {
      // Replace, not merge: the old run's extra points would stay in every plot of this trial.
      await this.tracker.deleteRun(runId);
      this.counts.runsDeleted++;
      replaced = true;
      const made = await this.createRun(local);
      runId = made.runId;
      created = true;
      remote = emptyRun(made.tags);
      metrics = [...local.metrics];
    }

    const params: Param[] = [];
    const kept: string[] = [];
    for (const [key, value] of Object.entries(local.params)) {
      const have = remote.params[key];
      if (have === undefined) params.push({ key, value });
      else if (have !== value) {
        // The parent describes the execution; its study may be edited between runs into the folder.
        if (local.parent) kept.push(key);
        else {
          throw new MlflowError(
            'INVALID_PARAMETER_VALUE',
            `${local.label}: param '${key}' is '${value}' in the results folder but '${have}' in MLflow run ${runId}; MLflow params cannot change`,
          );
        }
      }
    }
    if (kept.length > 0) {
      this.log(
        `${local.label}: the study was edited since run ${runId} was made; params ${kept.join(', ')} keep their first values (MLflow params cannot change), the current definition is its study.json artifact and tag ${STUDY_HASH_TAG}`,
      );
    }
    const tags: RunTag[] = Object.entries(local.tags)
      .filter(([key, value]) => remote.tags[key] !== value)
      .map(([key, value]) => ({ key, value }));
    if (params.length + tags.length + metrics.length > 0) await this.tracker.logBatch(runId, { params, tags, metrics });

    const artifacts = await this.missingArtifacts(runId, local, created, remote.tags);
    for (const rel of artifacts) {
      await this.tracker.logArtifact(runId, join(local.artifactRoot, ...rel.split('/')), posix.dirname(rel) === '.' ? '' : posix.dirname(rel));
    }
    if (local.parent && local.artifacts.length > 0) {
      // Recorded only once the files are there: a sync cut short sends them again.
      const at = String(Math.max(...local.artifacts.map((a) => a.mtimeMs)));
      if (remote.tags[ARTIFACTS_AT_TAG] !== at) {
        await this.tracker.logBatch(runId, { tags: [{ key: ARTIFACTS_AT_TAG, value: at }] });
        tags.push({ key: ARTIFACTS_AT_TAG, value: at });
      }
    }

    const statusChanged = remote.status !== local.status;
    const endChanged = local.status !== 'RUNNING' && remote.endTime !== local.endTime;
    if (statusChanged || endChanged) {
      await this.tracker.updateRun(runId, { status: local.status as RunStatus, endTime: local.endTime });
      this.counts.runsUpdated++;
    }
    this.counts.paramsSent += params.length;
    this.counts.tagsSent += tags.length;
    this.counts.metricsSent += metrics.length;
    this.counts.artifactsSent += artifacts.length;
    const sent = [
      replaced ? 'replaced (its log was rewound since it was sent)' : created ? 'created' : '',
      params.length ? `${params.length} params` : '',
      tags.length ? `${tags.length} tags` : '',
      metrics.length ? `${metrics.length} metric points` : '',
      artifacts.length ? `${artifacts.length} artifacts` : '',
      statusChanged || endChanged ? `status ${local.status}` : '',
    ].filter(Boolean);
    this.log(`${local.label} → run ${runId}: ${sent.length ? sent.join(', ') : 'up to date'}`);
    return { runId, created };
  }

  /**
   * After the parent was made again (deleted in MLflow): the execution's runs still hanging from
   * another parent are deleted, since their trials are now sent again under the new one.
   */
  async deleteOrphans(executionId: string, parentRunId: string): Promise<void> {
    const orphans = await this.tracker.findRunsByTags(this.experimentId, { [EXECUTION_ID_TAG]: executionId, [ROLE_TAG]: 'trial' });
    if (orphans.length === 0) return;
    for (const run of orphans) await this.tracker.deleteRun(run.runId);
    this.counts.runsDeleted += orphans.length;
    this.log(`deleted ${orphans.length} runs of this execution left from a deleted parent run; their trials are sent again under run ${parentRunId}`);
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
 * Makes the tracker hold `studyDir`: an experiment named after the study, a parent run (tag
 * ganbench.executionId) and one child run per ended trial (tags mlflow.parentRunId and
 * ganbench.configHash, the trial id) with its params, tags, metric histories, artifacts and status.
 * Only what the tracker lacks is sent; the counts say how much that was.
 */
export async function syncStudy(studyDir: string, tracker: Tracker, options: SyncOptions = {}): Promise<SyncCounts> {
  // Read the folder's state first: a broken results folder fails before anything is sent.
  let study: StudyLog;
  try {
    study = await readStudyLog(studyDir);
  } catch (err) {
    if (isNotFound(err))
      throw new Error(`${join(studyDir, STUDY_JSON)} does not exist; expected a study results folder (results/<study>) written by \`ganbench sweep\``);
    throw err;
  }
  const runs = new Map<string, RunJson>();
  for (const id of await listTrialIds(studyDir)) runs.set(id, await readRunJson(join(studyDir, TRIALS_DIR, id)));
  for (const id of options.trials ?? []) {
    if (!runs.has(id))
      throw new Error(`trial '${id}' is not in ${studyDir}: no ${join(TRIALS_DIR, id, 'run.json')}; allowed: the folders under ${TRIALS_DIR}/`);
  }
  const ended = [...runs].filter(([, run]) => hasEnded(run.status)).map(([id]) => id);
  const parentFiles = await withTimes(studyDir, await studyArtifacts(studyDir));
  const log = options.log ?? (() => undefined);
  try {
    const experimentId = await tracker.getOrCreateExperiment(study.name);
    const sync = new StudySync(tracker, experimentId, log);
    sync.counts.trialsNotEnded = runs.size - ended.length;
    const parent = await sync.syncRun(parentRun(studyDir, study, [...runs.values()], parentFiles));
    if (parent.created) await sync.deleteOrphans(study.executionId, parent.runId);
    const wanted = options.trials === undefined || parent.created ? undefined : new Set(options.trials);
    for (const id of ended) {
      if (wanted !== undefined && !wanted.has(id)) continue;
      await sync.syncRun(await trialRun(studyDir, study, id, parent.runId));
      options.onTrialSynced?.(id);
    }
    return sync.counts;
  } catch (err) {
    throw withContext(err, studyDir, tracker);
  }
}
