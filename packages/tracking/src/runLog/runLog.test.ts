import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseMetricsJsonl } from './metricsJsonl.js';
import { listTrialIds, readRunJson, readRunLog } from './reader.js';
import { ensureExecutionId, readStudyLog, writeStudyLog } from './study.js';
import { RunLog } from './writer.js';

const T0 = 1_763_800_000_000;
let dir: string;
let clock: number;
const now = (): number => clock;

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'ganbench-runlog-')), 'trials', 'abc123');
  clock = T0;
});

describe('RunLog', () => {
  it('writes run.json, metrics.jsonl and artifacts/ in the results layout', async () => {
    const log = await RunLog.create(
      dir,
      { name: 'hinge/r1 seed 0', params: { lr: 0.0002, loss: 'hinge', ema: false }, tags: { 'ganbench.configHash': 'abc123' } },
      { now },
    );
    clock += 10;
    await log.logMetrics(100, { d_loss: 0.69, g_loss: Number.NaN });
    await log.logMetrics(200, { fid: Number.POSITIVE_INFINITY }, T0 + 99);
    await log.setTag('ganbench.status', 'finished');
    await log.addArtifact('samples/step-000500.png', new Uint8Array([1, 2, 3]));
    await log.addArtifact('config.json', '{"seed":0}');
    clock += 5;
    await log.finish('FINISHED');
    expect(JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'))).toEqual({
      name: 'hinge/r1 seed 0',
      status: 'FINISHED',
      startTime: T0,
      endTime: T0 + 15,
      params: { lr: '0.0002', loss: 'hinge', ema: 'false' },
      tags: { 'ganbench.configHash': 'abc123', 'ganbench.status': 'finished' },
    });
    expect(await readFile(join(dir, 'metrics.jsonl'), 'utf8')).toBe(
      [
        `{"key":"d_loss","value":0.69,"step":100,"timestamp":${T0 + 10}}`,
        `{"key":"g_loss","value":"NaN","step":100,"timestamp":${T0 + 10}}`,
        `{"key":"fid","value":"Infinity","step":200,"timestamp":${T0 + 99}}`,
        '',
      ].join('\n'),
    );
    const data = await readRunLog(dir);
    expect(data.artifacts).toEqual(['config.json', 'samples/step-000500.png']);
    expect(data.metrics.map((m) => [m.key, m.value, m.step])).toEqual([
      ['d_loss', 0.69, 100],
      ['g_loss', Number.NaN, 100],
      ['fid', Number.POSITIVE_INFINITY, 200],
    ]);
    // Atomic writes leave no temp files behind.
    expect((await readdir(dir)).sort()).toEqual(['artifacts', 'metrics.jsonl', 'run.json']);
  });

  it('resumes: open keeps earlier lines and sets the status back to RUNNING', async () => {
    const first = await RunLog.create(dir, { name: 'r' }, { now });
    await first.logMetrics(1, { d_loss: 1 });
    await first.finish('KILLED');
    await expect(RunLog.create(dir, { name: 'r' })).rejects.toThrow('already exists; open it with RunLog.open');
    const again = await RunLog.openOrCreate(dir, { name: 'r', params: { lr: 1 } }, { now });
    expect((await readRunJson(dir)).status).toBe('RUNNING');
    await again.logMetrics(2, { d_loss: 2 });
    expect((await readRunLog(dir)).metrics.map((m) => m.step)).toEqual([1, 2]);
    await expect(again.logParams({ lr: 2 })).rejects.toThrow("Param with key='lr' was already logged with value='1'");
  });

  it('resuming from a checkpoint drops the points logged after it', async () => {
    const log = await RunLog.create(dir, { name: 'r' }, { now });
    for (let step = 0; step <= 100; step += 10) await log.logMetrics(step, { d_loss: step });
    await RunLog.open(dir, { now, resumeFromStep: 60 });
    expect((await readRunLog(dir)).metrics.map((m) => m.step)).toEqual([0, 10, 20, 30, 40, 50, 60]);
  });

  it('ignores a torn last line, and a resumed writer does not glue onto it', async () => {
    const log = await RunLog.create(dir, { name: 'r' }, { now });
    await log.logMetrics(1, { d_loss: 1 });
    // A process killed mid-append leaves half a line without its newline.
    await appendFile(join(dir, 'metrics.jsonl'), '{"key":"d_loss","val');
    expect((await readRunLog(dir)).metrics.map((m) => m.step)).toEqual([1]);
    const resumed = await RunLog.open(dir, { now });
    await resumed.logMetrics(2, { d_loss: 2 });
    expect((await readRunLog(dir)).metrics.map((m) => m.step)).toEqual([1, 2]);
    expect((await readFile(join(dir, 'metrics.jsonl'), 'utf8')).split('\n').filter(Boolean).length).toBe(2);
  });

  it('reader: drops an unparsable last line, reports a bad middle line with file and line number', () => {
    const good = '{"key":"a","value":1,"step":0,"timestamp":5}\n';
    expect(parseMetricsJsonl(`${good}{"key":\n`, 'm').tornTail).toBe(true);
    expect(parseMetricsJsonl(`${good}{"key":`, 'm').metrics.length).toBe(1);
    expect(() => parseMetricsJsonl(`${good}garbage\n${good}`, 'm.jsonl')).toThrow('m.jsonl:2:');
    expect(() => parseMetricsJsonl('{"key":"a","value":1,"step":0.5,"timestamp":5}\n{"key":"a","value":1,"step":1,"timestamp":5}\n', 'm')).toThrow(
      '"step" must be an integer, got 0.5',
    );
  });

  it('validates run.json fields and artifact paths', async () => {
    const log = await RunLog.create(dir, { name: 'r' });
    await expect(log.addArtifact('../x', 'a')).rejects.toThrow("artifact path '../x' must be a relative POSIX path");
    await expect(log.logMetrics(1.5, { a: 1 })).rejects.toThrow('step must be an integer, got 1.5');
    await writeFile(join(dir, 'run.json'), JSON.stringify({ name: 'r', status: 'DONE', startTime: 1, endTime: null, params: {}, tags: {} }));
    await expect(readRunJson(dir)).rejects.toThrow('"status" is "DONE"; allowed: RUNNING, FINISHED, FAILED, KILLED');
  });
});

describe('study.json', () => {
  it('round-trips and keeps createdAt across reruns of the same study', async () => {
    const studyDir = join(dir, '..', '..');
    const first = await writeStudyLog(studyDir, {
      name: 'quick',
      hash: 'h1',
      source: 'experiments/quick.yaml',
      params: { steps: 2000 },
      tags: { 'ganbench.gitCommit': 'deadbeef' },
    });
    expect(await readStudyLog(studyDir)).toEqual(first);
    expect(first.params).toEqual({ steps: '2000' });
    const again = await writeStudyLog(studyDir, { name: 'quick', hash: 'h1', source: 'experiments/quick.yaml' });
    expect(again.createdAt).toBe(first.createdAt);
    await RunLog.create(join(studyDir, 'trials', 't2'), { name: 'b' });
    await RunLog.create(dir, { name: 'a' });
    expect(await listTrialIds(studyDir)).toEqual(['abc123', 't2']);
  });

  it('gives the folder one execution id, made by the first write (of many at once) and kept by every later one, an edited study too', async () => {
    const studyDir = join(dir, '..', '..');
    const init = (hash: string) => ({ name: 'quick', hash, source: 'experiments/quick.yaml' });
    const written = await Promise.all(Array.from({ length: 8 }, () => writeStudyLog(studyDir, init('h1'))));
    const id = (await readStudyLog(studyDir)).executionId;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(written.map((s) => s.executionId))).toEqual(new Set([id]));
    expect((await writeStudyLog(studyDir, init('h2'))).executionId).toBe(id);
    expect((await readdir(studyDir)).filter((f) => f !== 'study.json' && f !== 'trials')).toEqual([]);
    const elsewhere = await writeStudyLog(join(studyDir, '..', 'other'), init('h1'));
    expect(elsewhere.executionId).not.toBe(id);
  });

  it('gives a study.json from before execution ids one, once; a bad one fails naming the field, value and what is allowed', async () => {
    const studyDir = join(dir, '..', '..');
    const legacy = { name: 'quick', hash: 'h1', source: 'experiments/quick.yaml', createdAt: new Date(T0).toISOString(), tags: {}, params: {} };
    await writeFile(join(studyDir, 'study.json'), JSON.stringify(legacy));
    await expect(readStudyLog(studyDir)).rejects.toThrow(`${join(studyDir, 'study.json')}: "executionId" is missing`);
    const id = await ensureExecutionId(studyDir);
    expect(await ensureExecutionId(studyDir)).toBe(id);
    expect(await readStudyLog(studyDir)).toEqual({ ...legacy, executionId: id });
    await writeFile(join(studyDir, 'study.json'), JSON.stringify({ ...legacy, executionId: '../x' }));
    await expect(readStudyLog(studyDir)).rejects.toThrow(`"executionId" is "../x"; allowed: 8 to 64 letters, digits, '_' or '-'`);
  });
});
