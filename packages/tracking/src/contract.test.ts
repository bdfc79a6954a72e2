/**
 * The same client operations against the in-process fake server (in both of its store flavours)
 * and against MLflow's own server (../shared/mlflow-server), started here once per store: a SQL
 * store (sqlite) and a file store. Where the real stores differ, the suite says how; the fake must
 * pass every test the real server passes. Then a file store written by ganbench is read back
 * through the real server's REST API and through MLflow's Python client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMlflowServer, type RealMlflowServer, realMlflowServerUnavailable, runMlflowPython, startRealMlflowServer } from '@ganbench/tracking/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MlflowError } from './errors.js';
import { FileStore } from './fileStore/fileStore.js';
import { RestClient } from './rest/client.js';
import { parseJsonLenient } from './rest/wire.js';
import { readStudyLog, writeStudyLog } from './runLog/study.js';
import { RunLog } from './runLog/writer.js';
import { syncStudy } from './sync.js';
import type { Metric } from './types.js';

/** How a store behaves where MLflow's stores differ. */
interface StoreBehaviour {
  /** The SQL store keeps finite doubles only: ±Infinity comes back as ±1.7976931348623157e308. */
  infinity: 'kept' | 'clamped';
  /** A changed param is refused with this status: 400 by the SQL store, 500 INTERNAL_ERROR by the file store's log-batch. */
  paramChangeStatus: 400 | 500;
}
const SQL_STORE: StoreBehaviour = { infinity: 'clamped', paramChangeStatus: 400 };
const FILE_STORE: StoreBehaviour = { infinity: 'kept', paramChangeStatus: 500 };

const ZERO = { runsCreated: 0, metricsSent: 0, paramsSent: 0, tagsSent: 0, artifactsSent: 0, runsUpdated: 0, runsDeleted: 0, trialsNotEnded: 0 };

/** Writes a study folder of two ended trials, 30 steps each, with NaN and ±Inf among the values. */
async function writeStudy(name: string): Promise<string> {
  const studyDir = join(await mkdtemp(join(tmpdir(), 'ganbench-contract-study-')), name);
  await writeStudyLog(studyDir, { name, hash: `h-${name}`, source: 'contract.yaml', params: { trials: 2 } });
  for (const id of ['a', 'b']) {
    const log = await RunLog.create(join(studyDir, 'trials', id), {
      name: `trial ${id}`,
      params: { seed: 1, loss: id === 'a' ? 'hinge' : 'minimax' },
      tags: { 'ganbench.configHash': id },
    });
    for (let step = 0; step < 30; step++) {
      const grad = step === 3 ? Number.POSITIVE_INFINITY : step === 4 ? Number.NEGATIVE_INFINITY : step / 7;
      await log.logMetrics(step, { d_loss: step / 30, d_grad_norm: grad, fid: step === 29 ? 12.5 : Number.NaN });
    }
    await log.addArtifact('config.json', `{"id":"${id}"}`);
    await log.addArtifact('samples/step-000010.png', new Uint8Array([137, 80, 78, 71, id.charCodeAt(0)]));
    await log.finish('FINISHED');
  }
  return studyDir;
}

function contractSuite(target: string, behaviour: StoreBehaviour, connect: () => Promise<{ url: string; close: () => Promise<void> }>): void {
  describe(`MLflow REST contract (${target})`, () => {
    let url: string;
    let client: RestClient;
    let close: () => Promise<void> = async () => undefined;
    // Unique per run so a server can be reused.
    const suffix = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    const t0 = Date.now();
    const asStored = (v: number) => (behaviour.infinity === 'clamped' && Math.abs(v) === Number.POSITIVE_INFINITY ? Math.sign(v) * Number.MAX_VALUE : v);

    beforeAll(async () => {
      ({ url, close } = await connect());
      client = new RestClient({ trackingUri: url, baseDelayMs: 1 });
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

    it(`logs 2,500 points with NaN/±Inf in split batches and reads the full history back (±Inf ${behaviour.infinity})`, async () => {
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
      expect(byStep).toEqual(points.map((p) => ({ ...p, value: asStored(p.value) })));
      await client.updateRun(runId, { status: 'FINISHED', endTime: t0 + 5000 });
      const run = await client.getRun(runId);
      expect([run.info.status, run.info.endTime, run.params.lr]).toEqual(['FINISHED', t0 + 5000, '0.0002']);
      expect((await client.findRunsByTags(exp, { 'ganbench.configHash': `c-${suffix}` })).map((r) => r.runId)).toEqual([runId]);
    });

    it(`refuses a changed param with INVALID_PARAMETER_VALUE (HTTP ${behaviour.paramChangeStatus}) at once, without retrying`, async () => {
      const exp = await client.getOrCreateExperiment(`ganbench-contract-${suffix}`);
      const { runId } = await client.createRun(exp, { runName: 'params' });
      const sleeps: number[] = [];
      const retrying = new RestClient({ trackingUri: url, retries: 5, baseDelayMs: 1, sleep: async (ms) => void sleeps.push(ms) });
      await retrying.logBatch(runId, { params: [{ key: 'lr', value: '0.0002' }] });
      await retrying.logBatch(runId, { params: [{ key: 'lr', value: '0.0002' }] });
      const err = (await retrying.logBatch(runId, { params: [{ key: 'lr', value: '0.1' }] }).catch((e: unknown) => e)) as MlflowError;
      expect([err.errorCode, err.httpStatus]).toEqual(['INVALID_PARAMETER_VALUE', behaviour.paramChangeStatus]);
      expect(err.message).toContain('Changing param values is not allowed.');
      expect(err.message).toContain("'0.0002'");
      expect(sleeps).toEqual([]);
      expect((await client.getRun(runId)).params).toEqual({ lr: '0.0002' });
    });

    it('answers metrics/get-history without max_results with no points, and a token for the same offset', async () => {
      const exp = await client.getOrCreateExperiment(`ganbench-contract-${suffix}`);
      const { runId } = await client.createRun(exp, { runName: 'history' });
      await client.logBatch(runId, { metrics: [0, 1, 2].map((step) => ({ key: 'm', value: step, timestamp: t0 + step, step })) });
      const raw = async (query: string) =>
        parseJsonLenient(await (await fetch(`${url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=m${query}`)).text()) as {
          metrics?: unknown[];
          next_page_token?: string;
        };
      const bare = await raw('');
      expect(bare.metrics ?? []).toEqual([]);
      expect(bare.next_page_token).toBeTypeOf('string');
      expect((await raw(`&page_token=${encodeURIComponent(bare.next_page_token as string)}`)).metrics ?? []).toEqual([]);
      expect((await raw('&max_results=3')).metrics).toHaveLength(3);
      expect(await client.getMetricHistory(runId, 'm')).toHaveLength(3);
    });

    it("sets the run's user from the mlflow.user tag", async () => {
      const exp = await client.getOrCreateExperiment(`ganbench-contract-${suffix}`);
      const { runId } = await client.createRun(exp, { runName: 'user', tags: { 'mlflow.user': 'ada' } });
      const run = await client.getRun(runId);
      expect([run.info.userId, run.tags['mlflow.user']]).toEqual(['ada', 'ada']);
    });

    it('deletes a run: searches stop finding it, it stays readable by id, writes to it are refused', async () => {
      const exp = await client.getOrCreateExperiment(`ganbench-contract-${suffix}`);
      const tags = { 'ganbench.executionId': `del-${suffix}` };
      const { runId } = await client.createRun(exp, { runName: 'deleted', tags });
      await client.logBatch(runId, { metrics: [{ key: 'm', value: 1, timestamp: t0, step: 0 }] });
      await client.deleteRun(runId);
      expect(await client.findRunsByTags(exp, tags)).toEqual([]);
      expect((await client.getRun(runId)).info.lifecycleStage).toBe('deleted');
      const err = (await client.logBatch(runId, { tags: [{ key: 'a', value: 'b' }] }).catch((e: unknown) => e)) as MlflowError;
      expect([err.errorCode, err.httpStatus]).toEqual(['INVALID_PARAMETER_VALUE', 400]);
      await client.deleteRun(runId); // again: no error
      const missing = (await client.deleteRun('0123456789abcdef0123456789abcdef').catch((e: unknown) => e)) as MlflowError;
      expect([missing.errorCode, missing.httpStatus]).toEqual(['RESOURCE_DOES_NOT_EXIST', 404]);
    });

    it('uploads artifacts and lists them', async () => {
      const exp = await client.getOrCreateExperiment(`ganbench-contract-${suffix}`);
      const { runId } = await client.createRun(exp, { runName: 'artifacts' });
      const dir = await mkdtemp(join(tmpdir(), 'ganbench-contract-'));
      await writeFile(join(dir, 'grid.png'), Buffer.from([137, 80, 78, 71, 1, 2, 3]));
      await client.logArtifact(runId, join(dir, 'grid.png'), 'samples');
      expect(await client.listArtifacts(runId)).toEqual([{ path: 'samples/grid.png', size: 7 }]);
    });

    it('syncs a study with nested runs and a second sync sends nothing; a deleted parent is made again with its children', async () => {
      const studyDir = await writeStudy(`ganbench-contract-study-${suffix}`);
      const first = await syncStudy(studyDir, client);
      expect(first).toMatchObject({ runsCreated: 3, metricsSent: 180, artifactsSent: 5, runsDeleted: 0 });
      expect(await syncStudy(studyDir, client)).toEqual(ZERO);
      const exp = await client.getOrCreateExperiment(`ganbench-contract-study-${suffix}`);
      const execution = { 'ganbench.executionId': (await readStudyLog(studyDir)).executionId };
      const [parent] = await client.findRunsByTags(exp, { ...execution, 'ganbench.role': 'study' });
      await client.deleteRun(parent?.runId as string);
      expect(await syncStudy(studyDir, client)).toMatchObject({ runsCreated: 3, metricsSent: 180, runsDeleted: 2 });
      const runs = await client.findRunsByTags(exp, execution);
      expect(runs).toHaveLength(3);
      const [again] = await client.findRunsByTags(exp, { ...execution, 'ganbench.role': 'study' });
      expect(runs.filter((r) => r.runId !== again?.runId).map((r) => r.runName)).toEqual(['trial a', 'trial b']);
      for (const r of runs) if (r.runId !== again?.runId) expect((await client.getRun(r.runId)).tags['mlflow.parentRunId']).toBe(again?.runId);
      expect(await syncStudy(studyDir, client)).toEqual(ZERO);
    });
  });
}

const fake = (store: 'sql' | 'file') => async () => {
  const server = await FakeMlflowServer.start({ maxHistoryPageSize: 1000, store });
  return { url: server.url, close: () => server.close() };
};
contractSuite('in-process fake server, SQL store', SQL_STORE, fake('sql'));
contractSuite('in-process fake server, file store', FILE_STORE, fake('file'));

const unavailable = realMlflowServerUnavailable();
if (unavailable !== null) {
  // CI sets GANBENCH_REQUIRE_MLFLOW=1: there the real server must run, never skip.
  if (process.env.GANBENCH_REQUIRE_MLFLOW === '1') throw new Error(`GANBENCH_REQUIRE_MLFLOW=1 but MLflow's own server cannot start: ${unavailable}`);
  console.warn(`contract.test.ts: skipping MLflow's own server: ${unavailable}`);
}

describe.skipIf(unavailable !== null)("MLflow's own server", () => {
  const root = mkdtempSync(join(tmpdir(), 'ganbench-mlflow-server-'));
  let sql: RealMlflowServer | undefined;
  let file: RealMlflowServer | undefined;
  const up = (server: () => RealMlflowServer | undefined) => async () => ({ url: (server() as RealMlflowServer).url, close: async () => undefined });

  beforeAll(async () => {
    // Both at once: each spends its few seconds importing MLflow.
    [sql, file] = await Promise.all([
      startRealMlflowServer({ store: 'sql', dir: join(root, 'sql') }),
      startRealMlflowServer({ store: 'file', dir: join(root, 'file') }),
    ]);
    console.info(`MLflow servers up in ${sql.startSeconds.toFixed(1)} s (SQL store) and ${file.startSeconds.toFixed(1)} s (file store)`);
  });
  afterAll(async () => {
    await Promise.all([sql?.close(), file?.close()]);
    rmSync(root, { recursive: true, force: true });
  });

  contractSuite(
    'MLflow 3.6 server, SQL store (sqlite)',
    SQL_STORE,
    up(() => sql),
  );
  contractSuite(
    'MLflow 3.6 server, file store',
    FILE_STORE,
    up(() => file),
  );

  describe('a file store written by ganbench', () => {
    let studyDir: string;
    let name: string;
    let store: FileStore;
    beforeAll(async () => {
      name = `ganbench-written-${Date.now()}`;
      studyDir = await writeStudy(name);
      // ganbench writes into the folder the real server serves as its file store.
      store = new FileStore((file as RealMlflowServer).backendStoreUri);
      expect(await syncStudy(studyDir, store)).toMatchObject({ runsCreated: 3, metricsSent: 180, artifactsSent: 5 });
    });

    /** What the folder says each run holds, by run name. */
    const expected = async () => {
      const study = await readStudyLog(studyDir);
      const out: Record<string, { params: Record<string, string>; tags: Record<string, string>; metrics: Record<string, Metric[]>; artifacts: string[] }> = {};
      out[name] = {
        params: { trials: '2' },
        tags: { 'ganbench.executionId': study.executionId, 'ganbench.studyHash': `h-${name}`, 'mlflow.source.name': 'contract.yaml' },
        metrics: {},
        artifacts: ['study.json'],
      };
      for (const id of ['a', 'b']) {
        const points = (await readFile(join(studyDir, 'trials', id, 'metrics.jsonl'), 'utf8'))
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { key: string; value: number | string; step: number; timestamp: number })
          .map((m) => ({ key: m.key, value: Number(m.value), step: m.step, timestamp: m.timestamp }));
        const metrics: Record<string, Metric[]> = {};
        for (const p of points) metrics[p.key] = [...(metrics[p.key] ?? []), p];
        out[`trial ${id}`] = {
          params: { seed: '1', loss: id === 'a' ? 'hinge' : 'minimax' },
          tags: { 'ganbench.configHash': id, 'ganbench.executionId': study.executionId },
          metrics,
          artifacts: ['config.json', 'samples/step-000010.png'],
        };
      }
      return out;
    };

    it("reads back through the real server's REST API: runs, nesting, params, tags, full histories, artifacts", async () => {
      const rest = new RestClient({ trackingUri: (file as RealMlflowServer).url, historyPageSize: 7 });
      const exp = await rest.getOrCreateExperiment(name);
      expect(exp).toBe(await store.getOrCreateExperiment(name));
      const want = await expected();
      const runs = await rest.searchRuns([exp], '');
      expect(runs.map((r) => r.info.runName).sort()).toEqual(Object.keys(want).sort());
      const parent = runs.find((r) => r.info.runName === name);
      for (const run of runs) {
        const w = want[run.info.runName];
        if (w === undefined) throw new Error(`unexpected run ${run.info.runName}`);
        expect(run.info.status).toBe('FINISHED');
        expect(run.params).toEqual(w.params);
        expect(run.tags).toMatchObject(w.tags);
        if (run !== parent) expect(run.tags['mlflow.parentRunId']).toBe(parent?.info.runId);
        for (const [key, points] of Object.entries(w.metrics)) expect(await rest.getMetricHistory(run.info.runId, key)).toEqual(points);
        expect((await rest.listArtifacts(run.info.runId)).map((a) => a.path)).toEqual(w.artifacts);
      }
      const trialA = runs.find((r) => r.info.runName === 'trial a');
      const res = await fetch(`${(file as RealMlflowServer).url}/get-artifact?path=samples/step-000010.png&run_uuid=${trialA?.info.runId}`);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([137, 80, 78, 71, 97]));
    });

    it("reads back through MLflow's Python client", async () => {
      const script = `
import json, sys
from mlflow import MlflowClient
client = MlflowClient(tracking_uri="file://" + sys.argv[1])
exp = client.get_experiment_by_name(sys.argv[2])
def files(run_id, path=None):
    out = []
    for f in client.list_artifacts(run_id, path):
        out += files(run_id, f.path) if f.is_dir else [f.path]
    return out
runs = {}
for r in client.search_runs([exp.experiment_id]):
    runs[r.info.run_name] = {
        "status": r.info.status, "user": r.info.user_id, "parent": r.data.tags.get("mlflow.parentRunId"), "id": r.info.run_id,
        "params": r.data.params, "tags": r.data.tags,
        "metrics": {k: [[m.key, repr(m.value), m.step, m.timestamp] for m in client.get_metric_history(r.info.run_id, k)] for k in r.data.metrics},
        "artifacts": sorted(files(r.info.run_id)),
    }
print(json.dumps(runs))
`;
      const got = JSON.parse(runMlflowPython(script, [(file as RealMlflowServer).backendStoreUri, name])) as Record<
        string,
        {
          status: string;
          parent: string | null;
          id: string;
          params: Record<string, string>;
          tags: Record<string, string>;
          metrics: Record<string, [string, string, number, number][]>;
          artifacts: string[];
        }
      >;
      const want = await expected();
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      const pyFloat = (v: number) => (Number.isNaN(v) ? 'nan' : v === Number.POSITIVE_INFINITY ? 'inf' : v === Number.NEGATIVE_INFINITY ? '-inf' : null);
      for (const [runName, w] of Object.entries(want)) {
        const run = got[runName];
        expect(run?.status).toBe('FINISHED');
        expect(run?.parent).toBe(runName === name ? null : got[name]?.id);
        expect(run?.params).toEqual(w.params);
        expect(run?.tags).toMatchObject(w.tags);
        expect(run?.artifacts).toEqual(w.artifacts);
        expect(Object.keys(run?.metrics ?? {}).sort()).toEqual(Object.keys(w.metrics).sort());
        for (const [key, points] of Object.entries(w.metrics)) {
          const history = run?.metrics[key] ?? [];
          expect(history.map(([k, , step, timestamp]) => [k, step, timestamp])).toEqual(points.map((p) => [p.key, p.step, p.timestamp]));
          // Python's repr of each float: the non-finite ones by name, the rest parse back to the same double.
          history.forEach(([, value], i) => {
            const v = points[i]?.value as number;
            expect(pyFloat(v) ?? Number(value)).toEqual(pyFloat(v) === null ? v : value);
          });
        }
      }
    });
  });
});
