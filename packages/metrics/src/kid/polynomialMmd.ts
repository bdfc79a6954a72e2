import type { Samples } from '../points.js';
import { productBlocks } from '../precisionRecall/blockedProducts.js';
import type { DotKernel } from '../precisionRecall/dotKernel.js';
import { checkSameDim, finiteRows, type RowSet } from '../precisionRecall/rows.js';

export interface PolynomialMmdOptions {
  /** Rows of `real` to use (a KID subset), in any order, no repeats; default all. */
  realIndices?: ArrayLike<number>;
  /** Rows of `fake` to use; default all. */
  fakeIndices?: ArrayLike<number>;
}

/**
 * Unbiased MMD² with the cubic polynomial kernel k(x, y) = (xᵀy/d + 1)³ (Bińkowski et al. 2018, Eq. 4 with the
 * kernel of Sec. 4): Σᵢ≠ⱼ k(xᵢ, xⱼ)/(m(m−1)) + Σᵢ≠ⱼ k(yᵢ, yⱼ)/(n(n−1)) − 2 Σᵢⱼ k(xᵢ, yⱼ)/(mn), on the rows given
 * (torch-fidelity's `mmd2(..., 'unbiased')` when m = n). Can be slightly negative for identical distributions.
 */
export function polynomialMmd2(real: Samples, fake: Samples, options: PolynomialMmdOptions = {}): number {
  const x = finiteRows(real, 'real');
  const y = finiteRows(fake, 'fake');
  checkSameDim(x, 'real', y, 'fake');
  const xs = withIndices(x, options.realIndices, 'realIndices');
  const ys = withIndices(y, options.fakeIndices, 'fakeIndices');
  return mmd2OfRows(xs, ys);
}

/** The rows `indices` of `x`, checked to be distinct integers in range and at least 2. */
function withIndices(x: RowSet, indices: ArrayLike<number> | undefined, field: string): RowSet {
  if (indices === undefined) {
    if (x.n < 2) throw new Error(`${field.replace('Indices', '')}: ${x.n} sample(s); the unbiased MMD needs at least 2`);
    return x;
  }
  if (indices.length < 2) throw new Error(`${field}: ${indices.length} index(es); the unbiased MMD needs at least 2`);
  const seen = new Uint8Array(x.n);
  const index = new Int32Array(indices.length);
  for (let t = 0; t < indices.length; t++) {
    const i = indices[t] as number;
    if (!Number.isInteger(i) || i < 0 || i >= x.n) throw new Error(`${field}[${t}]: ${i} is not allowed; use a row index in [0, ${x.n - 1}]`);
    if (seen[i] === 1) throw new Error(`${field}[${t}]: row ${i} appears twice; subsets are drawn without replacement`);
    seen[i] = 1;
    index[t] = i;
  }
  return { data: x.data, dim: x.dim, n: index.length, index };
}

/** Unbiased polynomial-kernel MMD² of two row sets (already validated); `workspace` from productWorkspace(MMD_BLOCK, dim). */
export function mmd2OfRows(x: RowSet, y: RowSet, workspace?: DotKernel): number {
  const gamma = 1 / x.dim;
  const m = x.n;
  const n = y.n;
  const sxx = offDiagonalKernelSum(x, gamma, workspace);
  const syy = offDiagonalKernelSum(y, gamma, workspace);
  const sxy = crossKernelSum(x, y, gamma, workspace);
  return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - (2 * sxy) / (m * n);
}

/** Rows per product block: a KID subset of 1000 is one block. */
export const MMD_BLOCK = 1024;

/** Σᵢ≠ⱼ k(xᵢ, xⱼ) from the upper triangle of the symmetric product, each row summed apart before the total (less round-off). */
function offDiagonalKernelSum(x: RowSet, gamma: number, workspace: DotKernel | undefined): number {
  let total = 0;
  productBlocks(x, null, { blockSize: MMD_BLOCK, ...(workspace === undefined ? {} : { workspace }) }, ({ rows, cols, stride, values, upper }) => {
    for (let r = 0; r < rows; r++) {
      let rowSum = 0;
      const o = r * stride;
      for (let c = upper ? r + 1 : 0; c < cols; c++) {
        const t = (values[o + c] as number) * gamma + 1;
        rowSum += t * t * t;
      }
      total += 2 * rowSum;
    }
  });
  return total;
}

/** Σᵢⱼ k(xᵢ, yⱼ). */
function crossKernelSum(x: RowSet, y: RowSet, gamma: number, workspace: DotKernel | undefined): number {
  let total = 0;
  productBlocks(x, y, { blockSize: MMD_BLOCK, ...(workspace === undefined ? {} : { workspace }) }, ({ rows, cols, stride, values }) => {
    for (let r = 0; r < rows; r++) {
      let rowSum = 0;
      const o = r * stride;
      for (let c = 0; c < cols; c++) {
        const t = (values[o + c] as number) * gamma + 1;
        rowSum += t * t * t;
      }
      total += rowSum;
    }
  });
  return total;
}
