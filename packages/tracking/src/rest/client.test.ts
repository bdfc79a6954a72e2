import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FakeMlflowServer, type FakeServerOptions } from '@ganbench/tracking/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { MlflowError } from '../errors.js';
import type { Metric } from '../types.js';
import type { WireLogBatch } from './batch.js';
import { RestClient, type RestClientOptions } from './client.js';

const T0 = 1_700_000_000_000;
const servers: FakeMlflowServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(
  serverOptions: FakeServerOptions = {},
  clientOptions: Partial<RestClientOptions> = {},
): Promise<{ server: FakeMlflowServer; client: RestClient }> {
  const server = await FakeMlflowServer.start(serverOptions);
  servers.push(server);
  const client = new RestClient({ trackingUri: server.url, baseDelayMs: 1, maxDelayMs: 5, ...clientOptions });
  return { server, client };
}

async function newRun(client: RestClient, name = 'exp'): Promise<string> {
  const exp = await client.getOrCreateExperiment(name);
  return (await client.createRun(exp, { runName: 'r', startTime: T0 })).runId;
}

const points = (n: number, key = 'd_loss'): Metric[] => Array.from({ length: n }, (_, i) => ({ key, value: i * 0.25, timestamp: T0 + i, step: i }));

async function failure(p: Promise<unknown>): Promise<MlflowError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MlflowError);
  return err as MlflowError;
}

describe('RestClient against the fake MLflow server', () => {
  it('gets or creates experiments; a duplicate create is RESOURCE_ALREADY_EXISTS', async () => {
    const { client } = await setup();
    const id = await client.getOrCreateExperiment('quick');
    expect(await client.getOrCreateExperiment('quick')).toBe(id);
    expect(await client.getOrCreateExperiment('Default')).toBe('0');
    const err = await failure(client.createExperiment('quick'));
    expect([err.errorCode, err.httpStatus]).toEqual(['RESOURCE_ALREADY_EXISTS', 400]);
    expect(err.endpoint).toBe('POST /api/2.0/mlflow/experiments/create');
  });

  it('splits 2,500 metrics into ≥ 3 log-batch requests, each within the limits, and the server holds all of them', async () => {
    const { server, client } = await setup();
    const runId = await newRun(client);
    await client.logBatch(runId, { metrics: points(2500), params: [{ key: 'lr', value: '0.0002' }], tags: [{ key: 't', value: 'v' }] });
    const batches = server.requestsTo('/api/2.0/mlflow/runs/log-batch');
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const r of batches) {
      const body = r.json as WireLogBatch;
      expect(body.metrics.length).toBeLessThanOrEqual(1000);
      expect(body.metrics.length + body.params.length + body.tags.length).toBeLessThanOrEqual(1000);
      expect(r.bytes).toBeLessThanOrEqual(1_000_000);
    }
    const history = await client.getMetricHistory(runId, 'd_loss');
    expect(history).toEqual(points(2500));
  });

  it('is refused by the server (400) when a batch breaks the limits, which is what the splitting avoids', async () => {
    const { client } = await setup({}, { limits: { maxMetrics: 5000, maxParams: 100, maxTags: 100, maxItems: 5000, maxBytes: 10_000_000 } });
    const runId = await newRun(client);
    const err = await failure(client.logBatch(runId, { metrics: points(1001) }));
    expect([err.errorCode, err.httpStatus]).toEqual(['INVALID_PARAMETER_VALUE', 400]);
    expect(err.message).toContain('A batch logging request can contain at most 1000 metrics. Got 1001 metrics.');
  });

  it('pages get-history with max_results and next_page_token', async () => {
    const { server, client } = await setup({ maxHistoryPageSize: 300 }, { historyPageSize: 1000 });
    const runId = await newRun(client);
    await client.logBatch(runId, { metrics: points(1000) });
    expect(await client.getMetricHistory(runId, 'd_loss')).toEqual(points(1000));
    const calls = server.requestsTo('/api/2.0/mlflow/metrics/get-history');
    expect(calls.length).toBe(4);
    expect(calls.every((c) => c.query.max_results === '1000')).toBe(true);
    expect(calls[0]?.query.page_token).toBeUndefined();
    expect(calls[1]?.query.page_token).toBeDefined();
  });

  it('stops paging when the server repeats a page token', async () => {
    const { server, client } = await setup({ maxHistoryPageSize: 100, repeatHistoryToken: true });
    const runId = await newRun(client);
    await client.logBatch(runId, { metrics: points(1000) });
    const history = await client.getMetricHistory(runId, 'd_loss');
    expect(server.requestsTo('/api/2.0/mlflow/metrics/get-history').length).toBe(2);
    expect(history).toEqual(points(200));
  });

  it('sends NaN and ±Infinity as "NaN"/"Infinity"/"-Infinity" and reads them back, int64 as numbers or strings', async () => {
    for (const int64AsString of [false, true]) {
      // The file store keeps ±Infinity (the SQL store clamps it: contract.test.ts).
      const { server, client } = await setup({ int64AsString, store: 'file' });
      const runId = await newRun(client);
      const special: Metric[] = [
        { key: 'g_loss', value: Number.NaN, timestamp: T0, step: 1 },
        { key: 'g_loss', value: Number.POSITIVE_INFINITY, timestamp: T0 + 1, step: 2 },
        { key: 'g_loss', value: Number.NEGATIVE_INFINITY, timestamp: T0 + 2, step: 3 },
      ];
      await client.logBatch(runId, { metrics: special });
      const sent = server.requestsTo('/api/2.0/mlflow/runs/log-batch')[0]?.json as WireLogBatch;
      expect(sent.metrics.map((m) => m.value)).toEqual(['NaN', 'Infinity', '-Infinity']);
      expect(await client.getMetricHistory(runId, 'g_loss')).toEqual(special);
      const run = await client.getRun(runId);
      expect(run.info.startTime).toBe(T0);
      expect(run.metrics).toEqual([{ key: 'g_loss', value: Number.NEGATIVE_INFINITY, timestamp: T0 + 2, step: 3 }]);
    }
  });

  it('turns a changed param into a 400 INVALID_PARAMETER_VALUE naming key, old and new value', async () => {
    const { client } = await setup();
    const runId = await newRun(client);
    await client.logBatch(runId, { params: [{ key: 'lr', value: '0.001' }] });
    await client.logBatch(runId, { params: [{ key: 'lr', value: '0.001' }] });
    const err = await failure(client.logBatch(runId, { params: [{ key: 'lr', value: '0.002' }] }));
    expect([err.errorCode, err.httpStatus]).toEqual(['INVALID_PARAMETER_VALUE', 400]);
    expect(err.message).toContain("Params were already logged='[{'key': 'lr', 'old_value': '0.001', 'new_value': '0.002'}]'");
  });

  it('creates, updates, gets and searches runs (with page tokens)', async () => {
    const { server, client } = await setup();
    const exp = await client.getOrCreateExperiment('s');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.createRun(exp, { runName: `r${i}`, startTime: T0 + i, tags: { group: i % 2 ? 'odd' : 'even' } })).runId);
    await client.updateRun(ids[0] as string, { status: 'FINISHED', endTime: T0 + 100 });
    const run = await client.getRun(ids[0] as string);
    expect([run.info.status, run.info.endTime, run.info.runName, run.tags['mlflow.runName']]).toEqual(['FINISHED', T0 + 100, 'r0', 'r0']);
    expect((await client.searchRuns([exp], '', { maxResults: 2 })).length).toBe(5);
    expect(server.requestsTo('/api/2.0/mlflow/runs/search').length).toBe(3);
    expect((await client.findRunsByTags(exp, { group: 'even' })).map((r) => r.runName)).toEqual(['r0', 'r2', 'r4']);
    const err = await failure(client.getRun('doesnotexist'));
    expect([err.errorCode, err.httpStatus]).toEqual(['RESOURCE_DOES_NOT_EXIST', 404]);
  });
});

describe('RestClient retries', () => {
  it('honours Retry-After in seconds on 429', async () => {
    const { server, client } = await setup();
    server.inject({ path: '/api/2.0/mlflow/experiments/get-by-name', status: 429, retryAfter: '1' });
    const t = Date.now();
    await client.getOrCreateExperiment('Default');
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
    expect(server.requestsTo('/api/2.0/mlflow/experiments/get-by-name').length).toBe(2);
  });

  it('honours Retry-After as an HTTP date, and backs off exponentially on 503 without one', async () => {
    const slept: number[] = [];
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    const { server, client } = await setup(
      {},
      { sleep: async (ms) => void slept.push(ms), now: () => now, random: () => 0, baseDelayMs: 100, maxDelayMs: 10_000 },
    );
    server.inject({ status: 429, retryAfter: 'Wed, 21 Oct 2015 07:28:05 GMT' });
    server.inject({ status: 503, times: 3 });
    await client.getOrCreateExperiment('Default');
    // With random() = 0 a backoff is ½·base·2^attempt: 100, 200, 400 for attempts 1–3.
    expect(slept).toEqual([5000, 100, 200, 400]);
  });

  it('gives up after the configured retries with the last status', async () => {
    const { server, client } = await setup({}, { retries: 2 });
    server.inject({ status: 503, times: 10 });
    const err = await failure(client.getOrCreateExperiment('Default'));
    expect([err.errorCode, err.httpStatus]).toEqual(['TEMPORARILY_UNAVAILABLE', 503]);
    expect(server.requests.length).toBe(3);
  });

  it('fails at once when Retry-After asks for longer than maxRetryAfterMs', async () => {
    const { server, client } = await setup({}, { maxRetryAfterMs: 1000 });
    server.inject({ status: 429, retryAfter: '3600' });
    const err = await failure(client.getOrCreateExperiment('Default'));
    expect(err.httpStatus).toBe(429);
    expect(server.requests.length).toBe(1);
  });

  it('retries dropped connections and timeouts of idempotent calls', async () => {
    const { server, client } = await setup({}, { timeoutMs: 150 });
    server.inject({ path: '/api/2.0/mlflow/experiments/get-by-name', drop: true });
    server.inject({ path: '/api/2.0/mlflow/experiments/get-by-name', delayMs: 600 });
    expect(await client.getOrCreateExperiment('Default')).toBe('0');
    expect(server.requestsTo('/api/2.0/mlflow/experiments/get-by-name').length).toBe(3);
  });

  it('does not repeat runs/create after an ambiguous failure, but does after a 503', async () => {
    const { server, client } = await setup();
    const exp = await client.getOrCreateExperiment('x');
    server.inject({ path: '/api/2.0/mlflow/runs/create', drop: true });
    const err = await failure(client.createRun(exp, { runName: 'a' }));
    expect(err.errorCode).toBe('NETWORK_ERROR');
    expect(server.requestsTo('/api/2.0/mlflow/runs/create').length).toBe(1);
    server.inject({ path: '/api/2.0/mlflow/runs/create', status: 503 });
    await client.createRun(exp, { runName: 'b' });
    expect(server.requestsTo('/api/2.0/mlflow/runs/create').length).toBe(3);
    expect(server.state.runs.size).toBe(1);
  });

  it('reports an unreachable server with its URL and the number of attempts', async () => {
    const { server, client } = await setup({}, { retries: 2 });
    await server.close();
    const err = await failure(client.getOrCreateExperiment('x'));
    expect(err.errorCode).toBe('NETWORK_ERROR');
    expect(err.message).toContain(`MLflow server at ${server.url} is unreachable`);
    expect(err.message).toContain('after 3 attempt(s)');
  });
});

describe('RestClient auth', () => {
  const auth = {
    users: { ann: { password: 'pw', permission: 'EDIT' as const }, rea: { password: 'r', permission: 'READ' as const } },
    tokens: { tok: 'EDIT' as const },
  };

  it('is 401 without or with wrong credentials, not retried', async () => {
    for (const creds of [{}, { username: 'ann', password: 'nope' }, { token: 'bad' }]) {
      const { server, client } = await setup({ auth }, creds);
      const err = await failure(client.getOrCreateExperiment('x'));
      expect([err.errorCode, err.httpStatus]).toEqual(['UNAUTHENTICATED', 401]);
      expect(server.requests.length).toBe(1);
    }
  });

  it('sends Basic from username/password and Bearer from a token', async () => {
    const basic = await setup({ auth }, { username: 'ann', password: 'pw', token: 'tok' });
    await basic.client.getOrCreateExperiment('x');
    expect(new Set(basic.server.requests.map((r) => r.authorization))).toEqual(new Set([`Basic ${Buffer.from('ann:pw').toString('base64')}`]));
    const bearer = await setup({ auth }, { token: 'tok' });
    await bearer.client.getOrCreateExperiment('y');
    expect(new Set(bearer.server.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer tok']));
  });

  it('is 403 PERMISSION_DENIED for a read-only user writing', async () => {
    const { client } = await setup({ auth }, { username: 'rea', password: 'r' });
    expect(await client.getOrCreateExperiment('Default')).toBe('0');
    const err = await failure(client.getOrCreateExperiment('new'));
    expect([err.errorCode, err.httpStatus]).toEqual(['PERMISSION_DENIED', 403]);
  });
});

describe('RestClient artifacts', () => {
  it('PUTs to /api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<dir>/<file> for mlflow-artifacts: runs', async () => {
    const { server, client } = await setup();
    const exp = await client.getOrCreateExperiment('a');
    const { runId, artifactUri } = await client.createRun(exp, { runName: 'r' });
    expect(artifactUri).toBe(`mlflow-artifacts:/${exp}/${runId}/artifacts`);
    const dir = await mkdtemp(join(tmpdir(), 'ganbench-art-'));
    const file = join(dir, 'step-000500.png');
    const bytes = Buffer.from([137, 80, 78, 71, 0, 255]);
    await writeFile(file, bytes);
    await client.logArtifact(runId, file, 'samples');
    await client.logArtifact(runId, file);
    const put = server.requests.filter((r) => r.method === 'PUT');
    expect(put.map((r) => r.path)).toEqual([
      `/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/samples/step-000500.png`,
      `/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/step-000500.png`,
    ]);
    expect(put[0]?.contentType).toBe('image/png');
    expect(server.state.artifacts.get(`${exp}/${runId}/artifacts/samples/step-000500.png`)).toEqual(bytes);
    expect(await client.listArtifacts(runId)).toEqual([
      { path: 'samples/step-000500.png', size: 6 },
      { path: 'step-000500.png', size: 6 },
    ]);
  });

  it('copies the file when the run artifact URI is a local file: URI', async () => {
    const store = await mkdtemp(join(tmpdir(), 'ganbench-artroot-'));
    const { server, client } = await setup({ artifactRoot: { kind: 'file', uri: pathToFileURL(store).href } });
    const exp = await client.getOrCreateExperiment('a');
    const { runId } = await client.createRun(exp, { runName: 'r' });
    const file = join(store, 'config.json');
    await writeFile(file, '{"a":1}');
    await client.logArtifact(runId, file, 'cfg');
    expect(await readFile(join(store, exp, runId, 'artifacts', 'cfg', 'config.json'), 'utf8')).toBe('{"a":1}');
    expect(server.requests.some((r) => r.method === 'PUT')).toBe(false);
    expect(await client.listArtifacts(runId)).toEqual([{ path: 'cfg/config.json', size: 7 }]);
  });
});
