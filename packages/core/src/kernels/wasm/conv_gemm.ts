import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { padV2Wasm } from './PadV2.js';
import { backendMemory, OP_PACK_ROWS, OP_TILES, OP_TILES_STORE, RECORD_INTS, type Sgemm, TILE_COLS, TILE_ROWS } from './sgemm.js';
import { type SubPixelPhase, subPixelPhases } from './subPixel.js';
import { type WasmBackend, withTemporaries } from './wasm_kernel_util.js';

/**
 * The convolution, its filter gradient and the matrix product on the 4×8 tile (sgemm.ts), reading the
 * NHWC tensors in place: a tile's four rows are four output pixels (forward), four rows of the filter
 * gradient ((p,q,c) flattened) or four rows of A. Each kernel writes its calls as records and runs them
 * on the tile's threads in chunks, cut only between records that write different outputs.
 */

/** Depth of a packed block of the filter gradient: a sliver (16·KC bytes) stays in L1 across a row of tiles. */
const KC = 256;
/**
 * Bytes between a tap's packed slivers beyond their 16·KC: without it the slivers lie 4 KiB apart, so
 * packing a row writes its vectors to one L1 set (8 ways) and to addresses that alias the loads 4 KiB back.
 */
const SLIVER_PAD = 64;
/** Columns of B per pass over A's rows: a k×NC block of B (k·1 KiB) stays in L2 while every row block meets it. */
const NC = 256;

const address = (backend: WasmBackend, info: TensorInfo): number => backend.typedArrayFromHeap(info).byteOffset;

/** Scratch in the backend's memory for one kernel: regions laid out in order, addressed after allocation. */
function scratch(backend: WasmBackend, keep: (t: TensorInfo) => TensorInfo, floats: readonly number[]): number[] {
  // each region starts 16-byte aligned, for the tile's vector loads
  const sizes = floats.map((f) => 4 * Math.ceil(f / 4));
  const info = keep(backend.makeOutput([sizes.reduce((a, f) => a + f, 4)], 'float32'));
  let at = 16 * Math.ceil(address(backend, info) / 16);
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
  constructor(memory: { buffer: ArrayBuffer }, address: number, capacity: number) {
    this.ints = new Int32Array(memory.buffer, address, capacity * RECORD_INTS);
  }
  tiles(
    kc: number,
    a0: number,
    a1: number,
    a2: number,
    a3: number,
    sa: number,
    b: number,
    ldb: number,
    c0: number,
    c1: number,
    c2: number,
    c3: number,
    tiles: number,
    groups = 1,
    aStep = 0,
    cStep = 0,
    store = false,
  ): void {
    const v = this.ints;
    const i = RECORD_INTS * this.count++;
    v[i] = store ? OP_TILES_STORE : OP_TILES;
    v[i + 1] = kc;
    v[i + 2] = a0;
    v[i + 3] = a1;
    v[i + 4] = a2;
    v[i + 5] = a3;
    v[i + 6] = sa;
    v[i + 7] = b;
    v[i + 8] = ldb;
    v[i + 9] = c0;
    v[i + 10] = c1;
    v[i + 11] = c2;
    v[i + 12] = c3;
    v[i + 13] = tiles;
    v[i + 14] = groups;
    v[i + 15] = aStep;
    v[i + 16] = cStep;
  }
  /** A tile record whose rows read A at a[r] (contiguous, sa = 4) and write C at c[r] (`store`: instead of adding to it). */
  rowTiles(kc: number, a: Int32Array, b: number, ldb: number, c: Int32Array, tiles: number, store: boolean): void {
    this.tiles(
      kc,
      a[0] as number,
      a[1] as number,
      a[2] as number,
      a[3] as number,
      4,
      b,
      ldb,
      c[0] as number,
      c[1] as number,
      c[2] as number,
      c[3] as number,
      tiles,
      1,
      0,
      0,
      store,
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

/**
 * Whether the forward convolution runs on the tile: whole 8-column tiles of output channels, and records at least a
 * tile wide in depth (a window row, kw·ci floats, where the taps are adjacent) or a 1×1 filter's one record per block.
 * Shallower records with several window rows (a one-channel 4×4 image layer) ran slower on two threads than XNNPACK.
 */
export function conv2DGemmApplies(info: backend_util.Conv2DInfo): boolean {
  const depth = info.dilationWidth === 1 ? info.filterWidth * info.inChannels : info.inChannels;
  return info.outChannels % TILE_COLS === 0 && (depth >= TILE_COLS || info.filterHeight * info.filterWidth === 1);
}

/** Whether the filter gradient runs on the tile: columns in eights of output channels, undilated. */
export function conv2DBackpropFilterGemmApplies(info: backend_util.Conv2DInfo): boolean {
  return info.outChannels % TILE_COLS === 0 && info.dilationHeight === 1 && info.dilationWidth === 1;
}

/**
 * A correlation window over an NHWC source: what a block of four output rows sums over. The source has a
 * zero border wide enough that every window lies inside it (bordered below).
 */
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
}

/**
 * A block's four output rows: each row's source image, the window's top-left corner in the source, and the
 * row's address; rows from `live` on are padding (they read the source's start and write the dummy row).
 * Reused from block to block: these loops run once per four output pixels.
 */
class OutputRows {
  readonly b = new Int32Array(TILE_ROWS);
  readonly y0 = new Int32Array(TILE_ROWS);
  readonly x0 = new Int32Array(TILE_ROWS);
  readonly c = new Int32Array(TILE_ROWS);
  readonly a = new Int32Array(TILE_ROWS);
  live = 0;
}

/**
 * out_r = Σ_{p,q,c} src[b_r, y0_r + p·dh, x0_r + q·dw, c] · filter[p, q, c, :] for four rows: one record per
 * window row when its taps are adjacent (one run of kw·ch floats), else one per tap; the first writes the rows.
 */
function windowRecords(records: Records, win: Window, rows: OutputRows): void {
  const { src, h, w, ch, kh, kw, dh, dw, filter, cols } = win;
  const ldb = 4 * cols;
  const tiles = cols / TILE_COLS;
  const { b, y0, x0, c, a, live } = rows;
  const taps = dw === 1 ? 1 : kw;
  const depth = dw === 1 ? kw * ch : ch;
  for (let p = 0; p < kh; p++)
    for (let q = 0; q < taps; q++) {
      for (let r = 0; r < TILE_ROWS; r++) {
        a[r] = r < live ? src + 4 * (((b[r] as number) * h + (y0[r] as number) + p * dh) * w + (x0[r] as number) + q * dw) * ch : src;
      }
      records.rowTiles(depth, a, filter + 4 * (p * kw + q) * ch * cols, ldb, c, tiles, p === 0 && q === 0);
    }
}

/**
 * The output rows of a correlation as a grid (image b, row i, column j), flattened b-major into blocks of
 * four: the window of (b, i, j) starts at source row yBase + i·ys and column xBase + j·xs, and its output row
 * lies at rowAddress(b, i) + j·cStride bytes.
 */
interface Grid {
  n: number;
  gh: number;
  gw: number;
  yBase: number;
  ys: number;
  xBase: number;
  xs: number;
  rowAddress(b: number, i: number): number;
  cStride: number;
}

/**
 * Every block's records, the first of each writing its four output rows (they need no zeroing); `blockStarts` marks
 * where the rows change (chunks may be cut there). With adjacent taps, consecutive blocks in one grid row share one
 * record per window row (the tile repeated with the rows moved on).
 */
function gridRecords(records: Records, win: Window, grid: Grid, dummyRow: number, blockStarts: Uint8Array): void {
  const { src, h, w, ch, kh, kw, dh, dw, filter, cols } = win;
  const { n, gh, gw, yBase, ys, xBase, xs, cStride } = grid;
  const m = n * gh * gw;
  const rows = new OutputRows();
  for (let m0 = 0; m0 < m; ) {
    blockStarts[records.count] = 1;
    const j0 = m0 % gw;
    const ib = (m0 - j0) / gw;
    const i0 = ib % gh;
    const b0 = (ib - i0) / gh;
    const groups = dw === 1 ? Math.floor((gw - j0) / TILE_ROWS) : 0;
    if (groups > 0) {
      const c0 = grid.rowAddress(b0, i0) + j0 * cStride;
      const aPixel = 4 * xs * ch;
      for (let p = 0; p < kh; p++) {
        const y = yBase + i0 * ys + p * dh;
        const a0 = src + 4 * ((b0 * h + y) * w + xBase + j0 * xs) * ch;
        records.tiles(
          kw * ch,
          a0,
          a0 + aPixel,
          a0 + 2 * aPixel,
          a0 + 3 * aPixel,
          4,
          filter + 4 * p * kw * ch * cols,
          4 * cols,
          c0,
          c0 + cStride,
          c0 + 2 * cStride,
          c0 + 3 * cStride,
          cols / TILE_COLS,
          groups,
          TILE_ROWS * aPixel,
          TILE_ROWS * cStride,
          p === 0,
        );
      }
      m0 += TILE_ROWS * groups;
      continue;
    }
    rows.live = Math.min(TILE_ROWS, m - m0);
    for (let r = 0; r < TILE_ROWS; r++) {
      const row = m0 + r;
      if (r >= rows.live) {
        rows.c[r] = dummyRow;
        continue;
      }
      const j = row % gw;
      const jb = (row - j) / gw;
      const i = jb % gh;
      const b = (jb - i) / gh;
      rows.b[r] = b;
      rows.y0[r] = yBase + i * ys;
      rows.x0[r] = xBase + j * xs;
      rows.c[r] = grid.rowAddress(b, i) + j * cStride;
    }
    windowRecords(records, win, rows);
    m0 += TILE_ROWS;
  }
}

/**
 * The source of a correlation with a zero border (top, bottom, left, right) and `extraChannels` zero channels, padded into a scratch tensor
 * (PadV2.ts), so that every window lies inside it; the tensor itself where no border is needed.
 */
function bordered(
  backend: WasmBackend,
  keep: (t: TensorInfo) => TensorInfo,
  x: TensorInfo,
  border: readonly [number, number, number, number],
  extraChannels = 0,
) {
  const [top, bottom, left, right] = border;
  const paddings: [number, number][] = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, extraChannels],
  ];
  const source = top + bottom + left + right + extraChannels === 0 ? x : keep(padV2Wasm({ inputs: { x }, backend, attrs: { paddings, constantValue: 0 } }));
  const [, h, w] = source.shape as [number, number, number, number];
  return { src: address(backend, source), h, w };
}

/** The border a convolution's source needs for every window to lie inside it: [top, bottom, left, right]. */
function convBorder(info: backend_util.Conv2DInfo): [number, number, number, number] {
  const { top, left } = info.padInfo;
  const bottom = (info.outHeight - 1) * info.strideHeight + (info.filterHeight - 1) * info.dilationHeight + 1 - top - info.inHeight;
  const right = (info.outWidth - 1) * info.strideWidth + (info.filterWidth - 1) * info.dilationWidth + 1 - left - info.inWidth;
  return [top, Math.max(0, bottom), left, Math.max(0, right)];
}

/** y[n,i,j,co] = Σ_{p,q,c} x[n, i·sh + p·dh − top, j·sw + q·dw − left, c] · W[p,q,c,co] (0 outside x). */
export function conv2DGemm(backend: WasmBackend, gemm: Sgemm, x: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: kh, filterWidth: kw } = info;
  const m = n * oh * ow;
  const capacity = Math.ceil(m / TILE_ROWS) * kh * kw;
  const out = backend.makeOutput([n, oh, ow, co], 'float32');
  withTemporaries(backend, (keep) => {
    const [dummyRow, recordsA] = scratch(backend, keep, [co, capacity * RECORD_INTS]) as [number, number];
    // allocated before any view of the heap is taken: growing the memory detaches views
    const source = bordered(backend, keep, x, convBorder(info));
    const memory = reachableMemory(backend);
    const outA = address(backend, out);
    const win: Window = { ...source, ch: ci, kh, kw, dh, dw, filter: address(backend, filter), cols: co };
    const records = new Records(memory, recordsA, capacity);
    const blockStarts = new Uint8Array(capacity + 1);
    const rowAddress = (b: number, i: number) => outA + 4 * (b * oh + i) * ow * co;
    const grid: Grid = { n, gh: oh, gw: ow, yBase: 0, ys: sh, xBase: 0, xs: sw, rowAddress, cStride: 4 * co };
    gridRecords(records, win, grid, dummyRow, blockStarts);
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
  const [qh, qw] = [Math.ceil(h / sh), Math.ceil(w / sw)];
  // output row sh·u + ry of a phase with taps reads dy rows u − padBefore … u − padBefore + taps − 1 (columns alike)
  const rowPhases = subPixelPhases(oh, kh, sh, info.padInfo.top, qh);
  const colPhases = subPixelPhases(ow, kw, sw, info.padInfo.left, qw);
  const phases: { ry: number; rx: number; Y: SubPixelPhase; X: SubPixelPhase; uh: number; uw: number }[] = [];
  for (let ry = 0; ry < sh; ry++)
    for (let rx = 0; rx < sw; rx++) {
      const [Y, X] = [rowPhases[ry] as SubPixelPhase, colPhases[rx] as SubPixelPhase];
      const [uh, uw] = [Math.ceil((h - ry) / sh), Math.ceil((w - rx) / sw)];
      if (Y.taps > 0 && X.taps > 0 && uh > 0 && uw > 0) phases.push({ ry, rx, Y, X, uh, uw });
    }
  const capacity = phases.reduce((sum, f) => sum + Math.ceil((n * f.uh * f.uw) / TILE_ROWS) * f.Y.taps * f.X.taps, 0);
  const subFilterFloats = phases.reduce((sum, f) => sum + f.Y.taps * f.X.taps * co * ci, 0);
  const border: [number, number, number, number] = [0, 0, 0, 0];
  for (const { Y, X } of phases) {
    border[0] = Math.max(border[0], Y.padBefore);
    border[1] = Math.max(border[1], Y.padAfter);
    border[2] = Math.max(border[2], X.padBefore);
    border[3] = Math.max(border[3], X.padAfter);
  }
  const out = backend.makeOutput([n, h, w, ci], 'float32');
  withTemporaries(backend, (keep) => {
    const [dummyRow, recordsA, gA] = scratch(backend, keep, [ci, capacity * RECORD_INTS, subFilterFloats]) as [number, number, number];
    // allocated before any view of the heap is taken: growing the memory detaches views
    const source = bordered(backend, keep, dy, border);
    const memory = reachableMemory(backend);
    // phases without taps leave their pixels zero; the others' records write theirs
    if (phases.length < sh * sw) backend.typedArrayFromHeap(out).fill(0);
    const outA = address(backend, out);
    const ws = backend.typedArrayFromHeap(filter);
    const records = new Records(memory, recordsA, capacity);
    const blockStarts = new Uint8Array(capacity + 1);
    let subFilter = gA;
    for (const { ry, rx, Y, X, uh, uw } of phases) {
      // G[t, u, o, c] = W[k0 + sh·(tapsY − 1 − t), l0 + sw·(tapsX − 1 − u), c, o]: the phase's taps in the order dy's pixels come
      const g = new Float32Array(memory.buffer, subFilter, Y.taps * X.taps * co * ci);
      for (let t = 0; t < Y.taps; t++)
        for (let u = 0; u < X.taps; u++) {
          const srcTap = (Y.firstTap + sh * (Y.taps - 1 - t)) * kw + X.firstTap + sw * (X.taps - 1 - u);
          const dst = (t * X.taps + u) * co * ci;
          for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) g[dst + o * ci + c] = ws[(srcTap * ci + c) * co + o] as number;
        }
      const win: Window = { ...source, ch: co, kh: Y.taps, kw: X.taps, dh: 1, dw: 1, filter: subFilter, cols: ci };
      const rowAddress = (b: number, u: number) => outA + 4 * ((b * h + ry + sh * u) * w + rx) * ci;
      const yBase = border[0] - Y.padBefore;
      const xBase = border[2] - X.padBefore;
      gridRecords(records, win, { n, gh: uh, gw: uw, yBase, ys: 1, xBase, xs: 1, rowAddress, cStride: 4 * sw * ci }, dummyRow, blockStarts);
      subFilter += 4 * Y.taps * X.taps * co * ci;
    }
    gemm.execute(recordsA, records.count, 2 * n * oh * ow * kh * kw * ci * co, (i) => blockStarts[i] === 1);
  });
  return out;
}

/** Blocks of KC output positions per slab of the filter gradient's sum: a slab's share of x and dy (2,048 positions) stays in cache while each segment passes over it. */
const SLAB_BLOCKS = 8;
/** Fewer slabs than this share the work worse than the segments do (DCGAN's wide layer: 2 slabs against 16 taps). */
const MIN_SLABS = 4;

/**
 * dW[p,q,c,co] = Σ_{n,i,j} x[n, i·sh + p − top, j·sw + q − left, c] · dy[n,i,j,co] (0 outside x): the rows
 * of dW ((p,q,c) flattened) in fours against dy's columns in eights, over blocks of KC output positions.
 * The rows come in segments that lie together in a zero-bordered x: a tap's channels when they are whole
 * sets of four, else a whole window row when that is (an image's first layer: 4 taps × 1 or 3 channels);
 * else x is read with its channels zero-padded to a multiple of four and the padded rows of dW dropped.
 * The tile's module packs a segment's rows for a block from a table of the windows' corners (the segment
 * adds a constant offset). Below MIN_SLABS · SLAB_BLOCKS blocks, each segment's records (its own packing buffer, its own
 * rows of dW) run on one thread; from there, the positions are cut into slabs of SLAB_BLOCKS blocks that run in parallel, each
 * summing every segment into its own copy of dW, and the copies are added in slab order: the same sums for any
 * thread count.
 */
export function conv2DBackpropFilterGemm(backend: WasmBackend, gemm: Sgemm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw, inChannels: ci } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const m = n * oh * ow;
  const kc = Math.min(KC, m);
  const blocks = Math.ceil(m / kc);
  const slabs = blocks >= MIN_SLABS * SLAB_BLOCKS ? Math.ceil(blocks / SLAB_BLOCKS) : 1;
  const slabRows = slabs === 1 ? m : SLAB_BLOCKS * kc;
  const rowSegments = ci % TILE_ROWS !== 0 && (kw * ci) % TILE_ROWS === 0;
  const cp = ci % TILE_ROWS === 0 || rowSegments ? ci : TILE_ROWS * Math.ceil(ci / TILE_ROWS);
  const segment = rowSegments ? kw * cp : cp;
  const segments = (kh * kw * cp) / segment;
  const vectors = segment / TILE_ROWS;
  const capacity = segments * blocks * (1 + vectors);
  const sliverBytes = 16 * kc + SLIVER_PAD;
  const packBuffers = slabs === 1 ? segments : slabs;
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  withTemporaries(backend, (keep) => {
    const dWFloats = kh * kw * cp * co;
    const sums = slabs > 1 || cp !== ci ? slabs * dWFloats : 0;
    const regions = [m, capacity * RECORD_INTS, (packBuffers * vectors * sliverBytes) / 4, sums];
    const [indA, recordsA, packA, sumsA] = scratch(backend, keep, regions) as [number, number, number, number];
    // allocated before any view of the heap is taken: growing the memory detaches views
    const source = bordered(backend, keep, x, convBorder(info), cp - ci);
    const memory = reachableMemory(backend);
    const dyA = address(backend, dy);
    const ind = new Int32Array(memory.buffer, indA, m);
    for (let b = 0, row = 0; b < n; b++)
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++, row++) ind[row] = source.src + 4 * ((b * source.h + i * sh) * source.w + j * sw) * cp;
    const records = new Records(memory, recordsA, capacity);
    const unitStarts = new Uint8Array(capacity + 1);
    for (let slab = 0; slab < slabs; slab++) {
      const [mStart, mEnd] = [slab * slabRows, Math.min(m, (slab + 1) * slabRows)];
      const dWA = sums === 0 ? address(backend, out) : sumsA + 4 * slab * dWFloats;
      for (let seg = 0; seg < segments; seg++) {
        if (slabs === 1 || seg === 0) unitStarts[records.count] = 1;
        const [p, q] = rowSegments ? [seg, 0] : [Math.floor(seg / kw), seg % kw];
        const offset = 4 * (p * source.w + q) * cp;
        const pack = packA + (slabs === 1 ? seg : slab) * vectors * sliverBytes;
        for (let m0 = mStart; m0 < mEnd; m0 += kc) {
          const depth = Math.min(kc, m - m0);
          records.packRows(depth, indA + 4 * m0, offset, pack, vectors, sliverBytes);
          for (let v = 0; v < vectors; v++) {
            const sliver = pack + v * sliverBytes;
            const c0 = dWA + 4 * (seg * segment + TILE_ROWS * v) * co;
            const cs = 4 * co;
            // the slab's first block writes its rows of dW, the others add to them
            records.tiles(
              depth,
              sliver,
              sliver + 4,
              sliver + 8,
              sliver + 12,
              16,
              dyA + 4 * m0 * co,
              4 * co,
              c0,
              c0 + cs,
              c0 + 2 * cs,
              c0 + 3 * cs,
              co / TILE_COLS,
              1,
              0,
              0,
              m0 === mStart,
            );
          }
        }
      }
    }
    gemm.execute(recordsA, records.count, 2 * m * kh * kw * cp * co, (i) => unitStarts[i] === 1);
    if (sums === 0) return;
    // the slabs' sums added in order (into the first), then the padded channels' rows dropped
    const total = new Float32Array(memory.buffer, sumsA, dWFloats);
    for (let slab = 1; slab < slabs; slab++) {
      const part = new Float32Array(memory.buffer, sumsA + 4 * slab * dWFloats, dWFloats);
      for (let e = 0; e < dWFloats; e++) total[e] = (total[e] as number) + (part[e] as number);
    }
    const dW = backend.typedArrayFromHeap(out);
    if (cp === ci) dW.set(total);
    else for (let tap = 0; tap < kh * kw; tap++) dW.set(total.subarray(tap * cp * co, (tap * cp + ci) * co), tap * ci * co);
  });
  return out;
}

/**
 * Whether a filter gradient with fewer output channels than a tile's columns (an image's last layer) runs transposed on
 * the tile: undilated, a window row's adjacent taps in whole tiles.
 */
export function conv2DBackpropFilterNarrowApplies(info: backend_util.Conv2DInfo): boolean {
  const { outChannels, filterWidth, inChannels, dilationHeight, dilationWidth } = info;
  return outChannels < TILE_COLS && dilationHeight === 1 && dilationWidth === 1 && (filterWidth * inChannels) % TILE_COLS === 0;
}

/**
 * dWᵀ[o, (p,q,c)] = Σ_{n,i,j} dy[n,i,j,o] · x[n, i·sh + p − top, j·sw + q − left, c], then transposed into dW: dy's few
 * channels are the tile's rows, a window row's kw·ci adjacent floats its columns and one row of dy its depth, along
 * which x's pixels lie sw·ci floats apart. Nothing is packed or padded to eight columns.
 */
export function conv2DBackpropFilterNarrowGemm(backend: WasmBackend, gemm: Sgemm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw, inChannels: ci } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const k = kh * kw * ci;
  const rowTiles = (kw * ci) / TILE_COLS;
  const rowBlocks = Math.ceil(co / TILE_ROWS);
  // a window row's tiles split so that every thread has a part of its own to accumulate into
  const parts = Math.min(rowTiles, Math.ceil((2 * gemm.threads) / (rowBlocks * kh)));
  const perPart = n * oh;
  const capacity = rowBlocks * kh * parts * perPart;
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  withTemporaries(backend, (keep) => {
    const dWTFloats = co * k;
    const [dWTA, dummyRow, recordsA] = scratch(backend, keep, [dWTFloats, k, capacity * RECORD_INTS]) as [number, number, number];
    // allocated before any view of the heap is taken: growing the memory detaches views
    const source = bordered(backend, keep, x, convBorder(info));
    const memory = reachableMemory(backend);
    const dyA = address(backend, dy);
    const records = new Records(memory, recordsA, capacity);
    const a = new Int32Array(TILE_ROWS);
    const c = new Int32Array(TILE_ROWS);
    for (let rb = 0; rb < rowBlocks; rb++)
      for (let p = 0; p < kh; p++)
        for (let part = 0; part < parts; part++) {
          const t0 = Math.floor((part * rowTiles) / parts);
          const column = p * kw * ci + TILE_COLS * t0;
          for (let r = 0; r < TILE_ROWS; r++) {
            // rows past co read channel 0 and write the dummy row
            const o = rb * TILE_ROWS + r;
            c[r] = o < co ? dWTA + 4 * (o * k + column) : dummyRow + 4 * column;
          }
          for (let b = 0; b < n; b++)
            for (let i = 0; i < oh; i++) {
              const dyRow = dyA + 4 * (b * oh + i) * ow * co;
              for (let r = 0; r < TILE_ROWS; r++) {
                const o = rb * TILE_ROWS + r;
                a[r] = dyRow + 4 * (o < co ? o : 0);
              }
              const xRow = source.src + 4 * ((b * source.h + i * sh + p) * source.w * ci + TILE_COLS * t0);
              records.tiles(
                ow,
                a[0] as number,
                a[1] as number,
                a[2] as number,
                a[3] as number,
                4 * co,
                xRow,
                4 * sw * ci,
                c[0] as number,
                c[1] as number,
                c[2] as number,
                c[3] as number,
                Math.floor(((part + 1) * rowTiles) / parts) - t0,
                1,
                0,
                0,
                // a part's first record writes its columns of dWᵀ, the others add to them
                b === 0 && i === 0,
              );
            }
        }
    // a part's records add into the same columns of dWᵀ: cut only between parts
    gemm.execute(recordsA, records.count, 2 * rowBlocks * TILE_ROWS * k * n * oh * ow, (idx) => idx % perPart === 0);
    const dWT = new Float32Array(memory.buffer, dWTA, dWTFloats);
    const dW = backend.typedArrayFromHeap(out);
    for (let row = 0; row < k; row++) for (let o = 0; o < co; o++) dW[row * co + o] = dWT[o * k + row] as number;
  });
  return out;
}

/** Whether a product runs on the tile: float32, whole tiles of columns, one matrix or the same batch on both sides. */
export function matMulGemmApplies(a: TensorInfo, b: TensorInfo): boolean {
  const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const n = b.shape[b.shape.length - 1] as number;
  return a.dtype === 'float32' && b.dtype === 'float32' && n % TILE_COLS === 0 && batchA === batchB;
}

/**
 * C[i] = A[i] · B[i] for each batch entry i, rows of A in fours against columns of B in eights; with
 * `transposeA`, a holds Aᵀ ([k, m] per entry) and the tile reads A's rows down its columns (stride m) instead of
 * transposing it first.
 */
export function matMulGemm(backend: WasmBackend, gemm: Sgemm, a: TensorInfo, b: TensorInfo, transposeA = false): TensorInfo {
  const [rows, cols] = a.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [cols, rows] : [rows, cols];
  const n = b.shape[b.shape.length - 1] as number;
  const batch = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const capacity = batch * Math.ceil(n / NC) * Math.ceil(m / TILE_ROWS);
  const out = backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
  withTemporaries(backend, (keep) => {
    const [dummyRow, recordsA] = scratch(backend, keep, [n, capacity * RECORD_INTS]) as [number, number];
    const memory = reachableMemory(backend);
    const [outA, aA, bA] = [address(backend, out), address(backend, a), address(backend, b)];
    const records = new Records(memory, recordsA, capacity);
    // A[i] row r starts at a float of a[i] and steps by sa; rows past m read row 0 and write the dummy row
    const sa = transposeA ? 4 * m : 4;
    const rowA = (i: number, r: number) => aA + 4 * (i * m * k + (r < m ? (transposeA ? r : r * k) : 0));
    const rowC = (i: number, r: number, j0: number) => (r < m ? outA + 4 * ((i * m + r) * n + j0) : dummyRow);
    for (let i = 0; i < batch; i++)
      for (let j0 = 0; j0 < n; j0 += NC) {
        const bBlock = bA + 4 * (i * k * n + j0);
        const tiles = Math.min(NC, n - j0) / TILE_COLS;
        for (let r = 0; r < m; r += TILE_ROWS) {
          const [a0, a1, a2, a3] = [rowA(i, r), rowA(i, r + 1), rowA(i, r + 2), rowA(i, r + 3)];
          // one record holds a block's whole sum: it writes C, which needs no zeroing
          records.tiles(k, a0, a1, a2, a3, sa, bBlock, 4 * n, rowC(i, r, j0), rowC(i, r + 1, j0), rowC(i, r + 2, j0), rowC(i, r + 3, j0), tiles, 1, 0, 0, true);
        }
      }
    // every record writes its own block of C whole: any cut will do
    gemm.execute(recordsA, records.count, 2 * batch * m * k * n);
  });
  return out;
}
