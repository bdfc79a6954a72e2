import { describe, expect, it } from 'vitest';
import { runFidBench } from './fidBench.js';
import { findPython } from './runBench.js';

describe('runFidBench (tiny sizes)', () => {
  it('returns a fid and a fid-distance row per d, with the scipy yardstick when numpy/scipy are installed', () => {
    const lines: string[] = [];
    const python = findPython('numpy, scipy.linalg');
    const rows = runFidBench({ log: (l) => lines.push(l), dims: [8, 12], n: 60, python });
    expect(rows.map((r) => r.name)).toEqual(['fid d=8', 'fid-distance d=8', 'fid d=12', 'fid-distance d=12']);
    for (const row of rows) {
      expect(row).toMatchObject({ backend: 'js', threads: 1 });
      expect(row.median_ms).toBeGreaterThanOrEqual(0);
      expect(row.yardstick).toBe(python === null ? null : 'scipy-sqrtm');
    }
    if (python !== null) {
      for (const line of lines.filter((l) => l.startsWith('fid d='))) {
        const difference = Number(/relative difference ([\d.e+-]+)/.exec(line)?.[1]);
        expect(difference).toBeLessThan(1e-10);
      }
    }
  });
});
