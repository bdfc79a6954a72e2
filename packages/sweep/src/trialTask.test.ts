import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLease, readTrialIndex, readTrialRecords, TRIAL_INDEX_FILE } from '@ganbench/study-folder';
import { BASE_STUDY, FAKE_TRIAL_WORKER } from '@ganbench/sweep/testing';
import { describe, expect, it } from 'vitest';
import { expandStudy } from './expand.js';
import { trialId } from './ids.js';
import { parseStudy } from './parse.js';
import { TRIALS_DIR } from './pool.js';
import { runStudy, studyHash, TrialIndexError } from './runStudy.js';
import { resolveTaskIndex, runTrialTask } from './trialTask.js';

const studyText = (steps: number, seeds = 3) => BASE_STUDY.replace('steps: 100', `steps: ${steps}`).replace('seeds: 2', `seeds: ${seeds}`);
const study = (steps = 20, seeds = 3) => parseStudy(studyText(steps, seeds), 'experiments/tiny.yaml');
const fresh = () => mkdtempSync(join(tmpdir(), 'ganbench-trial-'));
const steps = (out: string, id: string) =>
  readFileSync(join(out, 'tiny', TRIALS_DIR, id, 'steps.log'), 'utf8')
    .trim()
    .split('\n')
    .map(Number);

describe('the index contract (runTrialTask)', () => {
  it('records index → trial id once, runs exactly trial I, and a recorded trial ends at once', async () => {
    const out = fresh();
    const ids = expandStudy(study()).map(trialId);
    const run = await runTrialTask(study(), { out, index: 2, workerModule: FAKE_TRIAL_WORKER });
    expect(run.records.map((r) => [r.id, r.status])).toEqual([[ids[2], 'finished']]);
    const table = readTrialIndex(join(out, 'tiny'));
    expect(table).toMatchObject({ study: 'tiny', hash: studyHash(study()), trials: ids });
    const written = statSync(join(out, 'tiny', TRIAL_INDEX_FILE)).mtimeMs;

    const again = await runTrialTask(study(), { out, index: 2, workerModule: FAKE_TRIAL_WORKER });
    expect(again.records).toEqual([]);
    expect(again.skipped).toBe(1);
    expect(steps(out, ids[2] as string)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // A local sweep of the same folder runs the other two through the same pool and leaves the table as it is.
    const sweep = await runStudy(study(), { out, workers: 2, workerModule: FAKE_TRIAL_WORKER });
    expect(sweep.records.map((r) => r.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect(statSync(join(out, 'tiny', TRIAL_INDEX_FILE)).mtimeMs).toBe(written);
    expect((await readTrialRecords(join(out, 'tiny'))).length).toBe(3);
  });

  it('refuses a study changed since submission, naming both hashes, before writing anything; an index out of range names the range', async () => {
    const out = fresh();
    await runTrialTask(study(), { out, index: 0, workerModule: FAKE_TRIAL_WORKER });
    const dir = join(out, 'tiny');
    const before = [readFileSync(join(dir, 'study.json'), 'utf8'), readFileSync(join(dir, 'trials.jsonl'), 'utf8')];
    const changed = study(20, 4);
    const error = await runTrialTask(changed, { out, index: 1, workerModule: FAKE_TRIAL_WORKER }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TrialIndexError);
    expect((error as Error).message).toContain(`study hash ${studyHash(study())}`);
    expect((error as Error).message).toContain(`the file now has hash ${studyHash(changed)}`);
    expect([readFileSync(join(dir, 'study.json'), 'utf8'), readFileSync(join(dir, 'trials.jsonl'), 'utf8')]).toEqual(before);
    await expect(runTrialTask(study(), { out, index: 3, workerModule: FAKE_TRIAL_WORKER })).rejects.toThrow(
      '--index: 3 is not allowed; the study has 3 trials, indices 0 to 2',
    );
  });

  it('an interrupted trial checkpoints, records nothing, and resumes from its checkpoint', async () => {
    const out = fresh();
    const ids = expandStudy(study(400)).map(trialId);
    const stop = new AbortController();
    const first = await runTrialTask(study(400), {
      out,
      index: 1,
      workerModule: FAKE_TRIAL_WORKER,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === 'trial-progress' && e.step >= 20) stop.abort();
      },
    });
    expect(first.records).toEqual([]);
    expect(first.interrupted).toBe(1);
    const done = steps(out, ids[1] as string);
    expect(done.length).toBeLessThan(400);
    const second = await runTrialTask(study(400), { out, index: 1, workerModule: FAKE_TRIAL_WORKER });
    expect(second.records[0]).toMatchObject({ id: ids[1], status: 'finished', final: { resumed_from: done.length } });
    // Every step once: the rerun started after the checkpoint.
    expect(steps(out, ids[1] as string)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });

  it('waits while another runner holds the trial, then runs it when that runner lets go', async () => {
    const out = fresh();
    const ids = expandStudy(study()).map(trialId);
    const lease = acquireLease(join(out, 'tiny', TRIALS_DIR, ids[0] as string));
    if (!lease.acquired) throw new Error('expected the lease');
    let waits = 0;
    setTimeout(() => lease.lease.release(), 600);
    const run = await runTrialTask(study(), { out, index: 0, workerModule: FAKE_TRIAL_WORKER, pollMs: 100, onWait: () => waits++ });
    expect(waits).toBeGreaterThan(1);
    expect(run.records.map((r) => r.id)).toEqual([ids[0]]);
  });

  it('takes the index from --index, else SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX', () => {
    expect(resolveTaskIndex(4, { SLURM_ARRAY_TASK_ID: '1' })).toEqual({ index: 4, from: '--index' });
    expect(resolveTaskIndex(undefined, { SLURM_ARRAY_TASK_ID: '1', JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 1, from: 'SLURM_ARRAY_TASK_ID' });
    expect(resolveTaskIndex(undefined, { JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 2, from: 'JOB_COMPLETION_INDEX' });
    expect(resolveTaskIndex(undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '7' })).toEqual({ index: 7, from: 'AWS_BATCH_JOB_ARRAY_INDEX' });
    expect(() => resolveTaskIndex(undefined, { JOB_COMPLETION_INDEX: '-1' })).toThrow("JOB_COMPLETION_INDEX: '-1' is not allowed; must be an integer ≥ 0");
    expect(() => resolveTaskIndex(undefined, {})).toThrow('needs --index I, or one of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX');
  });
});
