import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrialRecords } from '@ganbench/study-folder';
import { BASE_STUDY, FAKE_TRIAL_WORKER, RUN_LOG_TRIAL_WORKER } from '@ganbench/sweep/testing';
import { RestClient } from '@ganbench/tracking';
import { FakeMlflowServer } from '@ganbench/tracking/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { expandStudy } from './expand.js';
import { trialId } from './ids.js';
import { parseStudy } from './parse.js';
import { type StudyEvent, TRIALS_DIR } from './pool.js';
import { runStudy, studyHash } from './runStudy.js';

const study = () => parseStudy(BASE_STUDY.replace('steps: 100', 'steps: 20'), 'experiments/tiny.yaml');

/** A tracker whose server is down: a real client of a server that has stopped listening. */
async function downTracker(): Promise<RestClient> {
  const server = await FakeMlflowServer.start();
  await server.close();
  return new RestClient({ trackingUri: server.url, retries: 0 });
}

afterEach(() => {
  delete process.env.FAKE_WORKER_CRASH_SEED;
});

describe('runStudy', () => {
  it('writes study.json, runs the trials, warns once when MLflow is down and goes on; a rerun does no work', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ganbench-study-'));
    const events: StudyEvent[] = [];
    const tracker = await downTracker();
    const run = await runStudy(study(), { out, workers: 2, workerModule: RUN_LOG_TRIAL_WORKER, tracker, onEvent: (e) => events.push(e) });
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

describe('runStudy and MLflow', () => {
  const servers: FakeMlflowServer[] = [];
  afterEach(async () => {
    delete process.env.RUN_LOG_WORKER;
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const server = async () => {
    const s = await FakeMlflowServer.start();
    servers.push(s);
    return { server: s, tracker: new RestClient({ trackingUri: s.url, retries: 0 }) };
  };
  const studyOf = (seeds: number, steps: number) =>
    parseStudy(BASE_STUDY.replace('steps: 100', `steps: ${steps}`).replace('seeds: 2', `seeds: ${seeds}`), 'experiments/tiny.yaml');
  const byRole = (s: FakeMlflowServer, role: string) => [...s.state.runs.values()].filter((r) => r.tags.get('ganbench.role') === role);

  it('sends each trial once, as it ends, with its parent: requests grow linearly with the trials and no history is read back', async () => {
    const { server: s, tracker } = await server();
    const out = mkdtempSync(join(tmpdir(), 'ganbench-study-'));
    const run = await runStudy(studyOf(16, 20), { out, workers: 2, workerModule: RUN_LOG_TRIAL_WORKER, tracker });
    expect(run.finished).toBe(16);
    expect([...run.synced].sort()).toEqual(run.records.map((r) => r.id).sort());
    const children = byRole(s, 'trial');
    expect(children.map((c) => c.metrics.get('d_loss')?.length)).toEqual(Array(16).fill(20));
    expect(children.every((c) => c.status === 'FINISHED' && c.tags.get('mlflow.parentRunId') === byRole(s, 'study')[0]?.runId)).toBe(true);
    expect(s.requestsTo('/api/2.0/mlflow/runs/create')).toHaveLength(17);
    // A sync of a new trial needs nothing back from the server but the parent's state.
    expect(s.requestsTo('/api/2.0/mlflow/metrics/get-history')).toEqual([]);
    // Per trial: its search, create, log-batch, config.json, update; the parent's lookup, search and get.
    expect(s.requests.length).toBeLessThanOrEqual(16 * 8 + 10);
  });

  it('never sends a trial that is still running: one killed mid-run and resumed from its checkpoint holds each step once', async () => {
    const { server: s, tracker } = await server();
    const out = mkdtempSync(join(tmpdir(), 'ganbench-study-'));
    const study = studyOf(3, 100);
    const [, b] = expandStudy(study).map(trialId);
    // Seed 1 stalls at step 90 (checkpoint at 50) while seed 2 runs to its end after seed 0: the
    // sync after seed 2 comes while seed 1 has logged 89 steps, 39 past its checkpoint.
    process.env.RUN_LOG_WORKER = JSON.stringify({ 0: { stepMs: 1 }, 1: { stepMs: 2, checkpointEvery: 50, stallAt: 90 }, 2: { stepMs: 12 } });
    const kill = new AbortController();
    const first = await runStudy(study, {
      out,
      workers: 2,
      workerModule: RUN_LOG_TRIAL_WORKER,
      tracker,
      kill: kill.signal,
      onEvent: (e) => {
        if (e.type === 'trial-end' && e.config.seed === 2) kill.abort();
      },
    });
    expect(first.finished).toBe(2);
    delete process.env.RUN_LOG_WORKER;
    const second = await runStudy(study, { out, workers: 2, workerModule: RUN_LOG_TRIAL_WORKER, tracker });
    expect(second.finished).toBe(1);
    const local = readFileSync(join(out, 'tiny', TRIALS_DIR, b as string, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; step: number; timestamp: number })
      .filter((m) => m.key === 'd_loss');
    expect(local.map((m) => m.step)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const runs = [...s.state.runs.values()].filter((r) => r.tags.get('ganbench.configHash') === b);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.metrics.get('d_loss')?.map((m) => [m.step, m.timestamp])).toEqual(local.map((m) => [m.step, m.timestamp]));
  });

  it("tags runs with MLflow's user, source and the ganbench checkout's commit wherever the command runs, and no commit without git", async () => {
    const { server: s, tracker } = await server();
    const out = mkdtempSync(join(tmpdir(), 'ganbench-study-'));
    const repo = fileURLToPath(new URL('../../..', import.meta.url));
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const cwd = process.cwd();
    process.chdir(out);
    try {
      await runStudy(studyOf(1, 5), { out: 'here', workers: 1, workerModule: RUN_LOG_TRIAL_WORKER, tracker });
    } finally {
      process.chdir(cwd);
    }
    const expected = { 'mlflow.user': userInfo().username, 'mlflow.source.name': 'experiments/tiny.yaml', 'mlflow.source.git.commit': head };
    const tagsOf = (role: string) => Object.fromEntries(byRole(s, role)[0]?.tags ?? []);
    expect(tagsOf('study')).toMatchObject(expected);
    expect(tagsOf('trial')).toMatchObject(expected);
    expect(byRole(s, 'trial')[0]?.userId).toBe(userInfo().username);

    // No git on the PATH: the tag is left out rather than guessed.
    const path = process.env.PATH;
    process.env.PATH = mkdtempSync(join(tmpdir(), 'ganbench-no-git-'));
    const { server: bare, tracker: bareTracker } = await server();
    try {
      await runStudy(studyOf(1, 5), { out: join(out, 'no-git'), workers: 1, workerModule: RUN_LOG_TRIAL_WORKER, tracker: bareTracker });
    } finally {
      process.env.PATH = path;
    }
    const parent = Object.fromEntries(byRole(bare, 'study')[0]?.tags ?? []);
    expect(parent).toMatchObject({ 'mlflow.user': userInfo().username, 'mlflow.source.name': 'experiments/tiny.yaml' });
    expect(parent['mlflow.source.git.commit']).toBeUndefined();
  });
});
