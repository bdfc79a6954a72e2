import {
  assembleModule,
  BLOCK,
  brIf,
  bump,
  bumpBy,
  countDown,
  END,
  extractLane,
  F64,
  F64_ADD,
  F64X2_ADD,
  F64X2_MUL,
  F64X2_SPLAT,
  F64X2_SUB,
  get,
  I32,
  I32_EQZ,
  LOOP,
  lazySimdModule,
  load64Splat,
  MAX_PAGES,
  PAGE_BYTES,
  set,
  V128,
  V128_ZERO,
  v128Load,
  v128Store,
  type WasmMemory,
  wasm,
} from '@ganbench/core/wasm';

/**
 * The two hot loops of FID's dense linear algebra — a 4×4 matrix-product tile and one row of the fused
 * Householder tridiagonalization — as a tiny WebAssembly SIMD (f64x2) module assembled here from its
 * opcodes (no toolchain, no binary in the repo), with a plain-JS twin that computes bit-identical
 * results where WebAssembly SIMD is missing. Both work on float64 data inside one WebAssembly.Memory.
 */

/** The kernels' contract; every pointer is a byte offset into the workspace memory. */
export interface Kernels {
  /** Whether the WebAssembly SIMD module runs these (false: the plain-JS twin). */
  readonly simd: boolean;
  /**
   * For t < tiles: C[0:4, 4t:4t+4] += Σ_p a[p][0:4] ⊗ b_t[p][0:4], where a is kc×4 (row p at a + 32p),
   * tile t of b is kc×4 at b + 32·kc·t, and C rows are ldc bytes apart. kc ≥ 1 and tiles ≥ 1.
   */
  gemmTiles(kc: number, a: number, b: number, tiles: number, c: number, ldc: number): void;
  /**
   * For j < 2·pairs: x_j = a_j − vi·w_j − wi·v_j is stored back to a_j, p_j += x_j·ui, and Σ x_j·u_j is
   * returned (even and odd j summed separately, then added).
   */
  trirow(pairs: number, a: number, v: number, w: number, u: number, p: number, vi: number, wi: number, ui: number): number;
}

/** A float64 workspace: the memory, a view that stays valid (the memory never grows), and its kernels. */
export interface Workspace {
  readonly f64: Float64Array;
  readonly kernels: Kernels;
  /** Element offset of `doubles` fresh zeroed doubles, 64-byte aligned; throws when the workspace is full. */
  alloc(doubles: number): number;
}

/** gemmTiles(kc, a, b, tiles, c, ldc): see Kernels.gemmTiles. */
function gemmTilesBody(): number[] {
  const [kc, a, b, tiles, c, ldc] = [0, 1, 2, 3, 4, 5];
  const [p, ap, cp] = [6, 7, 8];
  const acc = (k: number) => 9 + k;
  const [av, b0, b1] = [17, 18, 19];
  const code: number[] = [];
  code.push(...LOOP); // over tiles
  for (let k = 0; k < 8; k++) code.push(...V128_ZERO, ...set(acc(k)));
  code.push(...get(a), ...set(ap), ...get(kc), ...set(p));
  code.push(...LOOP); // over p
  code.push(...get(b), ...v128Load(0), ...set(b0), ...get(b), ...v128Load(16), ...set(b1));
  for (let r = 0; r < 4; r++) {
    code.push(...get(ap), ...load64Splat(8 * r), ...set(av));
    code.push(...get(acc(2 * r)), ...get(av), ...get(b0), ...F64X2_MUL, ...F64X2_ADD, ...set(acc(2 * r)));
    code.push(...get(acc(2 * r + 1)), ...get(av), ...get(b1), ...F64X2_MUL, ...F64X2_ADD, ...set(acc(2 * r + 1)));
  }
  code.push(...bump(ap, 32), ...bump(b, 32));
  code.push(...countDown(p));
  code.push(...get(c), ...set(cp));
  for (let r = 0; r < 4; r++) {
    for (const half of [0, 1]) {
      code.push(...get(cp), ...get(cp), ...v128Load(16 * half), ...get(acc(2 * r + half)), ...F64X2_ADD, ...v128Store(16 * half));
    }
    code.push(...bumpBy(cp, ldc));
  }
  code.push(...bump(c, 32));
  code.push(...countDown(tiles));
  code.push(...END);
  return code;
}

/** trirow(pairs, a, v, w, u, p, vi, wi, ui) → f64: see Kernels.trirow. */
function trirowBody(): number[] {
  const [pairs, a, v, w, u, p, vi, wi, ui] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [VI, WI, UI, acc, x] = [9, 10, 11, 12, 13];
  const code: number[] = [];
  code.push(...get(vi), ...F64X2_SPLAT, ...set(VI), ...get(wi), ...F64X2_SPLAT, ...set(WI), ...get(ui), ...F64X2_SPLAT, ...set(UI));
  code.push(...V128_ZERO, ...set(acc));
  code.push(...BLOCK, ...get(pairs), ...I32_EQZ, ...brIf(0), ...LOOP);
  code.push(...get(a), ...v128Load(0), ...get(VI), ...get(w), ...v128Load(0), ...F64X2_MUL, ...F64X2_SUB);
  code.push(...get(WI), ...get(v), ...v128Load(0), ...F64X2_MUL, ...F64X2_SUB, ...set(x));
  code.push(...get(a), ...get(x), ...v128Store(0));
  code.push(...get(acc), ...get(x), ...get(u), ...v128Load(0), ...F64X2_MUL, ...F64X2_ADD, ...set(acc));
  code.push(...get(p), ...get(p), ...v128Load(0), ...get(x), ...get(UI), ...F64X2_MUL, ...F64X2_ADD, ...v128Store(0));
  for (const ptr of [a, v, w, u, p]) code.push(...bump(ptr, 16));
  code.push(...countDown(pairs), ...END);
  code.push(...get(acc), ...extractLane(0), ...get(acc), ...extractLane(1), ...F64_ADD, ...END);
  return code;
}

/** The compiled module (imports env.memory, exports gemmTiles and trirow), or null without WebAssembly SIMD. */
const simdModule = lazySimdModule(() =>
  assembleModule(
    [
      {
        name: 'gemmTiles',
        params: [I32, I32, I32, I32, I32, I32],
        results: [],
        locals: [
          [3, I32],
          [11, V128],
        ],
        code: gemmTilesBody(),
      },
      { name: 'trirow', params: [I32, I32, I32, I32, I32, I32, F64, F64, F64], results: [F64], locals: [[5, V128]], code: trirowBody() },
    ],
    'import',
  ),
);

/** The plain-JS twin of the WebAssembly kernels: same arithmetic in the same order, so the same bits. */
function jsKernels(f: Float64Array): Kernels {
  return {
    simd: false,
    gemmTiles(kc, a, b, tiles, c, ldc) {
      const ld = ldc >>> 3;
      let bi = b >>> 3;
      for (let t = 0; t < tiles; t++) {
        let [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let ai = a >>> 3;
        for (let p = 0; p < kc; p++, ai += 4, bi += 4) {
          const [a0, a1, a2, a3] = [f[ai] as number, f[ai + 1] as number, f[ai + 2] as number, f[ai + 3] as number];
          const [b0, b1, b2, b3] = [f[bi] as number, f[bi + 1] as number, f[bi + 2] as number, f[bi + 3] as number];
          c00 += a0 * b0;
          c01 += a0 * b1;
          c02 += a0 * b2;
          c03 += a0 * b3;
          c10 += a1 * b0;
          c11 += a1 * b1;
          c12 += a1 * b2;
          c13 += a1 * b3;
          c20 += a2 * b0;
          c21 += a2 * b1;
          c22 += a2 * b2;
          c23 += a2 * b3;
          c30 += a3 * b0;
          c31 += a3 * b1;
          c32 += a3 * b2;
          c33 += a3 * b3;
        }
        const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        const c0 = (c >>> 3) + 4 * t;
        for (let r = 0; r < 4; r++) for (let q = 0; q < 4; q++) f[c0 + r * ld + q] = (f[c0 + r * ld + q] as number) + (tile[4 * r + q] as number);
      }
    },
    trirow(pairs, a, v, w, u, p, vi, wi, ui) {
      const [ao, vo, wo, uo, po] = [a >>> 3, v >>> 3, w >>> 3, u >>> 3, p >>> 3];
      let even = 0;
      let odd = 0;
      for (let j = 0; j < 2 * pairs; j++) {
        const x = (f[ao + j] as number) - vi * (f[wo + j] as number) - wi * (f[vo + j] as number);
        f[ao + j] = x;
        if (j % 2 === 0) even += x * (f[uo + j] as number);
        else odd += x * (f[uo + j] as number);
        f[po + j] = (f[po + j] as number) + x * ui;
      }
      return even + odd;
    },
  };
}

/** Whether this runtime runs the WebAssembly SIMD kernels (else the plain-JS twin is used). */
export function simdAvailable(): boolean {
  return simdModule() !== null;
}

/**
 * A workspace of `doubles` float64 slots. `simd: false` forces the plain-JS twin (tests compare the two).
 * The memory is sized once and never grows, so `f64` stays valid; it is freed with the workspace.
 */
export function createWorkspace(doubles: number, options: { simd?: boolean } = {}): Workspace {
  const bytes = Math.ceil(doubles) * 8 + 64;
  const pages = Math.ceil(bytes / PAGE_BYTES);
  if (pages > MAX_PAGES) throw new Error(`the computation needs ${(bytes / 2 ** 30).toFixed(1)} GiB of workspace; WebAssembly memory allows 4 GiB`);
  const module = options.simd === false ? null : simdModule();
  // plain memory where WebAssembly is missing altogether; the JS twin only needs the Float64Array
  const memory: Pick<WasmMemory, 'buffer'> =
    wasm === undefined ? { buffer: new ArrayBuffer(pages * PAGE_BYTES) } : new wasm.Memory({ initial: pages, maximum: pages });
  const f64 = new Float64Array(memory.buffer);
  let kernels: Kernels;
  if (module === null || wasm === undefined) kernels = jsKernels(f64);
  else {
    const exports = new wasm.Instance(module, { env: { memory } }).exports as unknown as Omit<Kernels, 'simd'>;
    kernels = { simd: true, gemmTiles: exports.gemmTiles, trirow: exports.trirow };
  }
  let next = 0;
  return {
    f64,
    kernels,
    alloc(n: number): number {
      const start = next;
      next = Math.ceil((start + n) / 8) * 8;
      if (next > f64.length) throw new Error(`workspace of ${f64.length} doubles is full (asked for ${n} more at ${start})`);
      return start;
    },
  };
}
