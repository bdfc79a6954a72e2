import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMetricsJsonl, parseTrialsJsonl, readStudyResults, readTrialMetrics } from './records.js';
import { jsonLines, trialRecord } from './testStudy.js';

const a = trialRecord({ id: 'aaa', loss: 'hinge', regularizer: 'none', best: 12.5, final: 13 });
const b = trialRecord({ id: 'bbb', loss: 'hinge', regularizer: 'r1', status: 'diverged', divergedAt: 40, best: 'NaN', final: null });

describe('parseTrialsJsonl', () => {
  it('reads records, keeping the config and decoding NaN and ±Infinity written as strings or null', () => {
    const [first, second] = parseTrialsJsonl(jsonLines([a, b]), 'trials.jsonl');
    expect(first?.config.loss.name).toBe('hinge');
    expect(first?.best).toEqual({ fid: 12.5 });
    expect((first?.config as unknown as { training: { nDisc: number } } | undefined)?.training.nDisc).toBe(1);
    expect(second?.status).toBe('diverged');
    expect(second?.divergedAt).toBe(40);
    expect(second?.best.fid).toBeNaN();
    expect(second?.final.fid).toBeNaN();
    const infinite = parseTrialsJsonl(jsonLines([{ ...a, best: { fid: 'Infinity', kid: '-Infinity' } }]), 't')[0];
    expect(infinite?.best).toEqual({ fid: Number.POSITIVE_INFINITY, kid: Number.NEGATIVE_INFINITY });
  });

  it('leaves out a write cut short wherever it is (several runners append to one file) but not a damaged line', () => {
    const whole = jsonLines([a, b]);
    const torn = `${whole}${JSON.stringify(a).slice(0, 40)}`;
    expect(parseTrialsJsonl(torn, 'trials.jsonl').map((trial) => trial.id)).toEqual(['aaa', 'bbb']);
    // A runner killed mid-append, then another runner's line: the cut-short JSON is a line of its own.
    const tornInside = `${JSON.stringify(a).slice(0, 40)}\n${jsonLines([b])}`;
    expect(parseTrialsJsonl(tornInside, 'results/s/trials.jsonl').map((trial) => trial.id)).toEqual(['bbb']);
    // JSON that is wrong before its end was not cut short: an error naming file and line.
    expect(() => parseTrialsJsonl(`${whole}{"id": ]\n`, 'trials.jsonl')).toThrow(/trials\.jsonl:3: not valid JSON/);
  });

  it('names the file, line, field, value and what is allowed for a bad record', () => {
    const bad = { ...b, status: 'exploded' };
    expect(() => parseTrialsJsonl(jsonLines([a, bad]), 'trials.jsonl')).toThrow(
      'trials.jsonl:2: status: Invalid option: expected one of "finished"|"diverged"|"failed"; got "exploded"',
    );
    const noLoss = { ...a, config: { ...(a.config as object), loss: { params: {} } } };
    expect(() => parseTrialsJsonl(`\n${jsonLines([noLoss])}`, 'x.jsonl')).toThrow(
      'x.jsonl:2: config.loss.name: Invalid input: expected string, received undefined; got nothing',
    );
    expect(() => parseTrialsJsonl(jsonLines([{ ...a, best: { fid: 'lots' } }]), 'x')).toThrow(
      'x:1: best.fid: must be a number, "NaN", "Infinity" or "-Infinity"; got "lots"',
    );
    expect(() => parseTrialsJsonl(jsonLines([{ ...a, id: '../etc' }]), 'x')).toThrow(/x:1: id: must be a plain name/);
    expect(() => parseTrialsJsonl(jsonLines([{ ...a, primary: { metric: 'fid', goal: 'lowest' } }]), 'x')).toThrow(
      'x:1: primary.goal: Invalid option: expected one of "min"|"max"; got "lowest"',
    );
    expect(() => parseTrialsJsonl(jsonLines([{ ...a, steps: -1 }]), 'x')).toThrow('x:1: steps: Too small: expected number to be >=0; got -1');
  });

  it('keeps the last record of a trial logged twice (a retried trial), in first-seen order of the rest', () => {
    const retried = { ...a, best: { fid: 9 } };
    expect(parseTrialsJsonl(jsonLines([a, b, retried]), 't').map((trial) => [trial.id, trial.best.fid])).toEqual([
      ['bbb', Number.NaN],
      ['aaa', 9],
    ]);
  });
});

describe('parseMetricsJsonl', () => {
  it('reads points and applies the same torn-line and error rules', () => {
    const text = `${jsonLines([
      { key: 'd_loss', value: 0.69, step: 100, timestamp: 1 },
      { key: 'd_loss', value: 'NaN', step: 110, timestamp: 2 },
    ])}{"key":"d_lo`;
    const points = parseMetricsJsonl(text, 'metrics.jsonl');
    expect(points).toHaveLength(2);
    expect(points[1]?.value).toBeNaN();
    expect(() => parseMetricsJsonl(jsonLines([{ key: 'd_loss', value: 1, step: 1.5, timestamp: 1 }]), 'm.jsonl')).toThrow(
      'm.jsonl:1: step: Invalid input: expected int, received number; got 1.5',
    );
  });
});

describe('reading a study folder', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('falls back to the record study name without study.json, and reads no metrics for a trial without a run log', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ganbench-study-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'trials.jsonl'), jsonLines([a]));
    const results = await readStudyResults(dir);
    expect(results.info).toEqual({ name: 'synthetic' });
    expect(await readTrialMetrics(dir, 'aaa')).toEqual([]);
  });

  it('says what is missing when there is no trials.jsonl or no complete trial', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ganbench-study-'));
    dirs.push(dir);
    await expect(readStudyResults(dir)).rejects.toThrow(/trials\.jsonl does not exist/);
    await writeFile(path.join(dir, 'trials.jsonl'), '{"id":"aa');
    await expect(readStudyResults(dir)).rejects.toThrow(/holds no complete trial yet/);
  });
});
