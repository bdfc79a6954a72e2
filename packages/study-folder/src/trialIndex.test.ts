import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrialIndex, recordTrialIndex, TRIAL_INDEX_FILE } from './trialIndex.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'ganbench-index-'));

describe('trials.index.json', () => {
  it('is written once; the same table is kept, a different one is refused naming both hashes unless replaced', () => {
    const dir = fresh();
    expect(readTrialIndex(dir)).toBeNull();
    const first = recordTrialIndex(dir, { study: 's', hash: 'aaaa', trials: ['t0', 't1'] });
    expect(first.written).toBe(true);
    const again = recordTrialIndex(dir, { study: 's', hash: 'aaaa', trials: ['t0', 't1'] });
    expect(again).toEqual({ index: first.index, written: false });
    expect(() => recordTrialIndex(dir, { study: 's', hash: 'bbbb', trials: ['t1'] })).toThrow(/study hash aaaa, this study's hash is bbbb/);
    expect(readTrialIndex(dir)?.trials).toEqual(['t0', 't1']);
    const replaced = recordTrialIndex(dir, { study: 's', hash: 'bbbb', trials: ['t1'] }, { replace: true });
    expect(replaced.written).toBe(true);
    expect(readTrialIndex(dir)).toMatchObject({ hash: 'bbbb', trials: ['t1'] });
    // No temporary file is left behind.
    expect(readdirSync(dir)).toEqual([TRIAL_INDEX_FILE]);
  });

  it('a damaged file fails naming it and the field', () => {
    const dir = fresh();
    writeFileSync(join(dir, TRIAL_INDEX_FILE), JSON.stringify({ study: 's', hash: 'h', createdAt: 'now', trials: ['../x'] }));
    expect(() => readTrialIndex(dir)).toThrow(`${join(dir, TRIAL_INDEX_FILE)}: trials[0]: Invalid string`);
  });
});
