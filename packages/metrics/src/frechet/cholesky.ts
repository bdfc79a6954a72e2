import { type GemmBuffers, gemm } from './gemm.js';
import type { Workspace } from './kernels.js';

/** Columns factored between two trailing updates: the panel's lazy dot products stay cheap, the update is a big gemm. */
const PANEL = 48;

/** Result of a pivoted Cholesky: Σ[perm, perm] ≈ L Lᵀ with L the first `rank` columns of the factored matrix. */
export interface PivotedCholesky {
  rank: number;
  /** perm[i] is the original index of row i of L. */
  perm: Int32Array;
  /**
   * Largest |entry| of the Schur complement left when the factorization stopped, over max |Σᵢᵢ|: round-off
   * (≈ d·ε) for a PSD matrix, O(1) for one with a negative eigenvalue (no pivot is left, yet S ≠ 0).
   */
  residual: number;
}

/** Swaps rows/columns k < q of a symmetric matrix whose lower triangle (and L's computed columns) are current. */
function symmetricSwap(f: Float64Array, a: number, d: number, ld: number, k: number, q: number): void {
  const rk = a + k * ld;
  const rq = a + q * ld;
  for (let j = 0; j < k; j++) {
    const t = f[rk + j] as number;
    f[rk + j] = f[rq + j] as number;
    f[rq + j] = t;
  }
  const t = f[rk + k] as number;
  f[rk + k] = f[rq + q] as number;
  f[rq + q] = t;
  for (let i = k + 1; i < q; i++) {
    const x = f[a + i * ld + k] as number;
    f[a + i * ld + k] = f[rq + i] as number;
    f[rq + i] = x;
  }
  for (let i = q + 1; i < d; i++) {
    const x = f[a + i * ld + k] as number;
    f[a + i * ld + k] = f[a + i * ld + q] as number;
    f[a + i * ld + q] = x;
  }
}

/**
 * Cholesky with complete (diagonal) pivoting of a symmetric positive semidefinite d×d matrix, in place at
 * element offset a (row stride ld, lower triangle read), the blocked scheme of LAPACK's dpstrf: it stops
 * when no remaining pivot exceeds d·ε·max(diag Σ), so a singular covariance (n ≤ d, dead features) gets
 * its numerical rank and no square roots of round-off. On return the first `rank` columns hold L (above
 * the diagonal zeroed); the rest of the matrix is scratch.
 */
export function pivotedCholesky(ws: Workspace, buffers: GemmBuffers, a: number, d: number, ld: number): PivotedCholesky {
  const f = ws.f64;
  const perm = Int32Array.from({ length: d }, (_, i) => i);
  const work = new Float64Array(d);
  let maxDiag = 0;
  let scale = 0;
  for (let i = 0; i < d; i++) {
    maxDiag = Math.max(maxDiag, f[a + i * ld + i] as number);
    scale = Math.max(scale, Math.abs(f[a + i * ld + i] as number));
  }
  const tol = d * Number.EPSILON * maxDiag;
  let rank = 0;
  let residual = 0;
  factor: for (let k0 = 0; k0 < d; k0 += PANEL) {
    const k1 = Math.min(d, k0 + PANEL);
    work.fill(0);
    for (let k = k0; k < k1; k++) {
      let q = k;
      let best = -Infinity;
      for (let j = k; j < d; j++) {
        const v = (f[a + j * ld + j] as number) - (work[j] as number);
        if (v > best) {
          best = v;
          q = j;
        }
      }
      if (!(best > tol)) {
        residual = schurResidual(ws, buffers, a, d, ld, k0, k) / (scale || 1);
        break factor;
      }
      if (q !== k) {
        symmetricSwap(f, a, d, ld, k, q);
        const w = work[k] as number;
        work[k] = work[q] as number;
        work[q] = w;
        const p = perm[k] as number;
        perm[k] = perm[q] as number;
        perm[q] = p;
      }
      const lkk = Math.sqrt(best);
      f[a + k * ld + k] = lkk;
      const rk = a + k * ld;
      for (let i = k + 1; i < d; i++) {
        const ri = a + i * ld;
        let s = f[ri + k] as number;
        for (let p = k0; p < k; p++) s -= (f[ri + p] as number) * (f[rk + p] as number);
        s /= lkk;
        f[ri + k] = s;
        work[i] = (work[i] as number) + s * s;
      }
      rank = k + 1;
    }
    if (k1 < d) {
      // trailing lower triangle −= L[k1:, k0:k1] L[k1:, k0:k1]ᵀ
      const panel = a + k1 * ld + k0;
      gemm(ws, buffers, d - k1, d - k1, k1 - k0, -1, { src: f, off: panel, rs: ld, cs: 1 }, { src: f, off: panel, rs: 1, cs: ld }, a + k1 * ld + k1, ld, 0);
    }
  }
  for (let i = 0; i < d; i++) {
    const row = a + i * ld;
    for (let j = i + 1; j < rank; j++) f[row + j] = 0;
  }
  return { rank, perm, residual };
}

/** max |S| of the trailing block at k once the panel's columns k0…k−1 are applied (they are applied lazily). */
function schurResidual(ws: Workspace, buffers: GemmBuffers, a: number, d: number, ld: number, k0: number, k: number): number {
  const f = ws.f64;
  if (k > k0) {
    const panel = a + k * ld + k0;
    gemm(ws, buffers, d - k, d - k, k - k0, -1, { src: f, off: panel, rs: ld, cs: 1 }, { src: f, off: panel, rs: 1, cs: ld }, a + k * ld + k, ld, 0);
  }
  let max = 0;
  for (let i = k; i < d; i++) for (let j = k; j <= i; j++) max = Math.max(max, Math.abs(f[a + i * ld + j] as number));
  return max;
}
