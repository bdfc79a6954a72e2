import { flatSamples, type Samples } from '../points.js';

export interface GaussianStatistics {
  mean: number[];
  /** Unbiased (divides by n − 1), as numpy.cov and pytorch-fid compute it. */
  covariance: number[][];
}

/**
 * Mean and unbiased covariance of samples (rows), in float64. Two passes — centre, then
 * accumulate — because the one-pass E[xxᵀ] − μμᵀ cancels catastrophically when |μ| ≫ σ.
 */
export function gaussianStatistics(samples: Samples): GaussianStatistics {
  const { data, n, dim } = flatSamples(samples, 'samples');
  if (n < 2) throw new Error(`samples: ${n} sample(s); a covariance needs at least 2`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (data[i * dim + j] as number);
  for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / n;
  // upper triangle only, row-major in one buffer: half the work of the full product, and symmetric by construction
  const acc = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) centred[j] = (data[i * dim + j] as number) - (mean[j] as number);
    for (let j = 0; j < dim; j++) {
      const cj = centred[j] as number;
      if (cj === 0) continue;
      const row = j * dim;
      for (let k = j; k < dim; k++) acc[row + k] = (acc[row + k] as number) + cj * (centred[k] as number);
    }
  }
  const covariance = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
  for (let j = 0; j < dim; j++) {
    for (let k = j; k < dim; k++) {
      const v = (acc[j * dim + k] as number) / (n - 1);
      (covariance[j] as number[])[k] = v;
      (covariance[k] as number[])[j] = v;
    }
  }
  return { mean: Array.from(mean), covariance };
}
