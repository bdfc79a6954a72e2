import type { Workspace } from './kernels.js';

/** A matrix read through strides: element (i, j) is src[off + i·rs + j·cs], so transposes cost nothing. */
export interface Operand {
  src: Float64Array;
  off: number;
  rs: number;
  cs: number;
}

/** k-depth of a packed panel: a 4-row sliver of A (8 KiB) stays in L1 while it meets every tile of B. */
const KC = 256;
/** Rows of A packed per block (128 KiB with KC): sized for L2. */
const MC = 64;
/** Columns of B packed per block (1 MiB with KC): sized for L2. */
const NC = 512;

/** Packing buffers for gemm, taken from the workspace once per computation. */
export interface GemmBuffers {
  a: number;
  b: number;
}

/** Doubles gemm's packing buffers take for products with m ≤ rows, n ≤ cols and k ≤ depth (for sizing a workspace). */
export function gemmBufferDoubles(rows: number, cols: number, depth: number): number {
  const kc = Math.min(KC, depth);
  return Math.min(MC, Math.ceil(rows / 4) * 4) * kc + kc * Math.min(NC, Math.ceil(cols / 4) * 4) + 16;
}

/** Reserves gemm's packing buffers in a workspace, for products with m ≤ rows, n ≤ cols and k ≤ depth. */
export function gemmBuffers(ws: Workspace, rows: number, cols: number, depth: number): GemmBuffers {
  const kc = Math.min(KC, depth);
  return { a: ws.alloc(Math.min(MC, Math.ceil(rows / 4) * 4) * kc), b: ws.alloc(kc * Math.min(NC, Math.ceil(cols / 4) * 4)) };
}

/** Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A), scaled by alpha, as 4-row slivers (zero-padded rows). */
function packA(f: Float64Array, dst: number, A: Operand, i0: number, mc: number, p0: number, kc: number, alpha: number): void {
  const src = A.src;
  for (let s = 0; s < mc; s += 4) {
    const base = dst + s * kc;
    for (let r = 0; r < 4; r++) {
      if (s + r >= mc) {
        for (let p = 0; p < kc; p++) f[base + 4 * p + r] = 0;
        continue;
      }
      let at = A.off + (i0 + s + r) * A.rs + p0 * A.cs;
      for (let p = 0; p < kc; p++, at += A.cs) f[base + 4 * p + r] = alpha * (src[at] as number);
    }
  }
}

/** Packs depth [p0, p0+kc) × columns [j0, j0+nc) of op(B) as 4-column tiles (zero-padded columns). */
function packB(f: Float64Array, dst: number, B: Operand, p0: number, kc: number, j0: number, nc: number): void {
  const src = B.src;
  for (let t = 0; t < nc; t += 4) {
    const base = dst + t * kc;
    for (let s = 0; s < 4; s++) {
      if (t + s >= nc) {
        for (let p = 0; p < kc; p++) f[base + 4 * p + s] = 0;
        continue;
      }
      let at = B.off + p0 * B.rs + (j0 + t + s) * B.cs;
      for (let p = 0; p < kc; p++, at += B.rs) f[base + 4 * p + s] = src[at] as number;
    }
  }
}

/**
 * C += alpha · op(A) · op(B) for an m×k op(A) and a k×n op(B), C at element offset c of the workspace with
 * row stride ldc. Blocked and packed (Goto's scheme) around the 4×4 SIMD tile kernel. With `lower` set,
 * only the 4×4 tiles that hold some (i, j) with j ≤ i + lower are computed (a symmetric product's lower
 * triangle, offset by `lower` when C starts `lower` rows below the diagonal).
 * C must have writable slack: tiles write whole 4×4 blocks, adding exact zeros past the m×n edge, so up to
 * 3 rows below and 3 columns right of C are read and written back unchanged.
 */
export function gemm(
  ws: Workspace,
  buffers: GemmBuffers,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Operand,
  B: Operand,
  c: number,
  ldc: number,
  lower: number | null = null,
): void {
  if (m <= 0 || n <= 0 || k <= 0) return;
  const f = ws.f64;
  const kernel = ws.kernels;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    const tilesN = Math.ceil(nc / 4);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      let bPacked = false;
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        if (lower !== null && j0 > i0 + mc - 1 + lower) continue;
        if (!bPacked) {
          packB(f, buffers.b, B, p0, kc, j0, nc);
          bPacked = true;
        }
        packA(f, buffers.a, A, i0, mc, p0, kc, alpha);
        for (let s = 0; s < mc; s += 4) {
          const row = i0 + s;
          const tiles = lower === null ? tilesN : Math.min(tilesN, Math.floor((row + 3 + lower - j0) / 4) + 1);
          if (tiles <= 0) continue;
          kernel.gemmTiles(kc, (buffers.a + s * kc) * 8, buffers.b * 8, tiles, (c + row * ldc + j0) * 8, ldc * 8);
        }
      }
    }
  }
}
