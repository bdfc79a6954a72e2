import { createWorkspace, type Workspace } from './kernels.js';

/** A symmetric tridiagonal matrix: diagonal d, off-diagonal e (e[i] couples i and i + 1; e[n − 1] = 0). */
export interface Tridiagonal {
  d: Float64Array;
  e: Float64Array;
}

/**
 * Householder reflector for x = f[x0 + i·stride], i < m, written (scaled by 1/Σ|x|, which H ignores) to
 * u[0, m): H = I − β u uᵀ maps x to α e₁. Returns α (in x's units) and β; β = 0 when x is zero.
 */
function householder(f: Float64Array, x0: number, stride: number, m: number, u: number): { alpha: number; beta: number } {
  let scale = 0;
  for (let i = 0; i < m; i++) scale += Math.abs(f[x0 + i * stride] as number);
  if (scale === 0) {
    f.fill(0, u, u + m);
    return { alpha: 0, beta: 0 };
  }
  let h = 0;
  for (let i = 0; i < m; i++) {
    const v = (f[x0 + i * stride] as number) / scale;
    f[u + i] = v;
    h += v * v;
  }
  const first = f[u] as number;
  const sigma = Math.sqrt(h);
  const alpha = first > 0 ? -sigma : sigma;
  f[u] = first - alpha;
  return { alpha: alpha * scale, beta: 1 / (sigma * (sigma + Math.abs(first))) };
}

/**
 * One pass over the lower triangle rows/columns [start, n) of the matrix at a: A −= v wᵀ + w vᵀ and, in
 * the same sweep, p += A_new u (the symmetric product needs each element once). v, w, u, p are indexed
 * like the matrix. The SIMD row kernel does all but the odd leftover element and the diagonal.
 */
function fusedPass(ws: Workspace, a: number, n: number, ld: number, start: number, v: number, w: number, u: number, p: number): void {
  const f = ws.f64;
  const k = ws.kernels;
  for (let i = start; i < n; i++) {
    const row = a + i * ld;
    const vi = f[v + i] as number;
    const wi = f[w + i] as number;
    const ui = f[u + i] as number;
    const len = i - start;
    const pairs = len >> 1;
    let dot = pairs > 0 ? k.trirow(pairs, (row + start) * 8, (v + start) * 8, (w + start) * 8, (u + start) * 8, (p + start) * 8, vi, wi, ui) : 0;
    if (len & 1) {
      const j = i - 1;
      const x = (f[row + j] as number) - vi * (f[w + j] as number) - wi * (f[v + j] as number);
      f[row + j] = x;
      dot += x * (f[u + j] as number);
      f[p + j] = (f[p + j] as number) + x * ui;
    }
    const x = (f[row + i] as number) - 2 * vi * wi;
    f[row + i] = x;
    f[p + i] = (f[p + i] as number) + dot + x * ui;
  }
}

/**
 * Householder reduction of the symmetric n×n matrix at element offset a (row stride ld; lower triangle
 * read, destroyed) to tridiagonal form, 4n³/3 flops. Each step's rank-2 update is fused with the next
 * step's symmetric matrix–vector product, so the trailing matrix is swept once per step. (A LAPACK-style
 * blocked version — read-only products within a panel, the rank-2k update by gemm — measured 10–80%
 * slower here at n = 1024–2048, so the fused sweep stays.)
 */
export function tridiagonalize(ws: Workspace, a: number, n: number, ld: number): Tridiagonal {
  const f = ws.f64;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 1) d[0] = f[a] as number;
  if (n <= 2) {
    if (n === 2) {
      d[0] = f[a] as number;
      d[1] = f[a + ld + 1] as number;
      e[0] = f[a + ld] as number;
    }
    return { d, e };
  }
  const [v, w, u, p] = [ws.alloc(n + 2), ws.alloc(n + 2), ws.alloc(n + 2), ws.alloc(n + 2)];
  // step 0's reflector and its p = A[1:, 1:] v (a pass with a zero update)
  let { alpha, beta } = householder(f, a + ld, ld, n - 1, v + 1);
  d[0] = f[a] as number;
  e[0] = alpha;
  f.fill(0, w, w + n + 2);
  f.fill(0, p, p + n + 2);
  fusedPass(ws, a, n, ld, 1, w, w, v, p);
  for (let k = 0; k <= n - 3; k++) {
    // w = β A v − (β² vᵀ A v / 2) v on indices k+1.. (p holds A v)
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      const pi = beta * (f[p + i] as number);
      f[p + i] = pi;
      pv += pi * (f[v + i] as number);
    }
    const half = (beta / 2) * pv;
    for (let i = k + 1; i < n; i++) f[w + i] = (f[p + i] as number) - half * (f[v + i] as number);
    // column k+1 first: it is the next step's x
    const c = k + 1;
    const vc = f[v + c] as number;
    const wc = f[w + c] as number;
    for (let i = c; i < n; i++) f[a + i * ld + c] = (f[a + i * ld + c] as number) - (f[v + i] as number) * wc - (f[w + i] as number) * vc;
    d[c] = f[a + c * ld + c] as number;
    let next = { alpha: 0, beta: 0 };
    f[u + c] = 0;
    if (c <= n - 3) next = householder(f, a + (c + 1) * ld + c, ld, n - c - 1, u + c + 1);
    else {
      f.fill(0, u + c + 1, u + n);
      next.alpha = f[a + (c + 1) * ld + c] as number;
    }
    e[c] = next.alpha;
    f.fill(0, p + c + 1, p + n);
    fusedPass(ws, a, n, ld, c + 1, v, w, u, p);
    f.copyWithin(v, u, u + n);
    beta = next.beta;
    alpha = next.alpha;
  }
  d[n - 1] = f[a + (n - 1) * ld + n - 1] as number;
  e[n - 2] = alpha;
  return { d, e };
}

/** Doubles tridiagonalize takes from a workspace besides the matrix (for sizing one). */
export function tridiagonalizeDoubles(n: number): number {
  return 4 * (n + 16);
}

/**
 * Reverses the order of a tridiagonal matrix (and of the basis rows with it) when its top is larger than its
 * bottom: QL chases from the bottom and keeps small eigenvalues of graded matrices accurate only when the
 * large entries sit there (LAPACK's dsteqr makes the same choice between QL and QR). On FID's graded
 * Lᵀ Σ2 L this is the difference between 1e-11 and 1e-15 relative.
 */
function orientForQL(t: Tridiagonal, vectors: Float64Array | null): void {
  const { d, e } = t;
  const n = d.length;
  if (n < 2 || Math.abs(d[0] as number) <= Math.abs(d[n - 1] as number)) return;
  d.reverse();
  e.subarray(0, n - 1).reverse();
  if (vectors !== null) {
    for (let i = 0; i < n >> 1; i++) {
      const top = vectors.slice(i * n, i * n + n);
      vectors.copyWithin(i * n, (n - 1 - i) * n, (n - i) * n);
      vectors.set(top, (n - 1 - i) * n);
    }
  }
}

/**
 * Eigenvalues (ascending) of a symmetric tridiagonal matrix by implicit QL with Wilkinson shifts
 * (EISPACK tql2, as in JAMA and ml-matrix), oriented so the large end is at the bottom. With `vectors`
 * (n×n row-major, row r a basis vector), the rotations are applied to its rows, so rows become
 * eigenvectors of the original matrix. d, e are consumed.
 */
export function tridiagonalQL(t: Tridiagonal, vectors: Float64Array | null = null): Float64Array {
  orientForQL(t, vectors);
  const { d, e } = t;
  const n = d.length;
  const eps = Number.EPSILON;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l] as number) + Math.abs(e[l] as number));
    let m = l;
    while (m < n - 1 && Math.abs(e[m] as number) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`tridiagonal QL: eigenvalue ${l} did not converge in 60 iterations`);
        let g = d[l] as number;
        let p = ((d[l + 1] as number) - g) / (2 * (e[l] as number));
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = (e[l] as number) / (p + r);
        d[l + 1] = (e[l] as number) * (p + r);
        const dl1 = d[l + 1] as number;
        let h = g - (d[l] as number);
        for (let i = l + 2; i < n; i++) d[i] = (d[i] as number) - h;
        f += h;
        p = d[m] as number;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1] as number;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * (e[i] as number);
          h = c * p;
          r = Math.hypot(p, e[i] as number);
          e[i + 1] = s * r;
          s = (e[i] as number) / r;
          c = p / r;
          p = c * (d[i] as number) - s * g;
          d[i + 1] = h + s * (c * g + s * (d[i] as number));
          if (vectors !== null) {
            const ri = i * n;
            const rj = (i + 1) * n;
            for (let k = 0; k < n; k++) {
              const x = vectors[rj + k] as number;
              const y = vectors[ri + k] as number;
              vectors[rj + k] = s * y + c * x;
              vectors[ri + k] = c * y - s * x;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * (e[l] as number)) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l] as number) > eps * tst1);
    }
    d[l] = (d[l] as number) + f;
    e[l] = 0;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => (d[x] as number) - (d[y] as number));
  const values = Float64Array.from(order, (i) => d[i] as number);
  if (vectors !== null) {
    const copy = vectors.slice();
    order.forEach((from, to) => {
      vectors.set(copy.subarray(from * n, from * n + n), to * n);
    });
  }
  return values;
}

/** Checks a flat n×n matrix argument. */
function checkSquare(a: ArrayLike<number>, n: number, field: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${field}: dimension ${n} is not allowed; use a positive integer`);
  if (a.length !== n * n) throw new Error(`${field}: ${a.length} values do not make a ${n}×${n} matrix`);
}

/**
 * Eigenvalues (ascending) of the symmetric n×n matrix a (flat, row-major; the lower triangle is read):
 * fused Householder tridiagonalization (WebAssembly SIMD where available) and implicit QL, no eigenvectors.
 */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  checkSquare(a, n, 'a');
  const ld = n + 4;
  const ws = createWorkspace(ld * (n + 4) + tridiagonalizeDoubles(n) + 64);
  const m = ws.alloc(ld * (n + 4));
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) ws.f64[m + i * ld + j] = a[i * n + j] as number;
  return tridiagonalQL(tridiagonalize(ws, m, n, ld));
}

/**
 * Householder tridiagonalization with the transformation accumulated (EISPACK tred2, in ml-matrix's
 * transposed layout so the hot loops run along rows). z holds the matrix on entry (lower triangle read)
 * and Qᵀ on return, row r the r-th basis vector.
 */
function tred2(n: number, z: Float64Array): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const at = (i: number, j: number) => z[i * n + j] as number;
  for (let j = 0; j < n; j++) d[j] = at(j, n - 1);
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k] as number);
    if (scale === 0) {
      e[i] = d[i - 1] as number;
      for (let j = 0; j < i; j++) {
        d[j] = at(j, i - 1);
        z[j * n + i] = 0;
        z[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = (d[k] as number) / scale;
        h += (d[k] as number) ** 2;
      }
      let f = d[i - 1] as number;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        z[i * n + j] = f;
        g = (e[j] as number) + at(j, j) * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += at(j, k) * (d[k] as number);
          e[k] = (e[k] as number) + at(j, k) * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = (e[j] as number) / h;
        f += (e[j] as number) * (d[j] as number);
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = (e[j] as number) - hh * (d[j] as number);
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        g = e[j] as number;
        const row = j * n;
        for (let k = j; k <= i - 1; k++) z[row + k] = (z[row + k] as number) - (f * (e[k] as number) + g * (d[k] as number));
        d[j] = at(j, i - 1);
        z[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    z[i * n + n - 1] = at(i, i);
    z[i * n + i] = 1;
    const h = d[i + 1] as number;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = at(i + 1, k) / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += at(i + 1, k) * at(j, k);
        const row = j * n;
        for (let k = 0; k <= i; k++) z[row + k] = (z[row + k] as number) - g * (d[k] as number);
      }
    }
    for (let k = 0; k <= i; k++) z[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = at(j, n - 1);
    z[j * n + n - 1] = 0;
  }
  z[(n - 1) * n + n - 1] = 1;
  // tred2 leaves e[i] coupling i − 1 and i; the QL convention is e[i] coupling i and i + 1
  e.copyWithin(0, 1);
  e[n - 1] = 0;
  return { d, e };
}

/**
 * Eigenvalues (ascending) and eigenvectors of the symmetric n×n matrix a (flat, row-major; the lower
 * triangle is read). `vectors` is row-major n×n with eigenvector j in column j, like numpy.linalg.eigh.
 * Plain JS, O(n³) with eigenvectors accumulated: for moderate n (FID itself needs no eigenvectors).
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  checkSquare(a, n, 'a');
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      z[i * n + j] = a[i * n + j] as number;
      z[j * n + i] = a[i * n + j] as number;
    }
  }
  const values = tridiagonalQL(tred2(n, z), z);
  // rows of z are the eigenvectors: transpose so that columns are
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const t = z[i * n + j] as number;
      z[i * n + j] = z[j * n + i] as number;
      z[j * n + i] = t;
    }
  }
  return { values, vectors: z };
}
