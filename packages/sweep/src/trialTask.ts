import { setTimeout as sleep } from 'node:timers/promises';
import { LEASE_TIMEOUT_MS } from '@ganbench/study-folder';
import { type RunStudyOptions, runStudy, type StudyRun } from './runStudy.js';
import type { Study } from './schema.js';

/** The environment variables a scheduler gives an array task its index in, in the order read. */
export const INDEX_ENV_VARS = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

/** A task's index: the flag, else the first scheduler variable set; an error naming the source and value when it is not an index. */
export function resolveTaskIndex(flag: number | undefined, env: NodeJS.ProcessEnv = process.env): { index: number; from: string } {
  if (flag !== undefined) return { index: flag, from: '--index' };
  for (const name of INDEX_ENV_VARS) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!/^\d+$/.test(value)) throw new Error(`${name}: '${value}' is not allowed; must be an integer ≥ 0 (the task's array index)`);
    return { index: Number(value), from: name };
  }
  throw new Error(`trial: needs --index I, or one of ${INDEX_ENV_VARS.join(', ')} set by the scheduler`);
}

export interface TrialTaskOptions extends Omit<RunStudyOptions, 'index' | 'workers' | 'gpus'> {
  index: number;
  /** How often to look again while another runner holds the trial's lease (default a sixth of the lease timeout). */
  pollMs?: number;
  /** Called once each time the trial is found held by another runner. */
  onWait?(): void;
}

/**
 * One trial of a study, as a cluster task runs it: the local pool's code path (runStudy → runTrials:
 * lease, worker process, checkpoints, record, MLflow sync) restricted to trial `index` with one
 * worker. A trial already recorded ends at once. While another runner holds its lease (a local sweep
 * of the same folder, or this task's previous allocation whose heartbeat has not yet gone stale
 * after a requeue) the task waits and looks again: exiting would leave the trial to nobody if that
 * runner then dies, and training it too would train it twice.
 */
export async function runTrialTask(study: Study, options: TrialTaskOptions): Promise<StudyRun> {
  const { pollMs = LEASE_TIMEOUT_MS / 6, onWait, ...rest } = options;
  for (;;) {
    const run = await runStudy(study, { ...rest, workers: 1 });
    if (run.runningElsewhere === 0 || options.signal?.aborted || options.kill?.aborted) return run;
    onWait?.();
    try {
      await sleep(pollMs, undefined, options.signal === undefined ? {} : { signal: options.signal });
    } catch {
      return run;
    }
  }
}
