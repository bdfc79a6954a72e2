import { createDotKernel, type DotKernel } from './dotKernel.js';
import type { RowSet } from './rows.js';

/** Rows per register tile: the kernel computes 4 × 4 dot products at a time, 16 accumulators. */
const TILE = 4;

/** Rows of a block rounded up to whole tiles. */
function padded(rows: number): number {
  return Math.ceil(rows / TILE) * TILE;
}

/**
 * Rows [start, start + count) of `x` (through `x.index` when set) into 4-row panels stored dimension-major —
 * panel p holds x[4p + r][k] at p·4·dim + 4k + r — so the kernel reads both operands contiguously. Padding rows are 0.
 */
function packRows(x: RowSet, start: number, count: number, out: Float64Array, offset: number): void {
  const { data, dim, index } = x;
  const total = padded(count);
  for (let r = 0; r < total; r++) {
    const base = offset + Math.floor(r / TILE) * TILE * dim + (r % TILE);
    if (r >= count) {
      for (let k = 0; k < dim; k++) out[base + TILE * k] = 0;
      continue;
    }
    const row = index === undefined ? start + r : (index[start + r] as number);
    const src = row * dim;
    for (let k = 0; k < dim; k++) out[base + TILE * k] = data[src + k] as number;
  }
}

/** ‖xᵢ‖² for each row, summed in the kernel's order. */
export function squaredNorms(x: RowSet): Float64Array {
  const { data, dim, index, n } = x;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const src = (index === undefined ? i : (index[i] as number)) * dim;
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = data[src + k] as number;
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/** One block of a product matrix: values[r·stride + c] belongs to rows i0 + r of A and j0 + c of B. */
export interface ProductBlock {
  /** A diagonal block of a symmetric product: only entries with column ≥ row (c ≥ r) are filled. */
  upper: boolean;
  i0: number;
  rows: number;
  j0: number;
  cols: number;
  stride: number;
  values: Float64Array;
}

export interface BlockOptions {
  /** Rows per block on each side: memory is about 2·blockSize·(dim + blockSize) floats. */
  blockSize: number;
  /** Skips a block before computing it, e.g. when every row and column in it is already decided. */
  skip?: (i0: number, rows: number, j0: number, cols: number) => boolean;
  /** Memory from `productWorkspace(blockSize, dim)` to reuse across calls; default: a fresh one. */
  workspace?: DotKernel;
}

/** Floats the kernel's memory needs for blocks of `blockSize` rows in `dim` dimensions: two panels and one block. */
function workspaceFloats(blockSize: number, dim: number): number {
  const stride = padded(blockSize);
  return 2 * stride * dim + stride * stride;
}

/** A kernel with memory for `productBlocks` at this block size and dimension, to reuse over many calls (KID's subsets). */
export function productWorkspace(blockSize: number, dim: number): DotKernel {
  return createDotKernel(workspaceFloats(blockSize, dim));
}

/**
 * Streams the dot products aᵢ·bⱼ block by block, so the full n_a × n_b matrix never exists. With `b`
 * null it is the symmetric A·Aᵀ: only blocks with j0 ≥ i0 are visited, and of a diagonal block only its upper triangle.
 * A visitor may overwrite `values`; the buffer is reused for the next block.
 */
export function productBlocks(a: RowSet, b: RowSet | null, options: BlockOptions, visit: (block: ProductBlock) => void): void {
  const { skip, workspace } = options;
  const other = b ?? a;
  // a block larger than both sets would only allocate padding
  const blockSize = Math.min(options.blockSize, Math.max(a.n, other.n));
  const dim = a.dim;
  const stride = padded(blockSize);
  // one memory: A's panels, B's panels, then the block of products
  const pa = 0;
  const pb = stride * dim;
  const out = 2 * stride * dim;
  const needed = workspaceFloats(blockSize, dim);
  const kernel = workspace !== undefined && workspace.heap.length >= needed ? workspace : createDotKernel(needed);
  const { heap } = kernel;
  const values = heap.subarray(out, out + stride * stride);
  // columns per kernel call: their panels (≤ 512 KB) stay in cache while A's panels stream past
  const chunk = Math.max(TILE, Math.floor(CHUNK_FLOATS / dim / TILE) * TILE);
  for (let i0 = 0; i0 < a.n; i0 += blockSize) {
    const rows = Math.min(blockSize, a.n - i0);
    let packedA = false;
    for (let j0 = b === null ? i0 : 0; j0 < other.n; j0 += blockSize) {
      const cols = Math.min(blockSize, other.n - j0);
      if (skip?.(i0, rows, j0, cols)) continue;
      if (!packedA) {
        packRows(a, i0, rows, heap, pa);
        packedA = true;
      }
      const diagonal = b === null && j0 === i0;
      if (!diagonal) packRows(other, j0, cols, heap, pb);
      const source = diagonal ? pa : pb;
      const paddedCols = padded(cols);
      for (let c0 = 0; c0 < paddedCols; c0 += chunk) {
        const width = Math.min(chunk, paddedCols - c0);
        // in a diagonal block only tiles on or above the diagonal: rows past the chunk's end have none
        const rowsA = diagonal ? Math.min(padded(rows), c0 + width) : padded(rows);
        kernel.dot(pa, rowsA, source + c0 * dim, width, dim, out + c0, stride, diagonal, c0);
      }
      visit({ i0, rows, j0, cols, stride, values, upper: diagonal });
    }
  }
}

/** Floats of B's panels per kernel call (512 KB). */
const CHUNK_FLOATS = 65_536;
