import { type ProductBlock, productBlocks } from './blockedProducts.js';
import type { RowSet } from './rows.js';

/**
 * Squared distance from each row to its k-th nearest other row, for each k in `ks` — the manifold radii of
 * Kynkäänniemi et al. 2019 (Eq. 1: NN_k(φ), self excluded). Blocks of the symmetric distance matrix feed a
 * per-row sorted list of the max(ks) smallest distances (insertion, no sort), so memory is O(n·k + block²).
 */
export function kthNeighbourSquaredDistances(x: RowSet, norms: Float64Array, ks: readonly number[], blockSize: number): Float64Array[] {
  const kMax = Math.max(...ks);
  const n = x.n;
  const top = new Float64Array(n * kMax).fill(Number.POSITIVE_INFINITY);
  productBlocks(x, null, { blockSize }, (block) => {
    offerBlock(block, norms, top, kMax);
  });
  return ks.map((k) => {
    const radii = new Float64Array(n);
    for (let i = 0; i < n; i++) radii[i] = top[i * kMax + k - 1] as number;
    return radii;
  });
}

/**
 * Offers each pair (i, j ≠ i) of a symmetric block of dot products to both rows' lists of the kMax smallest
 * squared distances ‖xᵢ‖² + ‖xⱼ‖² − 2xᵢ·xⱼ (clamped at 0: round-off).
 */
function offerBlock(block: ProductBlock, norms: Float64Array, top: Float64Array, kMax: number): void {
  const { i0, rows, j0, cols, stride, values, upper } = block;
  const last = kMax - 1;
  for (let r = 0; r < rows; r++) {
    const rowBase = (i0 + r) * kMax;
    const o = r * stride;
    const ni = norms[i0 + r] as number;
    let rowWorst = top[rowBase + last] as number;
    // a diagonal block holds its upper triangle; c = r is the point itself
    for (let c = upper ? r + 1 : 0; c < cols; c++) {
      const e = ni + (norms[j0 + c] as number) - 2 * (values[o + c] as number);
      const d = Math.max(e, 0);
      if (d < rowWorst) {
        insert(top, rowBase, last, d);
        rowWorst = top[rowBase + last] as number;
      }
      const colBase = (j0 + c) * kMax;
      if (d < (top[colBase + last] as number)) insert(top, colBase, last, d);
    }
  }
}

/** Inserts v into the ascending list top[base..base + last], dropping its largest entry. */
function insert(top: Float64Array, base: number, last: number, v: number): void {
  let t = base + last;
  while (t > base && (top[t - 1] as number) > v) {
    top[t] = top[t - 1] as number;
    t--;
  }
  top[t] = v;
}
