import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMlflowServer, type FakeMlflowState } from '@ganbench/tracking/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlflowError } from './errors.js';
import { FileStore } from './fileStore/fileStore.js';
import { RestClient } from './rest/client.js';
import { writeStudyLog } from './runLog/study.js';
import { RunLog } from './runLog/writer.js';
import { missingMetricPoints, type SyncCounts, syncStudy } from './sync.js';
import type { Tracker } from './types.js';

const T0 = 1_763_800_000_000;
const ZERO: SyncCounts = { runsCreated: 0, metricsSent: 0, paramsSent: 0, tagsSent: 0, artifactsSent: 0, runsUpdated: 0 };

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
  const [parent] = await tracker.findRunsByTags(exp, { 'ganbench.studyHash': 'studyhash1' });
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

const expectedView = (t3Steps = 20, t3Status = 'RUNNING'): Record<string, unknown> => ({
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
  t3: {
    copies: 1,
    parent: true,
    status: t3Status,
    d_loss: t3Steps,
    g_loss_nan: 1,
    params: { loss: 'wasserstein', lr: '0.0002', seed: '0' },
    artifacts: ['config.json', 'samples/step-000010.png'],
  },
});

// 50 + 5 + 20 steps, two metrics each; 3 params per trial and one on the parent; 2 artifacts per trial and study.json.
const FIRST_SYNC = { runsCreated: 4, metricsSent: 150, paramsSent: 10, artifactsSent: 7 };

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
    expect(lines.length).toBe(4);
    const exp = await store.getOrCreateExperiment('quick');
    const [parent] = await store.findRunsByTags(exp, { 'ganbench.studyHash': 'studyhash1' });
    expect(parent?.runName).toBe('quick');
    expect(parent?.status).toBe('RUNNING');
    expect((await store.getRun(parent?.runId as string)).params).toEqual({ steps: '50' });
    expect(await syncStudy(studyDir, store)).toEqual(ZERO);
  });

  it('sends only what is new after a trial goes on, and closes the parent when every trial has ended', async () => {
    await makeStudy();
    const store = new FileStore(join(studyDir, '..', '..', 'mlruns'));
    await syncStudy(studyDir, store);
    let clock = T0 + 50_000;
    const t3 = await RunLog.open(join(studyDir, 'trials', 't3'), { now: () => clock++ });
    for (let step = 20; step < 30; step++) await t3.logMetrics(step, { d_loss: 0.5 });
    await t3.finish('FINISHED', T0 + 60_000);
    expect(await syncStudy(studyDir, store)).toEqual({ ...ZERO, metricsSent: 10, runsUpdated: 2 });
    expect(await trialView(store)).toEqual(expectedView(30, 'FINISHED'));
    const exp = await store.getOrCreateExperiment('quick');
    const [parent] = await store.findRunsByTags(exp, { 'ganbench.studyHash': 'studyhash1' });
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
    expect(await syncStudy(studyDir, rest)).toEqual(ZERO);
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
    server.inject({ path: '/api/2.0/mlflow/runs/log-batch', skip: 2, status: 500 });
    await expect(syncStudy(studyDir, rest)).rejects.toThrow('HTTP 500');
    // The parent and t1 exist from the first attempt; t1 already holds its first 30 items.
    const second = await syncStudy(studyDir, rest);
    expect(second).toMatchObject({ runsCreated: 2, metricsSent: 150 - 27, paramsSent: 10 - 1 - 3 });
    expect(await trialView(rest)).toEqual(expectedView());
    expect(await syncStudy(studyDir, rest)).toEqual(ZERO);
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
    // Back with its data: only t2 and t3 are sent.
    await server.restart();
    expect(await syncStudy(studyDir, client(server))).toMatchObject({ runsCreated: 2, metricsSent: 50 });
    expect(await trialView(client(server))).toEqual(expectedView());
    // A new server with nothing: everything is sent again, once.
    const fresh = await startServer();
    expect(await syncStudy(studyDir, client(fresh))).toMatchObject(FIRST_SYNC);
    expect(await trialView(client(fresh))).toEqual(expectedView());
    expect(await syncStudy(studyDir, client(fresh))).toEqual(ZERO);
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
