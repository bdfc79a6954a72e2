import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { MlflowError } from '../errors.js';
import { FileStore } from './fileStore.js';

const T0 = 1_700_000_000_000;

let root: string;
let store: FileStore;

beforeEach(async () => {
  root = join(await mkdtemp(join(tmpdir(), 'ganbench-fs-')), 'mlruns');
  store = new FileStore(root, { now: () => T0, userId: 'tester' });
});

const read = (...parts: string[]): Promise<string> => readFile(join(root, ...parts), 'utf8');

describe('FileStore layout (mlflow/store/tracking/file_store.py)', () => {
  it('creates the Default experiment 0 and .trash on first use, meta.yaml as MLflow writes it', async () => {
    expect(await store.getOrCreateExperiment('Default')).toBe('0');
    expect((await readdir(root)).sort()).toEqual(['.trash', '0']);
    expect(await read('0', 'meta.yaml')).toBe(
      [
        `artifact_location: ${pathToFileURL(join(root, '0')).href}`,
        `creation_time: ${T0}`,
        "experiment_id: '0'",
        `last_update_time: ${T0}`,
        'lifecycle_stage: active',
        'name: Default',
        '',
      ].join('\n'),
    );
  });

  it('gives a new experiment an 18-digit id and finds it again by name', async () => {
    const id = await store.getOrCreateExperiment('quick');
    expect(id).toMatch(/^[1-9]\d{17}$/);
    expect(await store.getOrCreateExperiment('quick')).toBe(id);
    expect(await read(id, 'meta.yaml')).toContain(`experiment_id: '${id}'\n`);
    expect(await read(id, 'meta.yaml')).toContain('name: quick\n');
  });

  it('writes run meta.yaml with every field MLflow persists, status as an integer', async () => {
    const exp = await store.getOrCreateExperiment('quick');
    const { runId, artifactUri } = await store.createRun(exp, { runName: 'trial-a', startTime: T0, tags: { 'ganbench.configHash': 'abc' } });
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    const runDir = join(root, exp, runId);
    expect(artifactUri).toBe(`${pathToFileURL(join(root, exp)).href}/${runId}/artifacts`);
    expect(await read(exp, runId, 'meta.yaml')).toBe(
      [
        `artifact_uri: ${artifactUri}`,
        'deleted_time: null',
        'end_time: null',
        "entry_point_name: ''",
        `experiment_id: '${exp}'`,
        'lifecycle_stage: active',
        `run_id: ${runId}`,
        'run_name: trial-a',
        `run_uuid: ${runId}`,
        "source_name: ''",
        'source_type: 4',
        "source_version: ''",
        `start_time: ${T0}`,
        'status: 1',
        'tags: []',
        'user_id: tester',
        '',
      ].join('\n'),
    );
    expect((await readdir(runDir)).sort()).toEqual(['artifacts', 'meta.yaml', 'metrics', 'params', 'tags']);
    expect(await read(exp, runId, 'tags', 'mlflow.runName')).toBe('trial-a');
    expect(await read(exp, runId, 'tags', 'ganbench.configHash')).toBe('abc');
  });

  it('appends metric lines `<timestamp_ms> <value> <step>` with Python float text, nests keys with "/"', async () => {
    const exp = await store.getOrCreateExperiment('quick');
    const { runId } = await store.createRun(exp, { runName: 'r' });
    await store.logBatch(runId, {
      metrics: [
        { key: 'd_loss', value: 0.5, timestamp: T0, step: 3 },
        { key: 'd_loss', value: 1, timestamp: T0 + 1, step: 4 },
        { key: 'd_loss', value: Number.NaN, timestamp: T0 + 2, step: 5 },
        { key: 'eval/fid', value: Number.POSITIVE_INFINITY, timestamp: T0, step: 0 },
        { key: 'eval/fid', value: 1e-5, timestamp: T0, step: 1 },
      ],
      params: [{ key: 'optimizer/lr', value: '0.0002' }],
      tags: [{ key: 'ganbench.backend', value: 'wasm' }],
    });
    expect(await read(exp, runId, 'metrics', 'd_loss')).toBe(`${T0} 0.5 3\n${T0 + 1} 1.0 4\n${T0 + 2} nan 5\n`);
    expect(await read(exp, runId, 'metrics', 'eval', 'fid')).toBe(`${T0} inf 0\n${T0} 1e-05 1\n`);
    // Params and tags hold the bare value, no newline.
    expect(await read(exp, runId, 'params', 'optimizer', 'lr')).toBe('0.0002');
    expect(await read(exp, runId, 'tags', 'ganbench.backend')).toBe('wasm');
    const history = await store.getMetricHistory(runId, 'd_loss');
    expect(history.map((m) => [m.timestamp, m.value, m.step])).toEqual([
      [T0, 0.5, 3],
      [T0 + 1, 1, 4],
      [T0 + 2, Number.NaN, 5],
    ]);
    expect(await store.getMetricHistory(runId, 'never_logged')).toEqual([]);
    const run = await store.getRun(runId);
    expect(run.params).toEqual({ 'optimizer/lr': '0.0002' });
    expect(run.metrics.find((m) => m.key === 'eval/fid')).toEqual({ key: 'eval/fid', value: 1e-5, timestamp: T0, step: 1 });
  });

  it('reads legacy two-field metric lines as step 0', async () => {
    const exp = await store.getOrCreateExperiment('quick');
    const { runId } = await store.createRun(exp, { runName: 'r' });
    await writeFile(join(root, exp, runId, 'metrics', 'old'), `${T0} 2.5\n`);
    expect(await store.getMetricHistory(runId, 'old')).toEqual([{ key: 'old', value: 2.5, timestamp: T0, step: 0 }]);
  });

  it('refuses to change a logged param like MLflow, and logs nothing from the refused batch', async () => {
    const exp = await store.getOrCreateExperiment('quick');
    const { runId } = await store.createRun(exp, { runName: 'r' });
    await store.logBatch(runId, { params: [{ key: 'lr', value: '0.001' }] });
    await store.logBatch(runId, { params: [{ key: 'lr', value: '0.001' }] });
    const err = await store
      .logBatch(runId, { params: [{ key: 'lr', value: '0.002' }], metrics: [{ key: 'g_loss', value: 1, timestamp: T0, step: 0 }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect((err as MlflowError).message).toBe(
      `Changing param values is not allowed. Param with key='lr' was already logged with value='0.001' for run ID='${runId}'. Attempted logging new value '0.002'.`,
    );
    expect(await read(exp, runId, 'params', 'lr')).toBe('0.001');
    expect(await store.getMetricHistory(runId, 'g_loss')).toEqual([]);
  });

  it('rejects keys MLflow rejects', async () => {
    const exp = await store.getOrCreateExperiment('quick');
    const { runId } = await store.createRun(exp, { runName: 'r' });
    for (const key of ['../x', 'a//b', '/abs', 'bad*char']) {
      await expect(store.logBatch(runId, { params: [{ key, value: '1' }] })).rejects.toThrow(`param key '${key}' is invalid`);
    }
  });

  it('updates status and end time (FINISHED = 3) and finds runs by tags', async () => {
    const exp = await store.getOrCreateExperiment('quick');
    const a = await store.createRun(exp, { runName: 'a', startTime: T0, tags: { k: 'x', j: '1' } });
    await store.createRun(exp, { runName: 'b', startTime: T0 + 5, tags: { k: 'y' } });
    await store.updateRun(a.runId, { status: 'FINISHED', endTime: T0 + 99 });
    const meta = await read(exp, a.runId, 'meta.yaml');
    expect(meta).toContain('status: 3\n');
    expect(meta).toContain(`end_time: ${T0 + 99}\n`);
    const found = await store.findRunsByTags(exp, { k: 'x', j: '1' });
    expect(found.map((r) => [r.runName, r.status, r.endTime])).toEqual([['a', 'FINISHED', T0 + 99]]);
    expect(await store.findRunsByTags(exp, { k: 'x', j: '2' })).toEqual([]);
  });

  it('copies artifacts under artifacts/<dir>/<file> and lists them with sizes', async () => {
    const exp = await store.getOrCreateExperiment('quick');
    const { runId } = await store.createRun(exp, { runName: 'r' });
    const src = join(root, '..', 'grid.png');
    await writeFile(src, Buffer.from([1, 2, 3, 4]));
    await store.logArtifact(runId, src, 'samples');
    await store.logArtifact(runId, src);
    expect(await readFile(join(root, exp, runId, 'artifacts', 'samples', 'grid.png'))).toEqual(Buffer.from([1, 2, 3, 4]));
    expect(await store.listArtifacts(runId)).toEqual([
      { path: 'grid.png', size: 4 },
      { path: 'samples/grid.png', size: 4 },
    ]);
    await expect(store.logArtifact(runId, src, '../escape')).rejects.toThrow("artifact path '../escape' must be relative");
  });

  it('reads experiments written by old MLflow versions (integer ids) and refuses a deleted name', async () => {
    await store.getOrCreateExperiment('Default');
    const legacyDir = join(root, '.trash', '7');
    await mkdir(legacyDir);
    await writeFile(join(legacyDir, 'meta.yaml'), 'artifact_location: /x\nexperiment_id: 7\nlifecycle_stage: deleted\nname: gone\n');
    await expect(store.getOrCreateExperiment('gone')).rejects.toThrow("Experiment 'gone' already exists in deleted state");
    expect((await store.getExperiment('7')).experimentId).toBe('7');
    expect((await stat(join(root, '.trash'))).isDirectory()).toBe(true);
  });
});
