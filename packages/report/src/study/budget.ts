/**
 * Lucic et al. 2018 ("Are GANs Created Equal?", Fig. 4): the best metric value a researcher can expect after
 * trying k configurations, for k = 1..n, estimated by drawing k of the observed trials with replacement.
 */
import type { MetricGoal } from '@ganbench/study-folder';
import type { UniformIntSource } from './rng.js';

/** The percentiles drawn as the band around each budget curve. */
export const BUDGET_BAND: readonly [number, number] = [0.05, 0.95];

/** Best-of-k over bootstrap resamples: the mean estimates E[best of k], low/high are the band percentiles. */
export interface BudgetPoint {
  k: number;
  mean: number;
  low: number;
  high: number;
}

/** Expected best of k draws with replacement from `values`, in closed form (the reference the bootstrap must match). */
export function expectedBestOfK(values: readonly number[], goal: MetricGoal, k: number): number {
  const sorted = checkedValues(values, goal);
  checkBudget(k);
  const n = sorted.length;
  // E[min] = Σ_i v_(i) [((n−i+1)/n)^k − ((n−i)/n)^k], v_(1) the best: P(best of k = v_(i)) telescopes.
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += (sorted[i - 1] as number) * (((n - i + 1) / n) ** k - ((n - i) / n) ** k);
  return sum;
}

/** E[best of k] and its 5–95 % band from `samples` bootstrap resamples of k values each. */
export function bestOfBudget(values: readonly number[], goal: MetricGoal, k: number, samples: number, rng: UniformIntSource): BudgetPoint {
  checkBudget(k);
  return bootstrapBest(values, goal, k, samples, rng)[k - 1] as BudgetPoint;
}

/** The whole curve k = 1..maxK (default n). One draw sequence per resample serves every k: its prefixes are k-draw resamples. */
export function budgetCurve(values: readonly number[], goal: MetricGoal, samples: number, rng: UniformIntSource, maxK = values.length): BudgetPoint[] {
  checkBudget(maxK);
  return bootstrapBest(values, goal, maxK, samples, rng);
}

function bootstrapBest(values: readonly number[], goal: MetricGoal, maxK: number, samples: number, rng: UniformIntSource): BudgetPoint[] {
  const pool = checkedValues(values, goal);
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`bootstrap samples must be a positive integer; got ${samples}`);
  const better = goal === 'min' ? Math.min : Math.max;
  // bests[k-1][s]: the best of the first k draws of resample s.
  const bests = Array.from({ length: maxK }, () => new Float64Array(samples));
  for (let s = 0; s < samples; s++) {
    let best = goal === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    for (let k = 0; k < maxK; k++) {
      best = better(best, pool[rng.int(pool.length)] as number);
      (bests[k] as Float64Array)[s] = best;
    }
  }
  return bests.map((column, index) => {
    const sorted = column.sort();
    let sum = 0;
    for (const value of sorted) sum += value;
    return { k: index + 1, mean: sum / samples, low: quantile(sorted, BUDGET_BAND[0]), high: quantile(sorted, BUDGET_BAND[1]) };
  });
}

/** Linear interpolation between order statistics (Hyndman–Fan type 7, NumPy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no values');
  const at = (sorted.length - 1) * q;
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  const low = sorted[below] as number;
  return low + ((sorted[above] as number) - low) * (at - below);
}

/** Finite values, sorted best first for the goal. */
function checkedValues(values: readonly number[], goal: MetricGoal): number[] {
  if (values.length === 0) throw new Error('budget curves need at least one value; got none');
  const bad = values.find((value) => !Number.isFinite(value));
  if (bad !== undefined) throw new Error(`budget values must be finite; got ${bad}`);
  if (goal !== 'min' && goal !== 'max') throw new Error(`goal must be 'min' or 'max'; got ${String(goal)}`);
  return [...values].sort((a, b) => (goal === 'min' ? a - b : b - a));
}

function checkBudget(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`budget k must be a positive integer; got ${k}`);
}
