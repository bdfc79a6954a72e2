/**
 * The same client operations against any MLflow tracking server. Always run against the in-process
 * fake; run against a real server with
 *   MLFLOW_TEST_TRACKING_URI=http://localhost:5000 npx vitest run packages/tracking/src/contract.test.ts
 * (credentials, if the server wants them, from MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMlflowServer } from '@ganbench/tracking/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackerFromEnv } from './env.js';
import type { MlflowError } from './errors.js';
import { RestClient } from './rest/client.js';
import { writeStudyLog } from './runLog/study.js';
import { RunLog } from './runLog/writer.js';
import { syncStudy } from './sync.js';
import type { Metric } from './types.js';

const realUri = process.env.MLFLOW_TEST_TRACKING_URI;

function contractSuite(target: string, connect: () => Promise<{ client: RestClient; close: () => Promise<void> }>): void {
  describe(`MLflow REST contract (${target})`, () => {
    let client: RestClient;
    let close: () => Promise<void> = async () => undefined;
    // Unique per run so a real server can be reused.
    const suffix = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    const t0 = Date.now();

    beforeAll(async () => {
      ({ client, close } = await connect());
    });
    afterAll(async () => {
      await close();
    });

    it('creates an experiment once and finds it by name', async () => {
      const name = `ganbench-contract-${suffix}`;
      const id = await client.getOrCreateExperiment(name);
      expect(await client.getOrCreateExperiment(name)).toBe(id);
      const err = await client.createExperiment(name).catch((e: unknown) => e);
      expect((err as MlflowError).errorCode).toBe('RESOURCE_ALREADY_EXISTS');
    });

    it('logs 2,500 points with NaN/±Inf in split batches and reads the full history back', async () => {
      const exp = await client.getOrCreateExperiment(`ganbench-contract-${suffix}`);
      const { runId } = await client.createRun(exp, { runName: 'contract', startTime: t0, tags: { 'ganbench.configHash': `c-${suffix}` } });
      const points: Metric[] = Array.from({ length: 2500 }, (_, i) => ({
        key: 'd_loss',
        value: i === 7 ? Number.NaN : i === 8 ? Number.POSITIVE_INFINITY : i === 9 ? Number.NEGATIVE_INFINITY : i / 8,
        timestamp: t0 + i,
        step: i,
      }));
      await client.logBatch(runId, { metrics: points, params: [{ key: 'lr', value: '0.0002' }] });
      const history = await client.getMetricHistory(runId, 'd_loss');
      const byStep = [...history].sort((a, b) => a.step - b.step);
      expect(byStep).toEqual(points);
      const err = await client.logBatch(runId, { params: [{ key: 'lr', value: '0.1' }] }).catch((e: unknown) => e);
      expect([(err as MlflowError).errorCode, (err as MlflowError).httpStatus]).toEqual(['INVALID_PARAMETER_VALUE', 400]);
      await client.updateRun(runId, { status: 'FINISHED', endTime: t0 + 5000 });
      const run = await client.getRun(runId);
      expect([run.info.status, run.info.endTime, run.params.lr]).toEqual(['FINISHED', t0 + 5000, '0.0002']);
      expect((await client.findRunsByTags(exp, { 'ganbench.configHash': `c-${suffix}` })).map((r) => r.runId)).toEqual([runId]);
    });

    it('uploads artifacts and lists them', async () => {
      const exp = await client.getOrCreateExperiment(`ganbench-contract-${suffix}`);
      const { runId } = await client.createRun(exp, { runName: 'artifacts' });
      const dir = await mkdtemp(join(tmpdir(), 'ganbench-contract-'));
      await writeFile(join(dir, 'grid.png'), Buffer.from([137, 80, 78, 71, 1, 2, 3]));
      await client.logArtifact(runId, join(dir, 'grid.png'), 'samples');
      expect(await client.listArtifacts(runId)).toEqual([{ path: 'samples/grid.png', size: 7 }]);
    });

    it('syncs a study with nested runs, and a second sync sends nothing', async () => {
      const studyDir = join(await mkdtemp(join(tmpdir(), 'ganbench-contract-study-')), `study-${suffix}`);
      await writeStudyLog(studyDir, { name: `ganbench-contract-study-${suffix}`, hash: `h-${suffix}`, source: 'contract.yaml' });
      for (const id of ['a', 'b']) {
        const log = await RunLog.create(join(studyDir, 'trials', id), {
          name: `trial ${id}`,
          params: { seed: 1 },
          tags: { 'ganbench.configHash': `${id}-${suffix}` },
        });
        for (let step = 0; step < 30; step++) await log.logMetrics(step, { d_loss: step / 30, fid: step === 29 ? 12.5 : Number.NaN });
        await log.addArtifact('config.json', '{}');
        await log.finish('FINISHED');
      }
      const first = await syncStudy(studyDir, client);
      expect(first).toMatchObject({ runsCreated: 3, metricsSent: 120, artifactsSent: 3 });
      expect(await syncStudy(studyDir, client)).toEqual({ runsCreated: 0, metricsSent: 0, paramsSent: 0, tagsSent: 0, artifactsSent: 0, runsUpdated: 0 });
    });
  });
}

contractSuite('in-process fake server', async () => {
  const server = await FakeMlflowServer.start({ maxHistoryPageSize: 1000 });
  return { client: new RestClient({ trackingUri: server.url, baseDelayMs: 1 }), close: () => server.close() };
});

describe.skipIf(realUri === undefined)('real server from MLFLOW_TEST_TRACKING_URI', () => {
  contractSuite(realUri ?? 'unset', async () => {
    const tracker = trackerFromEnv({ ...process.env, MLFLOW_TRACKING_URI: realUri });
    if (!(tracker instanceof RestClient)) throw new Error(`MLFLOW_TEST_TRACKING_URI='${realUri}' must be an http(s):// URL`);
    return { client: tracker, close: async () => undefined };
  });
});
