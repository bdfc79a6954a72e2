import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@ganbench/core';
import { afterAll, describe, expect, it } from 'vitest';
import { readFeatures } from '../io/npy.js';
import { fid, frechetDistance, frechetDistanceOfStatistics } from './frechetDistance.js';
import { gaussianStatistics } from './statistics.js';
import { loadStatistics, saveStatistics, statisticsFromFile } from './statisticsFile.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/fid/', import.meta.url));

interface FidCase {
  name: string;
  d: number;
  n_a: number;
  n_b: number;
  dead: number;
  a: string;
  b: string;
  pytorch_fid: number;
  pytorch_fid_offset_used: boolean;
  exact_fid: number | null;
  mean_a?: number[];
  covariance_a?: number[][];
}

const reference = JSON.parse(readFileSync(join(FIXTURES, 'fid_reference.json'), 'utf8')) as { cases: FidCase[] };
const byName = (name: string): FidCase => {
  const c = reference.cases.find((x) => x.name === name);
  if (c === undefined) throw new Error(`fixture case ${name} missing`);
  return c;
};
const relative = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);
const features = (file: string) => readFeatures(join(FIXTURES, file));

const tmp = mkdtempSync(join(tmpdir(), 'ganbench-fid-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('fid against pytorch-fid and exact references (fixtures/make_fid_fixtures.py)', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const value = fid(features(c.a), features(c.b));
    // the 40-digit value of the same features, where the fixture script could afford it (measured: ≤ 2e-14)
    if (c.exact_fid !== null) expect(relative(value, c.exact_fid)).toBeLessThan(1e-12);
    if (Math.min(c.n_a, c.n_b) > c.d) {
      // full-rank covariances: scipy's sqrtm route and this one agree to round-off
      expect(relative(value, c.pytorch_fid)).toBeLessThan(1e-9);
    } else {
      // n ≤ d: Σ1Σ2 has zero eigenvalues, and sqrtm's square roots of their round-off put pytorch-fid itself
      // 2–6e-8 relative off the exact value (the fixture log shows it); this route truncates at the numerical rank
      expect(relative(value, c.pytorch_fid)).toBeLessThan(1e-7);
    }
    expect(c.pytorch_fid_offset_used).toBe(false);
  });

  it.each(['d16_n200_n150', 'd64_n40_n50', 'd64_dead5_n300_n250'])('%s: the eigh factor route agrees with the default', (name) => {
    const c = byName(name);
    const a = features(c.a);
    const b = features(c.b);
    // eigh takes √ of Σ1's round-off eigenvalues (dead features, n ≤ d), which the pivoted Cholesky truncates
    const tolerance = Math.min(c.n_a, c.n_b) <= c.d ? 1e-7 : c.dead > 0 ? 1e-10 : 1e-12;
    expect(relative(fid(a, b, { factor: 'eigh' }), fid(a, b))).toBeLessThan(tolerance);
  });

  it('is symmetric in its two feature sets', () => {
    const c = byName('d64_n40_n300');
    const [a, b] = [features(c.a), features(c.b)];
    expect(relative(fid(b, a), fid(a, b))).toBeLessThan(1e-12);
  });

  it('gaussianStatistics equals numpy.mean / numpy.cov of the float32 features (n recorded)', () => {
    const c = byName('d16_n200_n150');
    const stats = gaussianStatistics(features(c.a));
    expect(stats.n).toBe(200);
    const meanError = Math.max(...stats.mean.map((m, i) => relative(m, c.mean_a?.[i] as number)));
    const covarianceError = Math.max(...stats.covariance.flatMap((row, i) => row.map((v, j) => Math.abs(v - (c.covariance_a?.[i]?.[j] as number)))));
    expect(meanError).toBeLessThan(1e-13);
    expect(covarianceError).toBeLessThan(1e-14);
  });

  it("loads pytorch-fid's .npz statistics (np.savez_compressed and np.savez) and gets the reference FID", () => {
    const c = byName('d16_n200_n150');
    const a = loadStatistics(join(FIXTURES, 'stats_d16_a.npz'));
    const b = loadStatistics(join(FIXTURES, 'stats_d16_b.npz'));
    expect(a.n).toBeNull();
    expect(a.mean).toEqual(c.mean_a);
    expect(a.covariance).toEqual(c.covariance_a);
    expect(relative(frechetDistanceOfStatistics(a, b), c.pytorch_fid)).toBeLessThan(1e-9);
    // an .npz on one side and an .npy feature matrix on the other, as `ganbench fid --features A B` takes them
    const mixed = frechetDistanceOfStatistics(statisticsFromFile(join(FIXTURES, 'stats_d16_a.npz')), statisticsFromFile(join(FIXTURES, c.b)));
    expect(relative(mixed, c.pytorch_fid)).toBeLessThan(1e-9);
  });
});

describe('statistics files', () => {
  it('saveStatistics → loadStatistics round-trips mean, covariance and n exactly', () => {
    const rng = new Rng(8);
    const rows = Array.from({ length: 30 }, () => Array.from({ length: 7 }, () => rng.normal() * 1e3));
    const stats = gaussianStatistics(rows);
    const path = join(tmp, 'stats.npz');
    saveStatistics(path, stats);
    expect(loadStatistics(path)).toEqual(stats);
    expect(statisticsFromFile(path)).toEqual(stats);
  });

  it('names the file, the array and the expected shape for bad statistics', () => {
    const path = join(tmp, 'bad.npz');
    saveStatistics(path, {
      mean: [0, 0],
      covariance: [
        [1, 0],
        [0, 1],
      ],
      n: 5,
    });
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 30));
    expect(() => loadStatistics(path)).toThrow(`${path}: not a readable .npz (zip) archive`);
    expect(() => statisticsFromFile(join(tmp, 'x.csv'))).toThrow(
      `${join(tmp, 'x.csv')}: '.csv' is not a FID input; use .npy (features, samples × dimensions) or .npz (statistics with mu and sigma)`,
    );
  });
});

describe('bad input', () => {
  it('a covariance that is not positive semi-definite is refused, not scored 0', () => {
    const eye = (d: number, v = 1) => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? v : 0)));
    const zero = [0, 0, 0];
    // σ = −4I against I: before, the pivoted Cholesky found no pivot, took rank 0, and the clamped total was 0.
    expect(() => frechetDistance(zero, eye(3, -4), zero, eye(3))).toThrow(/^sigma1: not a covariance: it is not positive semi-definite/);
    expect(() => frechetDistance(zero, eye(3), zero, eye(3, -4))).toThrow(/^sigma2: not a covariance/);
    // Indefinite with a nonnegative diagonal: eigenvalues 3 and −1, and 1 and −1.
    expect(() =>
      frechetDistance(
        [0, 0],
        [
          [1, 2],
          [2, 1],
        ],
        [0, 0],
        eye(2),
      ),
    ).toThrow(/^sigma1: not a covariance/);
    expect(() =>
      frechetDistance(
        [0, 0],
        [
          [0, 1],
          [1, 0],
        ],
        [0, 0],
        eye(2),
      ),
    ).toThrow(/^sigma1: not a covariance/);
    // Singular but PSD (rank 1 of 3, and the zero matrix) is a covariance: W₂² of N(0, vvᵀ) and N(0, I) is 3 + 3 − 2·√3.
    const v = [1, 1, 1];
    const rankOne = v.map((a) => v.map((b) => a * b));
    expect(frechetDistance(zero, rankOne, zero, eye(3))).toBeCloseTo(6 - 2 * Math.sqrt(3), 12);
    expect(frechetDistance(zero, eye(3, 0), zero, eye(3))).toBeCloseTo(3, 12);
  });

  it('NaN and Inf features are named by set, row and column', () => {
    expect(() =>
      fid(
        [
          [1, 2],
          [3, Number.NaN],
          [0, 0],
        ],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    ).toThrow('featuresA[1][1]: NaN is not a finite number; features must be finite');
    expect(() => fid({ data: [1, 2, 3, 4], dim: 2 }, { data: [1, 2, Number.POSITIVE_INFINITY, 4], dim: 2 })).toThrow(
      'featuresB[1][0]: Infinity is not a finite number',
    );
  });

  it('mismatched dimensions and n < 2 are rejected naming the set', () => {
    expect(() =>
      fid(
        [
          [1, 2],
          [3, 4],
        ],
        [[1], [2]],
      ),
    ).toThrow("featuresB: dimension 1 does not match featuresA's 2");
    expect(() =>
      fid(
        [[1, 2]],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    ).toThrow('featuresA: 1 sample(s); a covariance needs at least 2');
    expect(() => fid({ data: [1, 2, 3], dim: 2 }, [[1, 2]])).toThrow('featuresA: 3 values do not split into rows of 2');
    expect(() =>
      frechetDistanceOfStatistics(
        { mean: [0], covariance: [[1]], n: null },
        {
          mean: [0, 0],
          covariance: [
            [1, 0],
            [0, 1],
          ],
          n: null,
        },
      ),
    ).toThrow("b.mean: dimension 2 does not match a's 1");
  });
});
