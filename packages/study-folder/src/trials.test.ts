import * as fs from 'node:fs';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { exampleTrialRecord } from './testing/index.js';
import type { TrialRecord } from './trialRecord.js';
import { appendTrialRecord, followTrialRecords, latestTrialRecords, readTrialRecords, TRIALS_FILE } from './trials.js';

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, writeSync: vi.fn(actual.writeSync), openSync: vi.fn(actual.openSync), readSync: vi.fn(actual.readSync) };
});

const record = (id: string): TrialRecord => exampleTrialRecord(id);

const fresh = () => mkdtempSync(join(tmpdir(), 'ganbench-records-'));

describe('trials.jsonl', () => {
  it('reads nothing from a study that has no records yet', async () => {
    expect(await readTrialRecords(join(fresh(), 'absent'))).toEqual([]);
  });

  it('appends each record as one line in one write to a file opened for appending', async () => {
    const dir = fresh();
    vi.mocked(fs.writeSync).mockClear();
    for (const id of ['a', 'b', 'c']) appendTrialRecord(dir, record(id));
    expect(vi.mocked(fs.writeSync)).toHaveBeenCalledTimes(3);
    expect(vi.mocked(fs.openSync).mock.calls.every(([, flags]) => flags === 'a+')).toBe(true);
    const text = readFileSync(join(dir, TRIALS_FILE), 'utf8');
    expect(text.split('\n')).toHaveLength(4);
    expect(text.endsWith('\n')).toBe(true);
    expect(await readTrialRecords(dir)).toEqual([record('a'), record('b'), record('c')]);
  });

  it('ignores a torn line, and the next append starts a fresh line after it without cutting anything', async () => {
    const dir = fresh();
    appendTrialRecord(dir, record('a'));
    const torn = JSON.stringify(record('b')).slice(0, 40);
    appendFileSync(join(dir, TRIALS_FILE), torn);
    expect((await readTrialRecords(dir)).map((r) => r.id)).toEqual(['a']);
    appendTrialRecord(dir, record('c'));
    expect((await readTrialRecords(dir)).map((r) => r.id)).toEqual(['a', 'c']);
    expect(readFileSync(join(dir, TRIALS_FILE), 'utf8')).toBe(`${JSON.stringify(record('a'))}\n${torn}\n${JSON.stringify(record('c'))}\n`);
  });

  it("never cuts another runner's line: a torn tail completed by its writer while the next append looks at it stays whole", async () => {
    const dir = fresh();
    const file = join(dir, TRIALS_FILE);
    appendTrialRecord(dir, record('a'));
    // Runner 1 is mid-way through appending b (the kernel copies a write page by page); runner 2
    // appends c, finds the file ending inside a line and, while it looks, runner 1's write completes.
    const line = JSON.stringify(record('b'));
    appendFileSync(file, line.slice(0, 100));
    const actual = await vi.importActual<typeof import('node:fs')>('node:fs');
    vi.mocked(fs.readSync).mockImplementationOnce((...args: Parameters<typeof fs.readSync>) => {
      const n = (actual.readSync as (...a: Parameters<typeof fs.readSync>) => number)(...args);
      actual.appendFileSync(file, `${line.slice(100)}\n`);
      return n;
    });
    appendTrialRecord(dir, record('c'));
    expect((await readTrialRecords(dir)).map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('follows the file as other runners append: each read returns the complete records written since the last', () => {
    const dir = fresh();
    const follow = followTrialRecords(dir);
    expect(follow.read()).toEqual([]);
    appendTrialRecord(dir, record('a'));
    appendTrialRecord(dir, record('b'));
    expect(follow.read().map((r) => r.id)).toEqual(['a', 'b']);
    expect(follow.read()).toEqual([]);
    const line = JSON.stringify(record('c'));
    appendFileSync(join(dir, TRIALS_FILE), line.slice(0, 50));
    expect(follow.read()).toEqual([]);
    appendFileSync(join(dir, TRIALS_FILE), `${line.slice(50)}\n`);
    expect(follow.read().map((r) => r.id)).toEqual(['c']);
    appendFileSync(join(dir, TRIALS_FILE), '{"id": "d" "broken"}\n');
    expect(() => follow.read()).toThrow(`${join(dir, TRIALS_FILE)}:4: not valid JSON`);
  });

  it('treats even a complete record without its newline as torn (the write did not finish)', async () => {
    const dir = fresh();
    writeFileSync(join(dir, TRIALS_FILE), JSON.stringify(record('a')));
    expect(await readTrialRecords(dir)).toEqual([]);
  });

  it('names the file and line of a damaged record that is not the last', async () => {
    const dir = fresh();
    writeFileSync(join(dir, TRIALS_FILE), `${JSON.stringify(record('a'))}\n{"id": "b" "study": "x"}\n${JSON.stringify(record('c'))}\n`);
    await expect(readTrialRecords(dir)).rejects.toThrow(`${join(dir, TRIALS_FILE)}:2: not valid JSON`);
    writeFileSync(join(dir, TRIALS_FILE), `${JSON.stringify({ ...record('a'), status: 'done' })}\n`);
    await expect(readTrialRecords(dir)).rejects.toThrow(/:1: status: Invalid option: expected one of "finished"\|"diverged"\|"failed"; got "done"/);
  });

  it('writes NaN and ±Infinity as strings and reads them back as numbers', async () => {
    const dir = fresh();
    appendTrialRecord(dir, {
      ...record('a'),
      status: 'diverged',
      divergedAt: 7,
      final: { fid: Number.NaN },
      best: { fid: Number.POSITIVE_INFINITY, kid: -Infinity },
    });
    expect(readFileSync(join(dir, TRIALS_FILE), 'utf8')).toContain('"final":{"fid":"NaN"},"best":{"fid":"Infinity","kid":"-Infinity"}');
    const [back] = await readTrialRecords(dir);
    expect(back?.final.fid).toBeNaN();
    expect(back?.best).toEqual({ fid: Number.POSITIVE_INFINITY, kid: Number.NEGATIVE_INFINITY });
  });

  it('keeps the last record of a trial written twice, in the order of last writes', async () => {
    const dir = fresh();
    for (const id of ['a', 'b', 'a']) appendTrialRecord(dir, record(id));
    expect(latestTrialRecords(await readTrialRecords(dir)).map((r) => r.id)).toEqual(['b', 'a']);
  });
});
