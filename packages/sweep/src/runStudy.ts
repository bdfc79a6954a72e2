import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type TrialConfig, trialParams } from '@ganbench/study-folder';
import { RunLog, syncStudy, type Tracker, writeStudyLog } from '@ganbench/tracking';
import { getMetric } from '@ganbench/train';
import { expandStudy } from './expand.js';
import { shortHash } from './ids.js';
import { type PoolOptions, type PoolSummary, runTrials, type StudyEvent } from './pool.js';
import type { Study } from './schema.js';

/** MLflow's longest param value. */
const MAX_PARAM_LENGTH = 6000;

export interface RunStudyOptions {
  /** Results root; the study goes to `<out>/<study name>/`. Default `results`. */
  out?: string;
  workers?: number;
  gpus?: readonly number[];
  backend?: string;
  signal?: AbortSignal;
  kill?: AbortSignal;
  /** Where each finished trial is synced (see @ganbench/tracking's trackerFromEnv); none: results stay local. */
  tracker?: Tracker;
  onEvent?(event: StudyEvent): void;
  workerModule?: string;
}

export interface StudyRun extends PoolSummary {
  /** The study's results folder. */
  dir: string;
  hash: string;
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
  for (const role of ['loss', 'regularizer'] as const) {
    put(role, study[role]?.name);
    flat(role, study[role]?.params ?? {});
  }
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

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A trial whose worker threw or died: its run log says FAILED, with the error as an artifact. */
async function markRunFailed(dir: string, config: TrialConfig, tags: Record<string, string>, error: string): Promise<void> {
  const name = `${config.loss.name} + ${config.regularizer.name} (seed ${config.seed})`;
  const log = await RunLog.openOrCreate(dir, { name, params: trialParams(config), tags });
  await log.setTags({ 'ganbench.status': 'failed' });
  await log.addArtifact('error.txt', `${error}\n`);
  await log.finish('FAILED');
}

/**
 * Runs a study: study.json first (the MLflow parent run is made from it), then every trial not
 * yet in trials.jsonl in a pool of worker processes, each record appended as its trial ends and
 * the results folder synced to `tracker` after it. A tracker that fails is reported once and the
 * study goes on: everything is on disk, and `ganbench mlflow sync <dir>` replays it later.
 */
export async function runStudy(study: Study, options: RunStudyOptions = {}): Promise<StudyRun> {
  const trials = expandStudy(study);
  const dir = join(options.out ?? 'results', study.name);
  const hash = studyHash(study);
  const commit = gitCommit();
  const commitTag: Record<string, string> = commit === undefined ? {} : { 'ganbench.gitCommit': commit };
  await writeStudyLog(dir, {
    name: study.name,
    hash,
    source: study.source,
    tags: { 'ganbench.study': study.name, 'ganbench.studyHash': hash, ...commitTag },
    params: studyParams(study, trials.length),
  });

  const tracker = options.tracker;
  let syncing: Promise<void> = Promise.resolve();
  let queued = false;
  let warned = false;
  const sync = (): Promise<void> => {
    if (tracker === undefined || queued) return syncing;
    queued = true;
    syncing = syncing.then(async () => {
      queued = false;
      try {
        await syncStudy(dir, tracker);
      } catch (error) {
        if (warned) return;
        warned = true;
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
    tags: commitTag,
    onRecord: () => sync(),
    onFailure: markRunFailed,
  };
  for (const key of ['workers', 'gpus', 'backend', 'signal', 'kill', 'onEvent', 'workerModule'] as const) {
    if (options[key] !== undefined) Object.assign(pool, { [key]: options[key] });
  }
  const summary = await runTrials(trials, pool);
  await syncing;
  return { ...summary, dir, hash };
}
