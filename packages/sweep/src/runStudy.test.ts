import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrialRecords } from '@ganbench/study-folder';
import { BASE_STUDY, FAKE_TRIAL_WORKER } from '@ganbench/sweep/testing';
import type { Tracker } from '@ganbench/tracking';
import { afterEach, describe, expect, it } from 'vitest';
import { expandStudy } from './expand.js';
import { trialId } from './ids.js';
import { parseStudy } from './parse.js';
import { type StudyEvent, TRIALS_DIR } from './pool.js';
import { runStudy, studyHash } from './runStudy.js';

const study = () => parseStudy(BASE_STUDY.replace('steps: 100', 'steps: 20'), 'experiments/tiny.yaml');

/** A tracker whose server is down: every call fails. */
function downTracker(): Tracker & { calls: number } {
  const tracker = { calls: 0, describe: () => 'http://127.0.0.1:9' } as Tracker & { calls: number };
  const fail = async () => {
    tracker.calls++;
    throw new Error('connect ECONNREFUSED 127.0.0.1:9');
  };
  for (const method of [
    'getOrCreateExperiment',
    'findRunsByTags',
    'createRun',
    'getRun',
    'logBatch',
    'updateRun',
    'getMetricHistory',
    'logArtifact',
    'listArtifacts',
  ]) {
    Object.assign(tracker, { [method]: fail });
  }
  return tracker;
}

afterEach(() => {
  delete process.env.FAKE_WORKER_CRASH_SEED;
});

describe('runStudy', () => {
  it('writes study.json, runs the trials, warns once when MLflow is down and goes on; a rerun does no work', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ganbench-study-'));
    const events: StudyEvent[] = [];
    const tracker = downTracker();
    const run = await runStudy(study(), { out, workers: 2, workerModule: FAKE_TRIAL_WORKER, tracker, onEvent: (e) => events.push(e) });
    const dir = join(out, 'tiny');
    expect(run).toMatchObject({ dir, hash: studyHash(study()), finished: 2, failed: 0 });

    const log = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8'));
    expect(log).toMatchObject({
      name: 'tiny',
      hash: run.hash,
      source: 'experiments/tiny.yaml',
      tags: { 'ganbench.study': 'tiny', 'ganbench.studyHash': run.hash },
    });
    expect(log.params).toMatchObject({
      'dataset.name': 'ring',
      architecture: 'mlp',
      'architecture.gWidth': '32',
      'training.steps': '20',
      loss: 'non-saturating',
      seeds: '0,1',
      trials: '2',
    });

    const records = await readTrialRecords(dir);
    expect(records.map((r) => r.id).sort()).toEqual(expandStudy(study()).map(trialId).sort());
    expect(records.every((r) => r.primary.metric === 'modes_covered' && r.primary.goal === 'max')).toBe(true);

    const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    expect(tracker.calls).toBeGreaterThanOrEqual(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ECONNREFUSED');
    expect(warnings[0]).toContain(`ganbench mlflow sync ${dir}`);

    events.length = 0;
    const again = await runStudy(study(), { out, workers: 2, workerModule: FAKE_TRIAL_WORKER, onEvent: (e) => events.push(e) });
    expect(again).toMatchObject({ skipped: 2, finished: 0, records: [] });
    expect(events.some((e) => e.type === 'trial-start')).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8')).createdAt).toBe(log.createdAt);
  });

  it("marks a crashed trial's run log FAILED with its error as an artifact", async () => {
    process.env.FAKE_WORKER_CRASH_SEED = '1';
    const out = mkdtempSync(join(tmpdir(), 'ganbench-study-'));
    const run = await runStudy(study(), { out, workers: 1, workerModule: FAKE_TRIAL_WORKER });
    expect(run).toMatchObject({ finished: 1, failed: 1 });
    const failed = run.records.find((r) => r.status === 'failed');
    const trialDir = join(run.dir, TRIALS_DIR, failed?.id as string);
    const runJson = JSON.parse(readFileSync(join(trialDir, 'run.json'), 'utf8'));
    expect(runJson).toMatchObject({
      status: 'FAILED',
      name: 'non-saturating + none (seed 1)',
      tags: { 'ganbench.status': 'failed', 'ganbench.configHash': failed?.id },
    });
    expect(runJson.params).toMatchObject({ loss: 'non-saturating', seed: '1' });
    expect(readFileSync(join(trialDir, 'artifacts', 'error.txt'), 'utf8')).toContain('worker exited with code 3');
    expect(existsSync(join(run.dir, 'trials.jsonl'))).toBe(true);
  });
});
