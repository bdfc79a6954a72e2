import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMlflowServer, type FakeMlflowState } from '@ganbench/tracking/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlflowError } from './errors.js';
import { artifactDirOf, FileStore } from './fileStore/fileStore.js';
import { RestClient } from './rest/client.js';
import { readStudyLog, writeStudyLog } from './runLog/study.js';
import { RunLog } from './runLog/writer.js';
import { missingMetricPoints, type SyncCounts, syncStudy } from './sync.js';
import type { Tracker } from './types.js';

const T0 = 1_763_800_000_000;
const ZERO: SyncCounts = { runsCreated: 0, metricsSent: 0, paramsSent: 0, tagsSent: 0, artifactsSent: 0, runsUpdated: 0, runsDeleted: 0, trialsNotEnded: 0 };
/** A sync that sends nothing while makeStudy's t3 is still running. */
const UNCHANGED: SyncCounts = { ...ZERO, trialsNotEnded: 1 };

let studyDir: string;
const servers: FakeMlflowServer[] = [];

beforeEach(async () => {
  studyDir = join(await mkdtemp(join(tmpdir(), 'ganbench-sync-')), 'results', 'quick');
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(
  options: ConstructorParameters<typeof FakeMlflowState>[0] & { state?: FakeMlflowState; port?: number } = {},
): Promise<FakeMlflowServer> {
  const s = await FakeMlflowServer.start({ maxHistoryPageSize: 40, ...options });
  servers.push(s);
  return s;
}

function client(server: FakeMlflowServer, retries = 0): RestClient {
  return new RestClient({ trackingUri: server.url, retries, baseDelayMs: 1, historyPageSize: 25 });
}

async function trial(id: string, status: 'FINISHED' | 'FAILED' | 'RUNNING', steps: number, loss: string): Promise<RunLog> {
  let clock = T0;
  const log = await RunLog.create(
    join(studyDir, 'trials', id),
    {
      name: `${loss} seed 0`,
      params: { loss, lr: 0.0002, seed: 0 },
      tags: { 'ganbench.study': 'quick', 'ganbench.configHash': id, 'ganbench.backend': 'wasm' },
      startTime: T0,
    },
    { now: () => clock++ },
  );
  for (let step = 0; step < steps; step++) await log.logMetrics(step, { d_loss: 0.7 - step / 1000, g_loss: step === 3 ? Number.NaN : 0.69 });
  await log.addArtifact('config.json', JSON.stringify({ id }));
  await log.addArtifact('samples/step-000010.png', new Uint8Array([137, 80, 78, 71, steps % 256]));
  if (status !== 'RUNNING') await log.finish(status, T0 + 10_000);
  return log;
}

async function makeStudy(): Promise<void> {
  await writeStudyLog(studyDir, {
    name: 'quick',
    hash: 'studyhash1',
    source: 'experiments/quick.yaml',
    createdAt: new Date(T0).toISOString(),
    params: { steps: 50 },
  });
  await trial('t1', 'FINISHED', 50, 'hinge');
  await trial('t2', 'FAILED', 5, 'minimax');
  await trial('t3', 'RUNNING', 20, 'wasserstein');
}

/** Every file under the study with its content hash and mtime, to prove a sync only reads. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else
        out[p] = `${createHash('sha256')
          .update(await readFile(p))
          .digest('hex')} ${(await stat(p)).mtimeMs}`;
    }
  };
  await walk(dir);
  return out;
}

/** What a tracker holds for each trial: parent link, status, and each metric's full history length. */
async function trialView(tracker: Tracker): Promise<Record<string, unknown>> {
  const exp = await tracker.getOrCreateExperiment('quick');
  const [parent] = await tracker.findRunsByTags(exp, { 'ganbench.role': 'study' });
  const out: Record<string, unknown> = {};
  for (const id of ['t1', 't2', 't3']) {
    const runs = await tracker.findRunsByTags(exp, { 'ganbench.configHash': id });
    const run = runs[0];
    if (run === undefined) continue;
    const full = await tracker.getRun(run.runId);
    out[id] = {
      copies: runs.length,
      parent: full.tags['mlflow.parentRunId'] === parent?.runId,
      status: full.info.status,
      d_loss: (await tracker.getMetricHistory(run.runId, 'd_loss')).length,
      g_loss_nan: (await tracker.getMetricHistory(run.runId, 'g_loss')).filter((m) => Number.isNaN(m.value)).length,
      params: full.params,
      artifacts: (await tracker.listArtifacts(run.runId)).map((a) => a.path),
    };
  }
  return out;
}

/** t1 and t2 as makeStudy writes them; t3 only once it has ended (a running trial is never sent). */
const expectedView = (t3?: { steps: number; status: string }): Record<string, unknown> => ({
  t1: {
    copies: 1,
    parent: true,
    status: 'FINISHED',
    d_loss: 50,
    g_loss_nan: 1,
    params: { loss: 'hinge', lr: '0.0002', seed: '0' },
    artifacts: ['config.json', 'samples/step-000010.png'],
  },
  t2: {
    copies: 1,
    parent: true,
    status: 'FAILED',
    d_loss: 5,
    g_loss_nan: 1,
    params: { loss: 'minimax', lr: '0.0002', seed: '0' },
    artifacts: ['config.json', 'samples/step-000010.png'],
  },
  ...(t3 === undefined
    ? {}
    : {
        t3: {
          copies: 1,
          parent: true,
          status: t3.status,
          d_loss: t3.steps,
          g_loss_nan: 1,
          params: { loss: 'wasserstein', lr: '0.0002', seed: '0' },
          artifacts: ['config.json', 'samples/step-000010.png'],
        },
      }),
});

// t1 and t2 (t3 is running): 50 + 5 steps, two metrics each; 3 params per trial and one on the parent; 2 artifacts per trial and study.json.
const FIRST_SYNC = { runsCreated: 3, metricsSent: 110, paramsSent: 7, artifactsSent: 5, trialsNotEnded: 1 };

describe('missingMetricPoints', () => {
  it('matches on (step, timestamp) as a multiset', () => {
    const m = (step: number, timestamp: number, value = 0) => ({ key: 'k', value, step, timestamp });
    expect(missingMetricPoints([m(1, 10), m(1, 10), m(2, 10), m(2, 11)], [m(1, 10, 5), m(2, 11)])).toEqual([m(1, 10), m(2, 10)]);
  });
});

describe('syncStudy', () => {
  it('replays a study into the file store: nested runs, histories, artifacts; a second sync sends nothing', async () => {
    await makeStudy();
    const store = new FileStore(join(studyDir, '..', '..', 'mlruns'));
    const lines: string[] = [];
    expect(await syncStudy(studyDir, store, { log: (l) => lines.push(l) })).toMatchObject(FIRST_SYNC);
    expect(await trialView(store)).toEqual(expectedView());
    expect(lines.length).toBe(3);
    const exp = await store.getOrCreateExperiment('quick');
    const [parent] = await store.findRunsByTags(exp, { 'ganbench.role': 'study' });
    expect(parent?.runName).toBe('quick');
    expect(parent?.status).toBe('RUNNING');
    expect((await store.getRun(parent?.runId as string)).params).toEqual({ steps: '50' });
    expect(await syncStudy(studyDir, store)).toEqual(UNCHANGED);
  });

  it('sends a trial once it has ended, and closes the parent when every trial has', async () => {
    await makeStudy();
    const store = new FileStore(join(studyDir, '..', '..', 'mlruns'));
    await syncStudy(studyDir, store);
    let clock = T0 + 50_000;
    const t3 = await RunLog.open(join(studyDir, 'trials', 't3'), { now: () => clock++ });
    for (let step = 20; step < 30; step++) await t3.logMetrics(step, { d_loss: 0.5 });
    await t3.finish('FINISHED', T0 + 60_000);
    // t3 is sent once, whole, now that it has ended: 20 steps of two metrics and 10 of d_loss.
    expect(await syncStudy(studyDir, store)).toEqual({ ...ZERO, runsCreated: 1, metricsSent: 50, paramsSent: 3, artifactsSent: 2, runsUpdated: 2 });
    expect(await trialView(store)).toEqual(expectedView({ steps: 30, status: 'FINISHED' }));
    const exp = await store.getOrCreateExperiment('quick');
    const [parent] = await store.findRunsByTags(exp, { 'ganbench.role': 'study' });
    expect([parent?.status, parent?.endTime]).toEqual(['FINISHED', T0 + 60_000]);
    expect(await syncStudy(studyDir, store)).toEqual(ZERO);
  });

  it('replays a study into an MLflow server: nested runs, paged histories, uploaded artifacts; a second sync sends nothing', async () => {
    await makeStudy();
    const server = await startServer();
    const rest = client(server);
    expect(await syncStudy(studyDir, rest)).toMatchObject(FIRST_SYNC);
    expect(await trialView(rest)).toEqual(expectedView());
    const t1 = [...server.state.runs.values()].find((r) => r.tags.get('ganbench.configHash') === 't1');
    expect(server.state.artifacts.get(`${t1?.experimentId}/${t1?.runId}/artifacts/samples/step-000010.png`)).toEqual(Buffer.from([137, 80, 78, 71, 50]));
    const before = server.requests.length;
    expect(await syncStudy(studyDir, rest)).toEqual(UNCHANGED);
    expect(
      server.requests
        .slice(before)
        .filter((r) => r.method !== 'GET' && !r.path.endsWith('/runs/search'))
        .map((r) => r.path),
    ).toEqual([]);
  });

  it('throws a clear error when the server is down and leaves the study folder untouched', async () => {
    await makeStudy();
    const server = await startServer();
    await server.close();
    const before = await snapshot(studyDir);
    const err = await syncStudy(studyDir, client(server, 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).errorCode).toBe('NETWORK_ERROR');
    expect((err as Error).message).toContain(`MLflow sync of ${studyDir} to ${server.url} stopped: MLflow server at ${server.url} is unreachable`);
    expect((err as Error).message).toContain(`Nothing in ${studyDir} was changed`);
    expect(await snapshot(studyDir)).toEqual(before);
  });

  it('finishes after a failure midway (a batch half sent) without duplicating anything', async () => {
    await makeStudy();
    const server = await startServer();
    // t1's metrics go in several requests at small limits; the second one fails for good.
    const rest = new RestClient({
      trackingUri: server.url,
      retries: 0,
      limits: { maxMetrics: 30, maxParams: 100, maxTags: 100, maxItems: 30, maxBytes: 1_000_000 },
    });
    // Two batches for the parent (its param, then the tag recording its artifacts), then t1's.
    server.inject({ path: '/api/2.0/mlflow/runs/log-batch', skip: 3, status: 500 });
    await expect(syncStudy(studyDir, rest)).rejects.toThrow('HTTP 500');
    // The parent and t1 exist from the first attempt; t1 already holds its first 30 items.
    const second = await syncStudy(studyDir, rest);
    expect(second).toMatchObject({ runsCreated: 1, metricsSent: 110 - 27, paramsSent: 7 - 1 - 3 });
    expect(await trialView(rest)).toEqual(expectedView());
    expect(await syncStudy(studyDir, rest)).toEqual(UNCHANGED);
  });

  it('fills the gaps after a server restart mid-study: same data kept, or all data lost', async () => {
    await writeStudyLog(studyDir, {
      name: 'quick',
      hash: 'studyhash1',
      source: 'experiments/quick.yaml',
      createdAt: new Date(T0).toISOString(),
      params: { steps: 50 },
    });
    await trial('t1', 'FINISHED', 50, 'hinge');
    const server = await startServer();
    await syncStudy(studyDir, client(server));
    // Down while the study goes on: events stay in the results folder.
    await server.close();
    await trial('t2', 'FAILED', 5, 'minimax');
    await trial('t3', 'RUNNING', 20, 'wasserstein');
    await expect(syncStudy(studyDir, client(server))).rejects.toThrow('unreachable');
    // Back with its data: only t2 is sent (t3 is still running).
    await server.restart();
    expect(await syncStudy(studyDir, client(server))).toMatchObject({ runsCreated: 1, metricsSent: 10 });
    expect(await trialView(client(server))).toEqual(expectedView());
    // A new server with nothing: everything is sent again, once.
    const fresh = await startServer();
    expect(await syncStudy(studyDir, client(fresh))).toMatchObject(FIRST_SYNC);
    expect(await trialView(client(fresh))).toEqual(expectedView());
    expect(await syncStudy(studyDir, client(fresh))).toEqual(UNCHANGED);
  });

  it('never sends a running or interrupted trial: one killed and resumed from its checkpoint holds exactly its local points', async () => {
    await makeStudy();
    const server = await startServer();
    await syncStudy(studyDir, client(server));
    // t3 is killed at step 20 and resumed from its checkpoint at step 10: steps 11..29 are logged (again) with new timestamps.
    let clock = T0 + 90_000;
    const resumed = await RunLog.open(join(studyDir, 'trials', 't3'), { resumeFromStep: 10, now: () => clock++ });
    for (let step = 11; step < 20; step++) await resumed.logMetrics(step, { d_loss: 0.1, g_loss: 0.69 });
    await resumed.finish('KILLED');
    expect(await syncStudy(studyDir, client(server))).toEqual(UNCHANGED);
    const again = await RunLog.open(join(studyDir, 'trials', 't3'), { resumeFromStep: 15, now: () => clock++ });
    for (let step = 16; step < 30; step++) await again.logMetrics(step, { d_loss: 0.2, g_loss: 0.69 });
    await again.finish('FINISHED', T0 + 99_000);
    expect(await syncStudy(studyDir, client(server))).toMatchObject({ runsCreated: 1, runsDeleted: 0, trialsNotEnded: 0 });
    const t3 = [...server.state.runs.values()].filter((r) => r.tags.get('ganbench.configHash') === 't3');
    expect(t3).toHaveLength(1);
    const local = (await readFile(join(studyDir, 'trials', 't3', 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; step: number; timestamp: number })
      .filter((m) => m.key === 'd_loss')
      .map((m) => [m.step, m.timestamp]);
    expect(t3[0]?.metrics.get('d_loss')?.map((m) => [m.step, m.timestamp])).toEqual(local);
    expect(local.map(([step]) => step)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('replaces the run of a trial run again after it was sent (a failed trial retried): no points of the old attempt stay', async () => {
    await makeStudy();
    const store = new FileStore(join(studyDir, '..', '..', 'mlruns'));
    await syncStudy(studyDir, store);
    let clock = T0 + 70_000;
    const retry = await RunLog.open(join(studyDir, 'trials', 't2'), { resumeFromStep: 2, now: () => clock++ });
    for (let step = 3; step < 12; step++) await retry.logMetrics(step, { d_loss: 0.3, g_loss: 0.69 });
    await retry.finish('FINISHED', T0 + 80_000);
    const lines: string[] = [];
    expect(await syncStudy(studyDir, store, { log: (l) => lines.push(l) })).toMatchObject({ runsCreated: 1, runsDeleted: 1, metricsSent: 24 });
    expect(lines).toContainEqual(expect.stringMatching(/^trial t2 → run \w+: replaced \(its log was rewound since it was sent\)/));
    const view = (await trialView(store)).t2 as Record<string, unknown>;
    expect(view).toMatchObject({ copies: 1, parent: true, status: 'FINISHED', d_loss: 12, g_loss_nan: 0 });
    expect(await syncStudy(studyDir, store)).toEqual(UNCHANGED);
  });

  it('sends one trial and the parent per call with `trials`, at a cost that does not grow with the trials already sent', async () => {
    await writeStudyLog(studyDir, { name: 'quick', hash: 'studyhash1', source: 'experiments/quick.yaml', params: { trials: 40 } });
    const server = await startServer();
    const rest = client(server);
    const perSync: number[] = [];
    for (let i = 0; i < 40; i++) {
      const id = `t${String(i).padStart(2, '0')}`;
      await trial(id, 'FINISHED', 20, 'hinge');
      const before = server.requests.length;
      await syncStudy(studyDir, rest, { trials: [id] });
      perSync.push(server.requests.length - before);
    }
    // The first sync makes the experiment and the parent; from then on every trial costs the same,
    // and the last one request more: the parent's status, FINISHED now that all 40 have ended.
    expect(new Set(perSync.slice(1, -1))).toEqual(new Set([perSync[1]]));
    expect(perSync[39]).toBe((perSync[1] as number) + 1);
    expect(perSync[1]).toBeLessThanOrEqual(12);
    const runs = [...server.state.runs.values()];
    expect(runs.filter((r) => r.tags.get('ganbench.role') === 'trial').map((r) => r.metrics.get('d_loss')?.length)).toEqual(Array(40).fill(20));
    expect(runs.find((r) => r.tags.get('ganbench.role') === 'study')?.status).toBe('FINISHED');
    // A whole-folder sync afterwards finds everything there.
    expect(await syncStudy(studyDir, rest)).toEqual(ZERO);
    await expect(syncStudy(studyDir, rest, { trials: ['t99'] })).rejects.toThrow(`trial 't99' is not in ${studyDir}: no ${join('trials', 't99', 'run.json')}`);
  });

  describe('one results folder is one execution', () => {
    const parents = async (tracker: Tracker) => tracker.findRunsByTags(await tracker.getOrCreateExperiment('quick'), { 'ganbench.role': 'study' });

    it('the same study in another folder gets its own parent run and children: nothing is merged', async () => {
      await makeStudy();
      const store = new FileStore(join(studyDir, '..', '..', 'mlruns'));
      await syncStudy(studyDir, store);
      const first = studyDir;
      studyDir = join(studyDir, '..', '..', 'reference', 'quick');
      await makeStudy();
      expect(await syncStudy(studyDir, store)).toMatchObject(FIRST_SYNC);
      const [a, b] = await parents(store);
      expect([a?.runId === b?.runId, (await readStudyLog(first)).executionId === (await readStudyLog(studyDir)).executionId]).toEqual([false, false]);
      const exp = await store.getOrCreateExperiment('quick');
      for (const parent of [a, b]) {
        const children = await store.findRunsByTags(exp, { 'mlflow.parentRunId': parent?.runId as string });
        expect(children.map((c) => c.runName).sort()).toEqual(['hinge seed 0', 'minimax seed 0']);
        for (const child of children) expect((await store.getMetricHistory(child.runId, 'd_loss')).length).toBe(child.runName === 'hinge seed 0' ? 50 : 5);
      }
    });

    it('an edited study adds its new trials under the same parent; the parent keeps its first params and says the study changed', async () => {
      await makeStudy();
      const store = new FileStore(join(studyDir, '..', '..', 'mlruns'));
      await syncStudy(studyDir, store);
      const executionId = (await readStudyLog(studyDir)).executionId;
      await writeStudyLog(studyDir, { name: 'quick', hash: 'studyhash2', source: 'experiments/quick.yaml', params: { steps: 60 } });
      expect((await readStudyLog(studyDir)).executionId).toBe(executionId);
      await trial('t4', 'FINISHED', 60, 'least-squares');
      const lines: string[] = [];
      expect(await syncStudy(studyDir, store, { log: (l) => lines.push(l) })).toMatchObject({ runsCreated: 1, metricsSent: 120, artifactsSent: 3 });
      const [parent, ...others] = await parents(store);
      expect(others).toEqual([]);
      const full = await store.getRun(parent?.runId as string);
      expect([full.params, full.tags['ganbench.studyHash']]).toEqual([{ steps: '50' }, 'studyhash2']);
      expect(JSON.parse(await readFile(join(artifactDirOf(full.info.artifactUri), 'study.json'), 'utf8'))).toMatchObject({ hash: 'studyhash2' });
      expect(lines[0]).toContain('params steps keep their first values');
      const exp = await store.getOrCreateExperiment('quick');
      expect((await store.findRunsByTags(exp, { 'mlflow.parentRunId': parent?.runId as string })).map((r) => r.runName).sort()).toEqual([
        'hinge seed 0',
        'least-squares seed 0',
        'minimax seed 0',
      ]);
    });

    it('a parent deleted in MLflow is made again with its children, and the old children are deleted', async () => {
      await makeStudy();
      const store = new FileStore(join(studyDir, '..', '..', 'mlruns'));
      await syncStudy(studyDir, store);
      const [old] = await parents(store);
      await store.deleteRun(old?.runId as string);
      expect(await syncStudy(studyDir, store)).toMatchObject({ ...FIRST_SYNC, runsDeleted: 2 });
      expect(await trialView(store)).toEqual(expectedView());
      const exp = await store.getOrCreateExperiment('quick');
      expect(await store.findRunsByTags(exp, { 'mlflow.parentRunId': old?.runId as string })).toEqual([]);
      expect(await syncStudy(studyDir, store)).toEqual(UNCHANGED);
    });
  });

  it("sends the parent's files again when they are rewritten, even at the same size, and lists nothing when none changed", async () => {
    await makeStudy();
    const server = await startServer();
    const rest = client(server);
    await writeFile(join(studyDir, 'report.md'), '# report: 0.125\n');
    await syncStudy(studyDir, rest);
    const parent = [...server.state.runs.values()].find((r) => r.tags.get('ganbench.role') === 'study');
    const uploads = () => server.requests.filter((r) => r.method === 'PUT').map((r) => r.path.split('/').pop());
    const lists = () => server.requestsTo('/api/2.0/mlflow/artifacts/list').filter((r) => r.query.run_id === parent?.runId).length;
    const [putsBefore, listsBefore] = [uploads().length, lists()];
    expect(await syncStudy(studyDir, rest)).toEqual(UNCHANGED);
    expect([uploads().length, lists()]).toEqual([putsBefore, listsBefore]);
    await new Promise((r) => setTimeout(r, 5));
    await writeFile(join(studyDir, 'report.md'), '# report: 0.250\n');
    expect(await syncStudy(studyDir, rest)).toMatchObject({ artifactsSent: 1 });
    expect(uploads().slice(putsBefore)).toEqual(['report.md']);
    expect(server.state.artifacts.get(`${parent?.experimentId}/${parent?.runId}/artifacts/report.md`)?.toString()).toBe('# report: 0.250\n');
  });

  it('fails before sending anything when the folder is not a study', async () => {
    await mkdir(studyDir, { recursive: true });
    const server = await startServer();
    await expect(syncStudy(studyDir, client(server))).rejects.toThrow(`${join(studyDir, 'study.json')} does not exist`);
    await writeFile(join(studyDir, 'study.json'), '{"name":"x"}');
    await expect(syncStudy(studyDir, client(server))).rejects.toThrow('"hash" must be a non-empty string');
    expect(server.requests).toEqual([]);
  });
});
