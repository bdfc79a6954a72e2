import { pivotedCholesky } from './cholesky.js';
import { symmetricEigen, tridiagonalize, tridiagonalizeDoubles, tridiagonalQL } from './eigen.js';
import { type GemmBuffers, gemm, gemmBufferDoubles, gemmBuffers } from './gemm.js';
import { createWorkspace, type Workspace } from './kernels.js';

/**
 * How Σ1 is factored as A Aᵀ before the eigenvalues of Aᵀ Σ2 A — which are those of s Σ2 s with
 * s = Σ1^½, plus zeros — are taken:
 * - 'cholesky' (default): pivoted Cholesky of each covariance, the one of lower numerical rank used as A;
 *   fast (≈3d³ flops, SIMD) and exact-rank on singular covariances, so no square roots of round-off.
 * - 'eigh': A = V √max(Λ, 0) from a full eigendecomposition Σ1 = V Λ Vᵀ (plain JS, O(d³) with
 *   eigenvectors): the textbook route, kept as a cross-check for moderate d.
 */
export type TraceSqrtFactor = 'cholesky' | 'eigh';

/**
 * How far from PSD a covariance may be and still count as one: numpy's cov of n ≤ d samples leaves
 * residuals of order d·ε relative to its diagonal; a matrix with a negative eigenvalue leaves O(1).
 */
const PSD_TOLERANCE = 1e-7;

function notPsd(name: string, residual: number): Error {
  return new Error(
    `${name}: not a covariance: it is not positive semi-definite (left ${residual.toExponential(2)} of its scale after a pivoted Cholesky; allowed: ≤ ${PSD_TOLERANCE})`,
  );
}

/** Sum of √max(λ, 0): the trace of the square root of a PSD matrix from its eigenvalues. */
function sumSqrt(values: Float64Array): number {
  let s = 0;
  for (const x of values) s += Math.sqrt(Math.max(x, 0));
  return s;
}

/** Copies the flat d×d matrix src, rows and columns permuted by perm, to offset dst (row stride ld). */
function permutedCopy(f: Float64Array, dst: number, ld: number, src: Float64Array, d: number, perm: Int32Array): void {
  for (let i = 0; i < d; i++) {
    const from = (perm[i] as number) * d;
    const to = dst + i * ld;
    for (let j = 0; j < d; j++) f[to + j] = src[from + (perm[j] as number)] as number;
  }
}

/** Copies the flat d×d matrix src to offset dst (row stride ld). */
function copyIn(f: Float64Array, dst: number, ld: number, src: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) f.set(src.subarray(i * d, i * d + d), dst + i * ld);
}

/** Block width of the triangular products: wider wastes work on the zero triangle, narrower re-reads operands. */
const STRIP = 128;

/**
 * The lower triangle of M = Lᵀ C L (r×r), for L the d×r lower-trapezoidal factor at l and the symmetric
 * d×d matrix C at c, through G = C L at g (zeroed); M overwrites C. The zero triangle of L is skipped
 * block by block.
 */
function congruence(ws: Workspace, buffers: GemmBuffers, l: number, c: number, g: number, d: number, r: number, ld: number): void {
  const f = ws.f64;
  for (let j0 = 0; j0 < r; j0 += STRIP) {
    const w = Math.min(STRIP, r - j0);
    // G[:, j0:j0+w] = C[:, j0:] L[j0:, j0:j0+w]
    gemm(ws, buffers, d, w, d - j0, 1, { src: f, off: c + j0, rs: ld, cs: 1 }, { src: f, off: l + j0 * ld + j0, rs: ld, cs: 1 }, g + j0, ld);
  }
  f.fill(0, c, c + ld * (d + 4));
  for (let i0 = 0; i0 < r; i0 += STRIP) {
    const h = Math.min(STRIP, r - i0);
    // M[i0:i0+h, 0:i0+h] = L[i0:, i0:i0+h]ᵀ G[i0:, 0:i0+h] (lower part)
    gemm(ws, buffers, h, i0 + h, d - i0, 1, { src: f, off: l + i0 * ld + i0, rs: 1, cs: ld }, { src: f, off: g + i0 * ld, rs: ld, cs: 1 }, c + i0 * ld, ld, i0);
  }
}

/** Three padded d×d slots (row stride ld, a multiple of 4 for the SIMD kernels) plus gemm and tridiagonalization scratch: what both routes need. */
function traceSqrtWorkspace(d: number) {
  const ld = Math.ceil(d / 4) * 4 + 4;
  const matrix = ld * (d + 4);
  const ws = createWorkspace(3 * matrix + gemmBufferDoubles(d, d, d) + tridiagonalizeDoubles(d) + 64);
  const buffers = gemmBuffers(ws, d, d, d);
  const slots = [ws.alloc(matrix), ws.alloc(matrix), ws.alloc(matrix)] as const;
  return { ld, matrix, ws, buffers, f: ws.f64, slots };
}

/**
 * tr √(Σ1 Σ2) for symmetric PSD d×d matrices given flat and row-major (lower triangles read), as
 * Σ √max(λᵢ(Aᵀ Σ2 A), 0) with Σ1 = A Aᵀ: the eigenvalues of s Σ2 s (s = Σ1^½) without forming s — the
 * symmetric route, no complex arithmetic, stable for singular covariances.
 */
export function traceSqrtProduct(sigma1: Float64Array, sigma2: Float64Array, d: number, factor: TraceSqrtFactor = 'cholesky'): number {
  if (factor === 'eigh') return traceSqrtProductEigh(sigma1, sigma2, d);
  const {
    ld,
    ws,
    buffers,
    f,
    slots: [x, y, g],
  } = traceSqrtWorkspace(d);
  copyIn(f, x, ld, sigma1, d);
  copyIn(f, y, ld, sigma2, d);
  const fx = pivotedCholesky(ws, buffers, x, d, ld);
  if (fx.residual > PSD_TOLERANCE) throw notPsd('sigma1', fx.residual);
  const fy = pivotedCholesky(ws, buffers, y, d, ld);
  if (fy.residual > PSD_TOLERANCE) throw notPsd('sigma2', fy.residual);
  // factor the covariance of lower rank: M is then (generically) nonsingular, so no zero eigenvalue
  // turns into √(round-off)
  const [l, chosen, other] = fy.rank < fx.rank ? [y, fy, sigma1] : [x, fx, sigma2];
  const c = l === x ? y : x;
  const r = chosen.rank;
  if (r === 0) return 0;
  permutedCopy(f, c, ld, other, d, chosen.perm);
  congruence(ws, buffers, l, c, g, d, r, ld);
  return sumSqrt(tridiagonalQL(tridiagonalize(ws, c, r, ld)));
}

/** The 'eigh' route: A = V √max(Λ, 0) from the eigendecomposition of Σ1, then M = Aᵀ Σ2 A. */
function traceSqrtProductEigh(sigma1: Float64Array, sigma2: Float64Array, d: number): number {
  const { values, vectors } = symmetricEigen(sigma1, d);
  const {
    ld,
    ws,
    matrix,
    buffers,
    f,
    slots: [a, s2, g],
  } = traceSqrtWorkspace(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) f[a + i * ld + j] = (vectors[i * d + j] as number) * Math.sqrt(Math.max(values[j] as number, 0));
  copyIn(f, s2, ld, sigma2, d);
  // G = Σ2 A, then M = Aᵀ G (lower triangle) into s2's slot
  gemm(ws, buffers, d, d, d, 1, { src: f, off: s2, rs: ld, cs: 1 }, { src: f, off: a, rs: ld, cs: 1 }, g, ld);
  f.fill(0, s2, s2 + matrix);
  gemm(ws, buffers, d, d, d, 1, { src: f, off: a, rs: 1, cs: ld }, { src: f, off: g, rs: ld, cs: 1 }, s2, ld, 0);
  return sumSqrt(tridiagonalQL(tridiagonalize(ws, s2, d, ld)));
}
