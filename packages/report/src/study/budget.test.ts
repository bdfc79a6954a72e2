import type { MetricGoal } from '@ganbench/study-folder';
import { describe, expect, it } from 'vitest';
import { bestOfBudget, budgetCurve, expectedBestOfK, quantile } from './budget.js';
import { seededRng } from './rng.js';

/** E[best of k] by enumerating all n^k equally likely draw sequences: the definition, for small n and k. */
function enumeratedBestOfK(values: readonly number[], goal: MetricGoal, k: number): number {
  const n = values.length;
  let sum = 0;
  for (let code = 0; code < n ** k; code++) {
    let best = goal === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    for (let draw = 0, rest = code; draw < k; draw++, rest = Math.floor(rest / n)) {
      const value = values[rest % n] as number;
      best = goal === 'min' ? Math.min(best, value) : Math.max(best, value);
    }
    sum += best;
  }
  return sum / n ** k;
}

/** Standard deviation of the best of k, from its exact distribution, to size the Monte-Carlo tolerance. */
function bestOfKStd(values: readonly number[], goal: MetricGoal, k: number): number {
  const sorted = [...values].sort((x, y) => (goal === 'min' ? x - y : y - x));
  const n = sorted.length;
  let first = 0;
  let second = 0;
  sorted.forEach((value, index) => {
    const i = index + 1;
    const p = ((n - i + 1) / n) ** k - ((n - i) / n) ** k;
    first += p * value;
    second += p * value * value;
  });
  return Math.sqrt(Math.max(0, second - first * first));
}

const values = [31.2, 18.5, 44.0, 18.5, 25.1, 90.3, 22.7, 27.9];

describe('expectedBestOfK', () => {
  it.each([
    ['min', 1],
    ['min', 3],
    ['max', 2],
    ['max', 4],
  ] as const)('matches enumeration of all draw sequences (goal %s, k = %i)', (goal, k) => {
    const small = [3, 1, 4, 1, 5];
    expect(expectedBestOfK(small, goal, k)).toBeCloseTo(enumeratedBestOfK(small, goal, k), 12);
  });

  it('is the mean at k = 1 and tends to the best value as k grows', () => {
    expect(expectedBestOfK(values, 'min', 1)).toBeCloseTo(values.reduce((s, v) => s + v, 0) / values.length, 12);
    expect(expectedBestOfK(values, 'min', 400)).toBeCloseTo(18.5, 6);
    expect(expectedBestOfK(values, 'max', 400)).toBeCloseTo(90.3, 6);
  });
});

describe('bestOfBudget', () => {
  const samples = 20_000;
  it.each([
    ['min', 1],
    ['min', 2],
    ['min', 5],
    ['max', 3],
    ['max', 8],
  ] as const)('agrees with the closed form within Monte-Carlo error (goal %s, k = %i)', (goal, k) => {
    const point = bestOfBudget(values, goal, k, samples, seededRng(7));
    const tolerance = (4.5 * bestOfKStd(values, goal, k)) / Math.sqrt(samples);
    expect(Math.abs(point.mean - expectedBestOfK(values, goal, k))).toBeLessThan(tolerance);
    expect(point.low).toBeLessThanOrEqual(point.mean);
    expect(point.high).toBeGreaterThanOrEqual(point.mean);
    expect(point.k).toBe(k);
  });

  it('gives the 5–95 % percentiles of a single draw at k = 1 (the values themselves are the distribution)', () => {
    const uniform = Array.from({ length: 100 }, (_, i) => i);
    const point = bestOfBudget(uniform, 'min', 1, samples, seededRng(3));
    expect(point.low).toBeGreaterThan(2);
    expect(point.low).toBeLessThan(7);
    expect(point.high).toBeGreaterThan(92);
    expect(point.high).toBeLessThan(97);
  });

  it('is reproducible from the seed and refuses bad input, naming it', () => {
    expect(bestOfBudget(values, 'min', 3, 500, seededRng(1))).toEqual(bestOfBudget(values, 'min', 3, 500, seededRng(1)));
    expect(bestOfBudget(values, 'min', 3, 500, seededRng(1))).not.toEqual(bestOfBudget(values, 'min', 3, 500, seededRng(2)));
    expect(() => bestOfBudget(values, 'min', 0, 10, seededRng(1))).toThrow(/budget k must be a positive integer; got 0/);
    expect(() => bestOfBudget(values, 'min', 1, 0.5, seededRng(1))).toThrow(/bootstrap samples must be a positive integer; got 0.5/);
    expect(() => bestOfBudget([1, Number.NaN], 'min', 1, 10, seededRng(1))).toThrow(/finite; got NaN/);
    expect(() => bestOfBudget([], 'min', 1, 10, seededRng(1))).toThrow(/at least one value/);
    expect(() => seededRng(-1)).toThrow(/seed must be an integer in \[0, 4294967295\]; got -1/);
  });
});

describe('budgetCurve', () => {
  it('follows the closed form at every k and never gets worse as the budget grows', () => {
    const samples = 20_000;
    const curve = budgetCurve(values, 'min', samples, seededRng(11));
    expect(curve.map((point) => point.k)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const point of curve) {
      const tolerance = (4.5 * bestOfKStd(values, 'min', point.k)) / Math.sqrt(samples);
      expect(Math.abs(point.mean - expectedBestOfK(values, 'min', point.k))).toBeLessThan(tolerance);
    }
    // Prefixes of one draw sequence: the best of k+1 draws is never worse than the best of the first k.
    for (let i = 1; i < curve.length; i++) expect((curve[i] as { mean: number }).mean).toBeLessThanOrEqual((curve[i - 1] as { mean: number }).mean);
  });
});

describe('quantile', () => {
  it('interpolates between order statistics like NumPy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.05)).toBeCloseTo(1.15, 12);
    expect(quantile([7], 0.95)).toBe(7);
  });
});
