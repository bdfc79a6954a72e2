import type { Samples } from '../points.js';
import { flatStatistics, type GaussianStatistics } from './statistics.js';
import { type TraceSqrtFactor, traceSqrtProduct } from './traceSqrt.js';

/** A square matrix as rows; number[][], Float64Array[] and ml-matrix's Matrix.to2DArray() all fit. */
export type SquareMatrix = ArrayLike<ArrayLike<number>>;

export interface FrechetOptions {
  /** How Σ1 = A Aᵀ is factored for tr √(Σ1 Σ2); see TraceSqrtFactor. Default 'cholesky'. */
  factor?: TraceSqrtFactor;
}

/** Relative asymmetry tolerated in a covariance: round-off from how it was computed, not a wrong input. */
const SYMMETRY_TOLERANCE = 1e-8;

function checkVector(name: string, v: ArrayLike<number>, dim: number): void {
  if (v.length !== dim) throw new Error(`${name}: length ${v.length} does not match the dimension ${dim}`);
  for (let i = 0; i < dim; i++) if (!Number.isFinite(v[i])) throw new Error(`${name}[${i}]: ${v[i]} is not a finite number`);
}

/** The covariance flat and row-major, checked square, finite and symmetric, then symmetrized exactly. */
function symmetricFlat(name: string, s: SquareMatrix, dim: number): Float64Array {
  if (s.length !== dim) throw new Error(`${name}: ${s.length} rows do not match the dimension ${dim}`);
  const m = new Float64Array(dim * dim);
  let scale = 0;
  for (let i = 0; i < dim; i++) {
    const row = s[i] as ArrayLike<number>;
    if (row.length !== dim) throw new Error(`${name}: row ${i} has ${row.length} entries; a ${dim}×${dim} matrix needs ${dim}`);
    for (let j = 0; j < dim; j++) {
      const v = row[j] as number;
      if (!Number.isFinite(v)) throw new Error(`${name}[${i}][${j}]: ${v} is not a finite number`);
      m[i * dim + j] = v;
      scale = Math.max(scale, Math.abs(v));
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i + 1; j < dim; j++) {
      const a = m[i * dim + j] as number;
      const b = m[j * dim + i] as number;
      if (Math.abs(a - b) > SYMMETRY_TOLERANCE * scale) throw new Error(`${name}: not symmetric ([${i}][${j}] = ${a}, [${j}][${i}] = ${b})`);
      // the factorizations read one triangle; averaging makes the answer not depend on which
      m[i * dim + j] = (a + b) / 2;
      m[j * dim + i] = (a + b) / 2;
    }
  }
  return m;
}

/** ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2 tr √(Σ1 Σ2) on checked flat inputs, clamped at 0 (a negative total is round-off). */
function distance(mu1: ArrayLike<number>, s1: Float64Array, mu2: ArrayLike<number>, s2: Float64Array, dim: number, options: FrechetOptions): number {
  let meanTerm = 0;
  let traces = 0;
  for (let i = 0; i < dim; i++) {
    meanTerm += ((mu1[i] as number) - (mu2[i] as number)) ** 2;
    traces += (s1[i * dim + i] as number) + (s2[i * dim + i] as number);
  }
  return Math.max(0, meanTerm + traces - 2 * traceSqrtProduct(s1, s2, dim, options.factor));
}

/**
 * Fréchet distance between N(μ1, Σ1) and N(μ2, Σ2) (Dowson & Landau 1982; the FID of Heusel et al. 2017):
 * ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1^½ Σ2 Σ1^½)^½). The trace of the root is Σ √max(λᵢ, 0) over the
 * eigenvalues of the symmetric PSD Aᵀ Σ2 A with Σ1 = A Aᵀ — the eigenvalues of s Σ2 s, s = Σ1^½ — so no
 * sqrtm of the non-symmetric Σ1Σ2, no complex round-off, and singular covariances (n ≤ d, dead
 * features) are fine. The distance is ≥ 0; a negative total can only be round-off and is returned as 0.
 */
export function frechetDistance(
  mu1: ArrayLike<number>,
  sigma1: SquareMatrix,
  mu2: ArrayLike<number>,
  sigma2: SquareMatrix,
  options: FrechetOptions = {},
): number {
  const dim = mu1.length;
  if (dim === 0) throw new Error('mu1: empty mean vector');
  checkVector('mu1', mu1, dim);
  checkVector('mu2', mu2, dim);
  const s1 = symmetricFlat('sigma1', sigma1, dim);
  const s2 = symmetricFlat('sigma2', sigma2, dim);
  return distance(mu1, s1, mu2, s2, dim, options);
}

/** Fréchet distance between two sets of statistics (e.g. a dataset's, computed once and loaded from .npz). */
export function frechetDistanceOfStatistics(a: GaussianStatistics, b: GaussianStatistics, options: FrechetOptions = {}): number {
  if (b.mean.length !== a.mean.length) throw new Error(`b.mean: dimension ${b.mean.length} does not match a's ${a.mean.length}`);
  return frechetDistance(a.mean, a.covariance, b.mean, b.covariance, options);
}

/** FID between two feature sets: means and unbiased covariances, then the Fréchet distance; errors name `names`. */
function fidOfSamples(a: Samples, b: Samples, names: [string, string], options: FrechetOptions): number {
  const sa = flatStatistics(a, names[0]);
  const sb = flatStatistics(b, names[1]);
  if (sa.dim !== sb.dim) throw new Error(`${names[1]}: dimension ${sb.dim} does not match ${names[0]}'s ${sa.dim}`);
  return distance(sa.mean, sa.covariance, sb.mean, sb.covariance, sa.dim, options);
}

/** Fréchet distance between Gaussians fitted to two sample sets (mean and unbiased covariance of each). */
export function frechetDistanceOfSamples(a: Samples, b: Samples, options: FrechetOptions = {}): number {
  return fidOfSamples(a, b, ['a', 'b'], options);
}

/**
 * FID of two feature matrices (rows, or {data, dim} flat row-major — e.g. a .npy read by readNpy), as
 * pytorch-fid computes it from activations: numpy.mean, numpy.cov, then the Fréchet distance. Features
 * must be finite, both sets need n ≥ 2 and the same dimension.
 */
export function fid(featuresA: Samples, featuresB: Samples, options: FrechetOptions = {}): number {
  return fidOfSamples(featuresA, featuresB, ['featuresA', 'featuresB'], options);
}
