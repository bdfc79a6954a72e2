import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrialIndex, recordTrialIndex, regularizersLabel, TRIAL_INDEX_FILE, type TrialConfig, trialParams } from '@ganbench/study-folder';
import { RUN_JSON, RunLog, syncStudy, TRIALS_DIR, type Tracker, writeStudyLog } from '@ganbench/tracking';
import { getMetric, trialName } from '@ganbench/train';
import { expandStudy } from './expand.js';
import { shortHash, trialId } from './ids.js';
import { type PoolOptions, type PoolSummary, runTrials, type StudyEvent } from './pool.js';
import { type Study, studyRegularizers } from './schema.js';

/** MLflow's longest param value. */
const MAX_PARAM_LENGTH = 6000;

export interface RunStudyOptions {
  /** Results root; the study goes to `<out>/<study name>/`. Default `results`. */
  out?: string;
  workers?: number;
  gpus?: readonly number[];
  backend?: string;
  /** Run failed trials again (from their checkpoint where they have one) instead of skipping them. */
  retryFailed?: boolean;
  signal?: AbortSignal;
  kill?: AbortSignal;
  /** Where each finished trial is synced (see @ganbench/tracking's trackerFromEnv); none: results stay local. */
  tracker?: Tracker;
  onEvent?(event: StudyEvent): void;
  workerModule?: string;
  /**
   * Runs only trial `index` of the study's index table (trials.index.json), as a cluster task does
   * (`ganbench trial FILE --index I`). Absent: every trial, and the table is (re)made from this study.
   */
  index?: number;
}

/** Bad input to the index contract: a task's index out of range, or a study changed since it was submitted. */
export class TrialIndexError extends Error {}

/**
 * The trials a run covers, checked before anything is written: every trial (recording the index
 * table, replacing one of an earlier version of the study), or trial `index` of the recorded table,
 * which must come from this very study (a task must not run another study's trial I).
 */
export function selectTrials(study: Study, dir: string, index?: number): TrialConfig[] {
  const trials = expandStudy(study);
  const hash = studyHash(study);
  const table = { study: study.name, hash, trials: trials.map(trialId) };
  if (index === undefined) {
    recordTrialIndex(dir, table, { replace: true });
    return trials;
  }
  // A task that starts a study no sweep or submission has seen (a manifest applied by hand) makes the table.
  const recorded = readTrialIndex(dir) ?? recordTrialIndex(dir, table).index;
  const file = join(dir, TRIAL_INDEX_FILE);
  if (recorded.hash !== hash)
    throw new TrialIndexError(
      `${study.source} has changed since the study was submitted: ${file} was made from study hash ${recorded.hash}, the file now has hash ${hash}; ` +
        'this task refuses to run (its index may name another trial now). Restore the file, or submit the study again (ganbench sweep FILE --slurm) to renumber its trials',
    );
  if (!Number.isInteger(index) || index < 0 || index >= recorded.trials.length)
    throw new TrialIndexError(`--index: ${index} is not allowed; the study has ${recorded.trials.length} trials, indices 0 to ${recorded.trials.length - 1}`);
  const id = recorded.trials[index] as string;
  const config = trials.find((t) => trialId(t) === id);
  // Same hash, same expansion: only a table edited by hand gets here.
  if (config === undefined) throw new TrialIndexError(`${file}: index ${index} names trial ${id}, which study ${study.source} does not have`);
  return [config];
}

export interface StudyRun extends PoolSummary {
  /** The study's results folder. */
  dir: string;
  hash: string;
  /** Trials this run sent to the tracker as each ended; a final `syncStudy` sends the others and the report. */
  synced: string[];
}

/** The study's identity: its validated content, not where the file lives or how it describes itself. */
export function studyHash(study: Study): string {
  const { source: _source, description: _description, $schema: _schema, ...content } = study;
  return shortHash(content);
}

/** The study's settings as MLflow params of its parent run: dotted paths, search-space axes as JSON. */
export function studyParams(study: Study, trials: number): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (value === undefined) return;
    const text =
      typeof value === 'string' ? value : Array.isArray(value) && value.every((v) => typeof v !== 'object') ? value.join(',') : JSON.stringify(value);
    out[key] = text.length > MAX_PARAM_LENGTH ? `${text.slice(0, MAX_PARAM_LENGTH - 1)}…` : text;
  };
  const flat = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) flat(`${prefix}.${key}`, inner);
    } else put(prefix, value);
  };
  flat('dataset', study.dataset);
  put('architecture', study.architecture.name);
  flat('architecture', study.architecture.options);
  flat('training', study.training);
  const primary = primaryMetric(study);
  flat('evaluation', { ...study.evaluation, primary: primary.metric });
  put('evaluation.primary.goal', primary.goal);
  for (const role of ['loss', 'normalization'] as const) {
    put(role, study[role]?.name);
    flat(role, study[role]?.params ?? {});
  }
  const regularizers = studyRegularizers(study).list;
  put('regularizers', regularizersLabel(regularizers));
  for (const { name, params } of regularizers) flat(`regularizers.${name}`, params);
  put('seeds', study.seeds);
  put('search.kind', study.search.kind);
  if (study.search.kind === 'random') {
    put('search.trials', study.search.trials);
    put('search.seed', study.search.seed);
  }
  for (const [key, value] of Object.entries(study.search.space)) put(`search.space.${key}`, value);
  put('trials', trials);
  return out;
}

/** The metric the report ranks by (default: the first evaluated one) and which way is better. */
export function primaryMetric(study: Study): { metric: string; goal: 'min' | 'max' } {
  const metric = study.evaluation.primary ?? (study.evaluation.metrics[0] as string);
  return { metric, goal: getMetric(metric).goal };
}

/**
 * The commit of the ganbench checkout running this, found from this file's own folder so that it
 * is right whatever the current directory; undefined without git, outside a checkout, or when
 * ganbench is an installed package inside someone else's repository (under node_modules).
 */
export function ganbenchGitCommit(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const git = (...args: string[]) => execFileSync('git', ['-C', here, ...args], { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim();
  try {
    if (relative(git('rev-parse', '--show-toplevel'), here).split(/[\\/]/).includes('node_modules')) return undefined;
    return git('rev-parse', 'HEAD') || undefined;
  } catch {
    return undefined;
  }
}

/** The tags MLflow's UI shows as User, Source and Version, as MLflow's own client sets them. */
export function sourceTags(source: string): Record<string, string> {
  const tags: Record<string, string> = { 'mlflow.source.type': 'LOCAL', 'mlflow.source.name': source };
  try {
    tags['mlflow.user'] = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): the sync writes MLflow's 'unknown'.
  }
  const commit = ganbenchGitCommit();
  if (commit !== undefined) {
    tags['mlflow.source.git.commit'] = commit;
    tags['ganbench.gitCommit'] = commit;
  }
  return tags;
}

/** A trial whose worker threw or died: its run log says FAILED, with the error as an artifact. */
async function markRunFailed(dir: string, config: TrialConfig, tags: Record<string, string>, error: string): Promise<void> {
  const name = trialName(config);
  const log = await RunLog.openOrCreate(dir, { name, params: trialParams(config), tags });
  await log.setTags({ 'ganbench.status': 'failed' });
  await log.addArtifact('error.txt', `${error}\n`);
  await log.finish('FAILED');
}

/**
 * Writes the folder's study.json (the MLflow parent run is made from it; its execution id is kept
 * from the first write) and returns the source tags every trial's run gets. A cluster submission
 * writes it before its tasks start, so that they all find one execution id.
 */
export async function writeStudyInfo(study: Study, dir: string): Promise<Record<string, string>> {
  const hash = studyHash(study);
  const runTags = sourceTags(study.source);
  await writeStudyLog(dir, {
    name: study.name,
    hash,
    source: study.source,
    tags: { 'ganbench.study': study.name, 'ganbench.studyHash': hash, ...runTags },
    params: studyParams(study, expandStudy(study).length),
  });
  return runTags;
}

/**
 * Runs a study: study.json first (the MLflow parent run is made from it), then every trial not
 * yet in trials.jsonl in a pool of worker processes, each record appended as its trial ends and
 * that trial (with the parent) sent to `tracker` after it: O(trials) requests in all. A tracker
 * that fails is reported once and not tried again by this run; the study goes on, everything is
 * on disk, and the caller's final sync or `ganbench mlflow sync <dir>` sends the rest later.
 */
export async function runStudy(study: Study, options: RunStudyOptions = {}): Promise<StudyRun> {
  const dir = join(options.out ?? 'results', study.name);
  const hash = studyHash(study);
  const trials = selectTrials(study, dir, options.index);
  const runTags = await writeStudyInfo(study, dir);

  const tracker = options.tracker;
  let syncing: Promise<void> = Promise.resolve();
  const pending: string[] = [];
  const synced: string[] = [];
  let failed = false;
  // Trials that end while a sync runs go together in the next one; after a failure none is tried
  // again (each attempt would wait out the retries of a server that is down).
  const sync = (id: string): Promise<void> => {
    if (tracker === undefined || failed || !existsSync(join(dir, TRIALS_DIR, id, RUN_JSON))) return syncing;
    pending.push(id);
    if (pending.length > 1) return syncing;
    syncing = syncing.then(async () => {
      // A trial the sync that made the parent already sent (it sends every ended trial) is not sent again.
      const ids = pending.splice(0).filter((id) => !synced.includes(id));
      // A sync queued before the one that failed: the server is down, and the warning has been given.
      if (failed || ids.length === 0) return;
      try {
        await syncStudy(dir, tracker, { trials: ids, onTrialSynced: (id) => synced.push(id) });
      } catch (error) {
        failed = true;
        options.onEvent?.({
          type: 'warning',
          message: `MLflow sync to ${tracker.describe()} failed: ${(error as Error).message}\nThe study goes on and its results are safe in ${dir}; send them later with: ganbench mlflow sync ${dir}`,
        });
      }
    });
    return syncing;
  };

  const pool: PoolOptions = {
    studyDir: dir,
    study: study.name,
    primary: primaryMetric(study),
    tags: runTags,
    onRecord: (record) => sync(record.id),
    onFailure: markRunFailed,
  };
  for (const key of ['workers', 'gpus', 'backend', 'retryFailed', 'signal', 'kill', 'onEvent', 'workerModule'] as const) {
    if (options[key] !== undefined) Object.assign(pool, { [key]: options[key] });
  }
  const summary = await runTrials(trials, pool);
  await syncing;
  return { ...summary, dir, hash, synced };
}
