import { Rng } from '@ganbench/core';
import { describe, expect, it } from 'vitest';
import { pivotedCholesky } from './cholesky.js';
import { symmetricEigen, symmetricEigenvalues, tridiagonalize, tridiagonalQL } from './eigen.js';
import { gemm, gemmBufferDoubles, gemmBuffers } from './gemm.js';
import { createWorkspace, simdAvailable } from './kernels.js';
import { traceSqrtProduct } from './traceSqrt.js';

// ---------- helpers (independent of the code under test) ----------

/** A Haar-ish random orthogonal matrix (flat, row-major) by Gram–Schmidt on Gaussian columns. */
function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const col = Array.from({ length: n }, () => rng.normal());
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (col[i] as number) * (q[i * n + k] as number);
      for (let i = 0; i < n; i++) col[i] = (col[i] as number) - dot * (q[i * n + k] as number);
    }
    const norm = Math.hypot(...col);
    for (let i = 0; i < n; i++) q[i * n + j] = (col[i] as number) / norm;
  }
  return q;
}

/** Q diag(λ) Qᵀ, flat. */
function withEigenvalues(q: Float64Array, lambda: number[]): Float64Array {
  const n = lambda.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      for (let k = 0; k < n; k++) a[i * n + j] = (a[i * n + j] as number) + (q[i * n + k] as number) * (lambda[k] as number) * (q[j * n + k] as number);
  return a;
}

/** X Xᵀ / m for a random n×m X: PSD of rank min(n, m). */
function gram(n: number, m: number, rng: Rng): Float64Array {
  const x = Array.from({ length: n * m }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) for (let k = 0; k < m; k++) a[i * n + j] = (a[i * n + j] as number) + ((x[i * m + k] as number) * (x[j * m + k] as number)) / m;
  return a;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

// ---------- kernels and the blocked product ----------

describe('gemm (blocked, packed, SIMD tile kernel)', () => {
  it('runs the WebAssembly SIMD kernels in this runtime', () => {
    expect(simdAvailable()).toBe(true);
  });

  it.each([
    [1, 1, 1],
    [5, 7, 3],
    [67, 13, 300],
    [130, 517, 61],
  ])('C += α op(A) op(B) matches a naive product for m, n, k = %i, %i, %i (transposed operands, SIMD and JS alike)', (m, n, k) => {
    const rng = new Rng(m * 1000 + n + k);
    const a = Float64Array.from({ length: k * m }, () => rng.normal()); // stored k×m: op(A) = Aᵀ
    const b = Float64Array.from({ length: k * n }, () => rng.normal()); // stored k×n
    const results = [true, false].map((simd) => {
      const ld = n + 7;
      const ws = createWorkspace((m + 4) * ld + gemmBufferDoubles(m, n, k) + 64, { simd });
      const buffers = gemmBuffers(ws, m, n, k);
      const c = ws.alloc((m + 4) * ld);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) ws.f64[c + i * ld + j] = i - j;
      gemm(ws, buffers, m, n, k, 0.5, { src: a, off: 0, rs: 1, cs: m }, { src: b, off: 0, rs: n, cs: 1 }, c, ld);
      let err = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = i - j;
          for (let p = 0; p < k; p++) s += 0.5 * (a[p * m + i] as number) * (b[p * n + j] as number);
          err = Math.max(err, Math.abs(s - (ws.f64[c + i * ld + j] as number)));
        }
      }
      expect(err).toBeLessThan(1e-12 * k);
      return Array.from({ length: m }, (_, i) => Array.from(ws.f64.subarray(c + i * ld, c + i * ld + n)));
    });
    expect(results[0]).toEqual(results[1]);
  });

  it('with `lower` computes (at least) the lower triangle and leaves the strict upper tiles alone', () => {
    const rng = new Rng(3);
    const n = 37;
    const x = Float64Array.from({ length: n * 11 }, () => rng.normal());
    const ld = n + 3;
    const ws = createWorkspace((n + 4) * ld + gemmBufferDoubles(n, n, 11) + 64);
    const c = ws.alloc((n + 4) * ld);
    gemm(ws, gemmBuffers(ws, n, n, 11), n, n, 11, 1, { src: x, off: 0, rs: 11, cs: 1 }, { src: x, off: 0, rs: 1, cs: 11 }, c, ld, 0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < 11; p++) s += (x[i * 11 + p] as number) * (x[j * 11 + p] as number);
        const got = ws.f64[c + i * ld + j] as number;
        if (j <= i) expect(got).toBeCloseTo(s, 12);
        else if (Math.floor(j / 4) > Math.floor(i / 4)) expect(got).toBe(0);
      }
    }
  });
});

// ---------- eigensolvers ----------

describe('symmetric eigensolvers', () => {
  it('2×2 and 1×1 closed forms', () => {
    expect(maxAbsDiff(symmetricEigenvalues([2, 1, 1, 2], 2), [1, 3])).toBeLessThan(1e-15);
    expect(maxAbsDiff(symmetricEigen([2, 1, 1, 2], 2).values, [1, 3])).toBeLessThan(1e-15);
    expect(Array.from(symmetricEigenvalues([-4], 1))).toEqual([-4]);
  });

  it.each([3, 10, 64, 129])('the second-difference matrix tridiag(−1, 2, −1) of size %i has eigenvalues 2 − 2cos(kπ/(n+1))', (n) => {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = -1;
      if (i + 1 < n) a[i * n + i + 1] = -1;
    }
    const exact = sorted(Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))));
    expect(maxAbsDiff(symmetricEigenvalues(a, n), exact)).toBeLessThan(1e-13);
    expect(maxAbsDiff(symmetricEigen(a, n).values, exact)).toBeLessThan(1e-13);
  });

  it('the all-ones matrix J (n = 50): eigenvalues n and 0 (multiplicity n − 1)', () => {
    const n = 50;
    const values = symmetricEigenvalues(new Float64Array(n * n).fill(1), n);
    expect(values[n - 1]).toBeCloseTo(n, 12);
    expect(maxAbsDiff(values.subarray(0, n - 1), new Float64Array(n - 1))).toBeLessThan(1e-13);
  });

  it('Q diag(λ) Qᵀ with clustered, repeated and negative λ: values, A V = V Λ and Vᵀ V = I', () => {
    const rng = new Rng(11);
    const n = 40;
    const lambda = Array.from({ length: n }, (_, i) => (i < 5 ? 3 : i < 10 ? 1e-9 * i : i % 2 === 0 ? -i : i + 0.5));
    const a = withEigenvalues(randomOrthogonal(n, rng), lambda);
    const exact = sorted(lambda);
    expect(maxAbsDiff(symmetricEigenvalues(a, n), exact)).toBeLessThan(1e-12 * n);
    const { values, vectors } = symmetricEigen(a, n);
    expect(maxAbsDiff(values, exact)).toBeLessThan(1e-12 * n);
    let residual = 0;
    let orthogonality = 0;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += (a[i * n + k] as number) * (vectors[k * n + j] as number);
        residual = Math.max(residual, Math.abs(av - (values[j] as number) * (vectors[i * n + j] as number)));
        let dot = 0;
        for (let k = 0; k < n; k++) dot += (vectors[k * n + i] as number) * (vectors[k * n + j] as number);
        orthogonality = Math.max(orthogonality, Math.abs(dot - (i === j ? 1 : 0)));
      }
    }
    expect(residual).toBeLessThan(1e-12 * n);
    expect(orthogonality).toBeLessThan(1e-13 * n);
  });

  it('the fused tridiagonalization gives the same bits with the SIMD and the plain-JS kernels', () => {
    const rng = new Rng(5);
    const n = 45;
    const a = gram(n, 60, rng);
    const run = (simd: boolean) => {
      const ld = n + 4;
      const ws = createWorkspace(ld * (n + 4) + 4 * (n + 16), { simd });
      const m = ws.alloc(ld * (n + 4));
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ws.f64[m + i * ld + j] = a[i * n + j] as number;
      return tridiagonalQL(tridiagonalize(ws, m, n, ld));
    };
    const simd = run(true);
    expect(Array.from(simd)).toEqual(Array.from(run(false)));
    expect(maxAbsDiff(simd, symmetricEigen(a, n).values)).toBeLessThan(1e-13 * n);
  });
});

// ---------- pivoted Cholesky and tr √(Σ1 Σ2) ----------

describe('pivoted Cholesky', () => {
  it.each([
    [30, 100, 30],
    [30, 12, 12],
    [70, 1, 1],
  ])('n = %i of rank min(n, m = %i) = %i: numerical rank and P L Lᵀ Pᵀ = Σ', (n, m, rank) => {
    const a = gram(n, m, new Rng(n + m));
    const ld = n + 4;
    const ws = createWorkspace(ld * (n + 4) + gemmBufferDoubles(n, n, n) + 64);
    const buffers = gemmBuffers(ws, n, n, n);
    const l = ws.alloc(ld * (n + 4));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ws.f64[l + i * ld + j] = a[i * n + j] as number;
    const result = pivotedCholesky(ws, buffers, l, n, ld);
    expect(result.rank).toBe(rank);
    let err = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < result.rank; k++) s += (ws.f64[l + i * ld + k] as number) * (ws.f64[l + j * ld + k] as number);
        err = Math.max(err, Math.abs(s - (a[(result.perm[i] as number) * n + (result.perm[j] as number)] as number)));
      }
    }
    expect(err).toBeLessThan(1e-13);
  });
});

describe('traceSqrtProduct', () => {
  it('commuting Σ1 = QΛ1Qᵀ, Σ2 = QΛ2Qᵀ: Σ √(λ1 λ2), with both factor routes', () => {
    const rng = new Rng(21);
    const n = 33;
    const q = randomOrthogonal(n, rng);
    const l1 = Array.from({ length: n }, () => rng.uniform() * 3);
    const l2 = Array.from({ length: n }, () => rng.uniform() * 2);
    const exact = l1.reduce((s, x, i) => s + Math.sqrt(x * (l2[i] as number)), 0);
    for (const factor of ['cholesky', 'eigh'] as const) {
      expect(Math.abs(traceSqrtProduct(withEigenvalues(q, l1), withEigenvalues(q, l2), n, factor) - exact) / exact).toBeLessThan(1e-12);
    }
  });

  it('singular factors (ranks 7 and 12 of 40) agree between the routes and in either order', () => {
    const a = gram(40, 7, new Rng(1));
    const b = gram(40, 12, new Rng(2));
    const t = traceSqrtProduct(a, b, 40);
    expect(Math.abs(traceSqrtProduct(b, a, 40) - t) / t).toBeLessThan(1e-13);
    // the eigh route takes √ of round-off eigenvalues of Σ1: ~1e-8 relative here, which is why it is not the default
    expect(Math.abs(traceSqrtProduct(a, b, 40, 'eigh') - t) / t).toBeLessThan(1e-6);
  });

  it('a zero covariance gives 0', () => {
    expect(traceSqrtProduct(new Float64Array(9), gram(3, 5, new Rng(4)), 3)).toBe(0);
  });
});
