import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { backendMemory, OP_PACK_ROWS, OP_TILES, RECORD_INTS, type Sgemm, TILE_COLS, TILE_ROWS } from './sgemm.js';
import { type WasmBackend, withTemporaries } from './wasm_kernel_util.js';

/**
 * The convolution, its filter gradient and the matrix product on the 4×8 tile (sgemm.ts), reading the
 * NHWC tensors in place: a tile's four rows are four output pixels (forward), four rows of the filter
 * gradient ((p,q,c) flattened) or four rows of A. Each kernel writes its calls as records and runs them
 * on the tile's threads in chunks, cut only between records that write different outputs.
 */

/** Depth of a packed block of the filter gradient: a sliver (16·KC bytes) stays in L1 across a row of tiles. */
const KC = 256;
/** Columns of B per pass over A's rows: a k×NC block of B (k·1 KiB) stays in L2 while every row block meets it. */
const NC = 256;

const address = (backend: WasmBackend, info: TensorInfo): number => backend.typedArrayFromHeap(info).byteOffset;

/** Scratch in the backend's memory for one kernel: regions laid out in order, addressed after allocation. */
function scratch(backend: WasmBackend, keep: (t: TensorInfo) => TensorInfo, floats: readonly number[]): number[] {
  // each region starts 16-byte aligned, for the tile's vector loads
  const sizes = floats.map((f) => 4 * Math.ceil(f / 4));
  const info = keep(backend.makeOutput([sizes.reduce((a, f) => a + f, 4)], 'float32'));
  let at = (address(backend, info) + 15) & ~15;
  return sizes.map((f) => {
    const start = at;
    at += 4 * f;
    return start;
  });
}

/** Writes tile and pack records into an int32 view of the backend's memory. */
class Records {
  count = 0;
  private readonly ints: Int32Array;
  constructor(
    memory: { buffer: ArrayBuffer },
    readonly address: number,
    capacity: number,
  ) {
    this.ints = new Int32Array(memory.buffer, address, capacity * RECORD_INTS);
  }
  tiles(kc: number, a: readonly number[], sa: number, b: number, ldb: number, c: readonly number[], tiles: number): void {
    this.ints.set(
      [
        OP_TILES,
        kc,
        a[0] as number,
        a[1] as number,
        a[2] as number,
        a[3] as number,
        sa,
        b,
        ldb,
        c[0] as number,
        c[1] as number,
        c[2] as number,
        c[3] as number,
        tiles,
      ],
      RECORD_INTS * this.count++,
    );
  }
  packRows(count: number, ind: number, off: number, dst: number, vectors: number, stride: number): void {
    this.ints.set([OP_PACK_ROWS, count, ind, off, dst, vectors, stride], RECORD_INTS * this.count++);
  }
}

function reachableMemory(backend: WasmBackend): { buffer: ArrayBuffer } {
  const memory = backendMemory(backend);
  if (memory === null) throw new Error('the wasm backend has no reachable memory');
  return memory;
}

/** Whether the forward convolution runs on the tile: whole 8-column tiles of output channels, and enough depth per call. */
export function conv2DGemmApplies(info: backend_util.Conv2DInfo): boolean {
  return info.outChannels % TILE_COLS === 0 && info.inChannels >= TILE_COLS;
}

/** Whether the filter gradient runs on the tile: columns in eights of output channels, undilated. */
export function conv2DBackpropFilterGemmApplies(info: backend_util.Conv2DInfo): boolean {
  return info.outChannels % TILE_COLS === 0 && info.dilationHeight === 1 && info.dilationWidth === 1;
}

/** A correlation window over an NHWC source: what a block of four output rows sums over. */
interface Window {
  /** the source's address, height, width and channels (the depth per tap) */
  src: number;
  h: number;
  w: number;
  ch: number;
  kh: number;
  kw: number;
  dh: number;
  dw: number;
  /** the filter's address, laid out [kh, kw, ch, cols] */
  filter: number;
  cols: number;
  /** the address of kw·ch zeros, read for taps outside the source */
  zeros: number;
}

/** One output row: its source image, the window's top-left corner in the source (may lie outside), and where the row goes. */
interface OutputRow {
  b: number;
  y0: number;
  x0: number;
  /** the output row's address, or the dummy row's for a block's missing rows */
  c: number;
  live: boolean;
}

/**
 * out_r += Σ_{p,q,c} src[b_r, y0_r + p·dh, x0_r + q·dw, c] · filter[p, q, c, :] for four rows: one record per
 * window row when the taps of that row are one run of memory inside the source for every live row, else one per tap.
 */
function windowRecords(records: Records, win: Window, rows: readonly OutputRow[]): void {
  const { src, h, w, ch, kh, kw, dh, dw, filter, cols, zeros } = win;
  const ldb = 4 * cols;
  const tiles = cols / TILE_COLS;
  const c = rows.map((r) => r.c);
  const pixel = (r: OutputRow, y: number, x: number) => (r.live && y >= 0 && y < h && x >= 0 && x < w ? src + 4 * ((r.b * h + y) * w + x) * ch : zeros);
  for (let p = 0; p < kh; p++) {
    const whole = dw === 1 && rows.every((r) => !r.live || r.y0 + p * dh < 0 || r.y0 + p * dh >= h || (r.x0 >= 0 && r.x0 + kw <= w));
    if (whole) {
      const a = rows.map((r) => {
        const y = r.y0 + p * dh;
        return r.live && y >= 0 && y < h ? src + 4 * ((r.b * h + y) * w + r.x0) * ch : zeros;
      });
      records.tiles(kw * ch, a, 4, filter + 4 * p * kw * ch * cols, ldb, c, tiles);
      continue;
    }
    for (let q = 0; q < kw; q++) {
      const a = rows.map((r) => pixel(r, r.y0 + p * dh, r.x0 + q * dw));
      records.tiles(ch, a, 4, filter + 4 * (p * kw + q) * ch * cols, ldb, c, tiles);
    }
  }
}

/** y[n,i,j,co] = Σ_{p,q,c} x[n, i·sh + p·dh − top, j·sw + q·dw − left, c] · W[p,q,c,co] (0 outside x). */
export function conv2DGemm(backend: WasmBackend, gemm: Sgemm, x: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: kh, filterWidth: kw } = info;
  const m = n * oh * ow;
  const capacity = Math.ceil(m / TILE_ROWS) * kh * kw;
  const out = backend.makeOutput([n, oh, ow, co], 'float32');
  withTemporaries(backend, (keep) => {
    const [zA, dummyRow, recordsA] = scratch(backend, keep, [kw * ci, co, capacity * RECORD_INTS]) as [number, number, number];
    const memory = reachableMemory(backend);
    new Float32Array(memory.buffer, zA, kw * ci).fill(0);
    backend.typedArrayFromHeap(out).fill(0);
    const outA = address(backend, out);
    const win: Window = { src: address(backend, x), h, w, ch: ci, kh, kw, dh, dw, filter: address(backend, filter), cols: co, zeros: zA };
    const records = new Records(memory, recordsA, capacity);
    const blockStarts = new Uint8Array(capacity + 1);
    for (let m0 = 0; m0 < m; m0 += TILE_ROWS) {
      blockStarts[records.count] = 1;
      const rows = [0, 1, 2, 3].map((r): OutputRow => {
        const row = m0 + r;
        if (row >= m) return { b: 0, y0: 0, x0: 0, c: dummyRow, live: false };
        const j = row % ow;
        const i = Math.floor(row / ow) % oh;
        return { b: Math.floor(row / (oh * ow)), y0: i * sh - info.padInfo.top, x0: j * sw - info.padInfo.left, c: outA + 4 * row * co, live: true };
      });
      windowRecords(records, win, rows);
    }
    // a block's records add into the same four output rows: cut only where a block starts
    gemm.execute(recordsA, records.count, 2 * m * kh * kw * ci * co, (i) => blockStarts[i] === 1);
  });
  return out;
}

/** Whether the transposed convolution runs on the tile: whole tiles of dx channels. */
export function conv2DBackpropInputGemmApplies(info: backend_util.Conv2DInfo): boolean {
  return info.inChannels % TILE_COLS === 0 && info.dilationHeight === 1 && info.dilationWidth === 1;
}

/**
 * dx[n,y,x,c] = Σ_{p,q,o} dy[n, (y + top − p)/sh, (x + left − q)/sw, o] · W[p,q,c,o] over the integral
 * quotients (the transposed convolution). Per output phase (y mod sh, x mod sw) only the taps of one residue
 * contribute (the sub-pixel decomposition, Shi et al. 2016): a stride-1 correlation of dy with those taps,
 * reversed and transposed, written straight into the phase's pixels of dx.
 */
export function conv2DBackpropInputGemm(backend: WasmBackend, gemm: Sgemm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const tapsY = (ry: number) => {
    const p0 = (ry + top) % sh;
    return { p0, taps: p0 < kh ? Math.ceil((kh - p0) / sh) : 0, i0: (ry + top - p0) / sh };
  };
  const tapsX = (rx: number) => {
    const q0 = (rx + left) % sw;
    return { q0, taps: q0 < kw ? Math.ceil((kw - q0) / sw) : 0, j0: (rx + left - q0) / sw };
  };
  let capacity = 0;
  let subFilterFloats = 0;
  for (let ry = 0; ry < Math.min(sh, h); ry++)
    for (let rx = 0; rx < Math.min(sw, w); rx++) {
      const [ty, tx] = [tapsY(ry).taps, tapsX(rx).taps];
      capacity += Math.ceil((n * Math.ceil((h - ry) / sh) * Math.ceil((w - rx) / sw)) / TILE_ROWS) * ty * tx;
      subFilterFloats += ty * tx * co * ci;
    }
  const out = backend.makeOutput([n, h, w, ci], 'float32');
  withTemporaries(backend, (keep) => {
    const [zA, dummyRow, recordsA, gA] = scratch(backend, keep, [kw * co, ci, capacity * RECORD_INTS, subFilterFloats]) as [number, number, number, number];
    const memory = reachableMemory(backend);
    new Float32Array(memory.buffer, zA, kw * co).fill(0);
    backend.typedArrayFromHeap(out).fill(0);
    const outA = address(backend, out);
    const ws = backend.typedArrayFromHeap(filter);
    const records = new Records(memory, recordsA, capacity);
    const blockStarts = new Uint8Array(capacity + 1);
    let subFilter = gA;
    for (let ry = 0; ry < Math.min(sh, h); ry++)
      for (let rx = 0; rx < Math.min(sw, w); rx++) {
        const Y = tapsY(ry);
        const X = tapsX(rx);
        if (Y.taps === 0 || X.taps === 0) continue;
        // G[t, u, o, c] = W[p0 + sh·(tapsY − 1 − t), q0 + sw·(tapsX − 1 − u), c, o]: the phase's taps in the order dy's pixels come
        const g = new Float32Array(memory.buffer, subFilter, Y.taps * X.taps * co * ci);
        for (let t = 0; t < Y.taps; t++)
          for (let u = 0; u < X.taps; u++) {
            const srcTap = (Y.p0 + sh * (Y.taps - 1 - t)) * kw + X.q0 + sw * (X.taps - 1 - u);
            const dst = (t * X.taps + u) * co * ci;
            for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) g[dst + o * ci + c] = ws[(srcTap * ci + c) * co + o] as number;
          }
        const win: Window = { src: address(backend, dy), h: oh, w: ow, ch: co, kh: Y.taps, kw: X.taps, dh: 1, dw: 1, filter: subFilter, cols: ci, zeros: zA };
        const [uh, uw] = [Math.ceil((h - ry) / sh), Math.ceil((w - rx) / sw)];
        const m = n * uh * uw;
        for (let m0 = 0; m0 < m; m0 += TILE_ROWS) {
          blockStarts[records.count] = 1;
          const rows = [0, 1, 2, 3].map((r): OutputRow => {
            const row = m0 + r;
            if (row >= m) return { b: 0, y0: 0, x0: 0, c: dummyRow, live: false };
            const v = row % uw;
            const u = Math.floor(row / uw) % uh;
            const b = Math.floor(row / (uh * uw));
            const c = outA + 4 * ((b * h + ry + sh * u) * w + rx + sw * v) * ci;
            return { b, y0: Y.i0 + u - (Y.taps - 1), x0: X.j0 + v - (X.taps - 1), c, live: true };
          });
          windowRecords(records, win, rows);
        }
        subFilter += 4 * Y.taps * X.taps * co * ci;
      }
    gemm.execute(recordsA, records.count, 2 * n * oh * ow * kh * kw * ci * co, (i) => blockStarts[i] === 1);
  });
  return out;
}

/**
 * dW[p,q,c,co] = Σ_{n,i,j} x[n, i·sh + p − top, j·sw + q − left, c] · dy[n,i,j,co] (0 outside x): the rows
 * of dW ((p,q,c) flattened) in fours against dy's columns in eights, over blocks of KC output positions.
 */
export function conv2DBackpropFilterGemm(backend: WasmBackend, gemm: Sgemm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw, inChannels: ci } = info;
  const m = n * oh * ow;
  const kc = Math.min(KC, m);
  const blocks = Math.ceil(m / kc);
  const taps = kh * kw;
  const slivers = Math.ceil((taps * ci) / TILE_ROWS);
  const ldb = 4 * co;
  const tiles = co / TILE_COLS;
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  withTemporaries(backend, (keep) => {
    backend.typedArrayFromHeap(out).fill(0);
    const [outA, dyA, xA] = [address(backend, out), address(backend, dy), address(backend, x)];
    const row = (dummy: number, k: number) => (k < taps * ci ? outA + 4 * k * co : dummy);
    const sliverTiles = (records: Records, sliver: number, depth: number, m0: number, firstRow: number, dummy: number) => {
      const rows = [0, 1, 2, 3].map((r) => row(dummy, firstRow + r));
      records.tiles(depth, [sliver, sliver + 4, sliver + 8, sliver + 12], 16, dyA + 4 * m0 * co, ldb, rows, tiles);
    };
    if (ci % TILE_ROWS === 0) {
      // whole sets of four channels: a tap's rows are runs of x, packed by the tile's module from a table of
      // row addresses; a tap's records (its own packing buffer, its own rows of dW) run on one thread
      const perTap = blocks * (1 + ci / TILE_ROWS);
      const capacity = taps * perTap;
      const [zA, indA, recordsA, packA] = scratch(backend, keep, [ci, taps * m, capacity * RECORD_INTS, taps * ci * kc]) as [number, number, number, number];
      const memory = reachableMemory(backend);
      new Float32Array(memory.buffer, zA, ci).fill(0);
      const ind = new Int32Array(memory.buffer, indA, taps * m);
      const records = new Records(memory, recordsA, capacity);
      for (let tap = 0; tap < taps; tap++) {
        const pack = packA + 4 * tap * ci * kc;
        fillRowAddresses(ind.subarray(tap * m, (tap + 1) * m), xA, zA, info, Math.floor(tap / kw), tap % kw);
        for (let m0 = 0; m0 < m; m0 += kc) {
          const depth = Math.min(kc, m - m0);
          records.packRows(depth, indA + 4 * (tap * m + m0), 0, pack, ci / TILE_ROWS, 16 * depth);
          for (let s = 0; s < ci / TILE_ROWS; s++) sliverTiles(records, pack + 16 * depth * s, depth, m0, tap * ci + TILE_ROWS * s, zA);
        }
      }
      gemm.execute(recordsA, records.count, 2 * m * taps * ci * co, (i) => i % perTap === 0);
    } else {
      // an image's first layer (1 or 3 channels): the patch rows are packed here, four (p,q,c) per sliver;
      // a sliver's records add into its four rows of dW, so chunks hold whole slivers
      const capacity = slivers * blocks;
      const [dummyRow, recordsA, packA] = scratch(backend, keep, [co, capacity * RECORD_INTS, TILE_ROWS * slivers * m]) as [number, number, number];
      const memory = reachableMemory(backend);
      packPatches(backend.typedArrayFromHeap(x), new Float32Array(memory.buffer, packA, TILE_ROWS * slivers * m), info);
      const records = new Records(memory, recordsA, capacity);
      for (let s = 0; s < slivers; s++)
        for (let m0 = 0; m0 < m; m0 += kc) sliverTiles(records, packA + 16 * (s * m + m0), Math.min(kc, m - m0), m0, TILE_ROWS * s, dummyRow);
      gemm.execute(recordsA, records.count, 2 * m * taps * ci * co, (i) => i % blocks === 0);
    }
  });
  return out;
}

/** ind[(n,i,j)] = address of x[n, i·sh + p − top, j·sw + q − left, 0], or of `zeros` in the padding. */
function fillRowAddresses(ind: Int32Array, xA: number, zeros: number, info: backend_util.Conv2DInfo, p: number, q: number): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  let row = 0;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++) {
      const y = i * sh + p - top;
      for (let j = 0; j < ow; j++, row++) {
        const xx = j * sw + q - left;
        ind[row] = y >= 0 && y < h && xx >= 0 && xx < w ? xA + 4 * ((b * h + y) * w + xx) * ci : zeros;
      }
    }
}

/**
 * Sliver s of the patch matrix, for every output position m: pack[(s·M + m)·4 + r] = x at m and patch
 * element 4s + r ((p,q,c) flattened; 0 past the patch or in the padding). A block of KC positions of a
 * sliver is then contiguous, as the tile reads it (stride 16 bytes).
 */
function packPatches(xs: Float32Array, pack: Float32Array, info: backend_util.Conv2DInfo): void {
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: ci,
    outHeight: oh,
    outWidth: ow,
    strideHeight: sh,
    strideWidth: sw,
    filterHeight: kh,
    filterWidth: kw,
  } = info;
  const { top, left } = info.padInfo;
  const m = n * oh * ow;
  pack.fill(0);
  let pos = 0;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++, pos++)
        for (let p = 0; p < kh; p++) {
          const y = i * sh + p - top;
          if (y < 0 || y >= h) continue;
          for (let q = 0; q < kw; q++) {
            const xx = j * sw + q - left;
            if (xx < 0 || xx >= w) continue;
            const src = ((b * h + y) * w + xx) * ci;
            for (let c = 0, k = (p * kw + q) * ci; c < ci; c++, k++) pack[((k >> 2) * m + pos) * 4 + (k & 3)] = xs[src + c] as number;
          }
        }
}

/** Whether a product runs on the tile: float32, whole tiles of columns, one matrix or the same batch on both sides. */
export function matMulGemmApplies(a: TensorInfo, b: TensorInfo): boolean {
  const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const n = b.shape[b.shape.length - 1] as number;
  return a.dtype === 'float32' && b.dtype === 'float32' && n % TILE_COLS === 0 && batchA === batchB;
}

/** C[i] = A[i] · B[i] for each batch entry i, untransposed: rows of A in fours against columns of B in eights. */
export function matMulGemm(backend: WasmBackend, gemm: Sgemm, a: TensorInfo, b: TensorInfo): TensorInfo {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1] as number;
  const batch = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const capacity = batch * Math.ceil(n / NC) * Math.ceil(m / TILE_ROWS);
  const out = backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
  withTemporaries(backend, (keep) => {
    const [zA, dummyRow, recordsA] = scratch(backend, keep, [k, n, capacity * RECORD_INTS]) as [number, number, number];
    const memory = reachableMemory(backend);
    new Float32Array(memory.buffer, zA, k).fill(0);
    backend.typedArrayFromHeap(out).fill(0);
    const [outA, aA, bA] = [address(backend, out), address(backend, a), address(backend, b)];
    const records = new Records(memory, recordsA, capacity);
    const rowA = (i: number, r: number) => (r < m ? aA + 4 * (i * m + r) * k : zA);
    const rowC = (i: number, r: number, j0: number) => (r < m ? outA + 4 * ((i * m + r) * n + j0) : dummyRow);
    for (let i = 0; i < batch; i++)
      for (let j0 = 0; j0 < n; j0 += NC) {
        const bBlock = bA + 4 * (i * k * n + j0);
        for (let r = 0; r < m; r += TILE_ROWS) {
          const rows = [r, r + 1, r + 2, r + 3];
          records.tiles(
            k,
            rows.map((q) => rowA(i, q)),
            4,
            bBlock,
            4 * n,
            rows.map((q) => rowC(i, q, j0)),
            Math.min(NC, n - j0) / TILE_COLS,
          );
        }
      }
    // every record writes its own block of C whole: any cut will do
    gemm.execute(recordsA, records.count, 2 * batch * m * k * n);
  });
  return out;
}
