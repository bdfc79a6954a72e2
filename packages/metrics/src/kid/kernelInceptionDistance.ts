import { Rng } from '@ganbench/core';
import type { Samples } from '../points.js';
import { productWorkspace } from '../precisionRecall/blockedProducts.js';
import { checkInteger, checkSameDim, finiteRows } from '../precisionRecall/rows.js';
import { MMD_BLOCK, mmd2OfRows } from './polynomialMmd.js';

export interface KidOptions {
  /** Number of random subsets (default 100, as torch-fidelity and clean-fid). */
  subsets?: number;
  /** Rows per subset; min(subsetSize, n_real, n_fake) is used (default 1000). */
  subsetSize?: number;
  /** Seed of core's Rng that draws the subsets (default 0). */
  seed?: number;
}

export interface Kid {
  /** Mean of the subsets' unbiased MMD². */
  mean: number;
  /** Population standard deviation (ddof = 0) over subsets, as torch-fidelity reports. */
  std: number;
  /** MMD² of each subset, in order. */
  values: number[];
  /** The subset size used. */
  subsetSize: number;
}

/**
 * Kernel Inception Distance (Bińkowski et al. 2018, Sec. 4 and App. D): the unbiased MMD² (Eq. 4) with
 * k(x, y) = (xᵀy/d + 1)³, averaged over random subsets — for each, m rows of each set drawn without replacement —
 * with mean and std as torch-fidelity reports them (torch-fidelity draws with numpy; here core's seeded Rng).
 */
export function kernelInceptionDistance(real: Samples, fake: Samples, options: KidOptions = {}): Kid {
  const { subsets = 100, subsetSize = 1000, seed = 0 } = options;
  checkInteger('subsets', subsets, 1);
  checkInteger('subsetSize', subsetSize, 2);
  checkInteger('seed', seed, 0, 0xffffffff);
  const x = finiteRows(real, 'real');
  const y = finiteRows(fake, 'fake');
  checkSameDim(x, 'real', y, 'fake');
  const m = Math.min(subsetSize, x.n, y.n);
  if (m < 2) throw new Error(`real/fake: ${x.n} and ${y.n} samples; a KID subset needs at least 2 of each`);
  const rng = new Rng(seed);
  const workspace = productWorkspace(MMD_BLOCK, x.dim);
  const values: number[] = [];
  // when the subsets are the whole sets, every subset gives the same value: compute it once
  const whole = m === x.n && m === y.n;
  for (let s = 0; s < subsets; s++) {
    if (whole && s > 0) {
      values.push(values[0] as number);
      continue;
    }
    const xi = sampleWithoutReplacement(rng, x.n, m);
    const yi = sampleWithoutReplacement(rng, y.n, m);
    values.push(mmd2OfRows({ ...x, n: m, index: xi }, { ...y, n: m, index: yi }, workspace));
  }
  const mean = values.reduce((a, b) => a + b, 0) / subsets;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / subsets);
  return { mean, std, values, subsetSize: m };
}

/** m distinct indices of [0, n) by a partial Fisher–Yates shuffle, sorted (row order only changes round-off). */
function sampleWithoutReplacement(rng: Rng, n: number, m: number): Int32Array {
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = t;
  }
  return pool.slice(0, m).sort();
}
