import {
  assembleModule,
  BLOCK,
  br,
  brIf,
  ELSE,
  END,
  F64X2_ADD,
  F64X2_MUL,
  get,
  I32,
  I32_ADD,
  I32_GE_U,
  I32_GT_S,
  I32_LT_U,
  I32_MUL,
  I32_SUB,
  IF_I32,
  i32,
  LOOP,
  lazySimdModule,
  load64Splat,
  MAX_PAGES,
  PAGE_BYTES,
  SELECT,
  set,
  tee,
  V128,
  V128_ZERO,
  v128Load,
  v128Store,
  type WasmMemory,
  wasm,
} from '@ganbench/core/wasm';

/**
 * The inner product kernel behind precision/recall and KID: out[i·stride + j] = aᵢ·bⱼ for 4-row panels stored
 * dimension-major (panel p holds row 4p + r, coordinate k at p·4·dim + 4k + r). Every dot product is summed
 * in one accumulator in coordinate order, multiply then add (no fused multiply-add), so the WebAssembly SIMD
 * kernel (f64x2, built here byte by byte: no toolchain, no fetch) and the plain-JS fallback give the same bits.
 */
export interface DotKernel {
  /** float64 view of the kernel's memory; panels and the output live in it at the offsets the caller picks. */
  heap: Float64Array;
  /**
   * Tiles of 4 × 4 products: `rowsA` rows from panel offset `pa`, `cols` rows from `pb` (both multiples of 4),
   * written from `out` with row stride `stride` (offsets in float64 elements). With `upper`, tile (i, j) is
   * skipped unless j + c0 ≥ i: the upper triangle of a symmetric block whose column chunk starts at c0.
   */
  dot(pa: number, rowsA: number, pb: number, cols: number, dim: number, out: number, stride: number, upper: boolean, c0: number): void;
  simd: boolean;
}

/** A kernel whose memory holds at least `floats` float64 values: WebAssembly SIMD where the runtime has it (and `simd` is not false), else JS. */
export function createDotKernel(floats: number, options: { simd?: boolean } = {}): DotKernel {
  const bytes = floats * 8;
  const module = options.simd === false ? null : simdModule();
  if (module !== null && wasm !== undefined && bytes <= MAX_WASM_BYTES) {
    const instance = new wasm.Instance(module, {});
    const memory = instance.exports.memory as WasmMemory;
    const dot = instance.exports.dot as (...args: number[]) => void;
    const pages = Math.ceil(bytes / PAGE_BYTES);
    let grown = true;
    try {
      if (pages > memory.buffer.byteLength / PAGE_BYTES) memory.grow(pages - memory.buffer.byteLength / PAGE_BYTES);
    } catch {
      grown = false; // the runtime refused the memory: the JS kernel allocates its own
    }
    if (grown) {
      const heap = new Float64Array(memory.buffer);
      return {
        heap,
        simd: true,
        dot: (pa, rowsA, pb, cols, dim, out, stride, upper, c0) => dot(pa * 8, rowsA, pb * 8, cols, dim, out * 8, stride, upper ? 1 : 0, c0),
      };
    }
  }
  const heap = new Float64Array(floats);
  return { heap, simd: false, dot: (...args) => jsDot(heap, ...args) };
}

/** wasm32 memories stop at 4 GiB; larger blocks use the JS kernel. */
const MAX_WASM_BYTES = (MAX_PAGES - 1) * PAGE_BYTES;

function jsDot(
  h: Float64Array,
  pa: number,
  rowsA: number,
  pb: number,
  cols: number,
  dim: number,
  out: number,
  stride: number,
  upper: boolean,
  c0: number,
): void {
  const panel = 4 * dim;
  for (let i = 0; i < rowsA; i += 4) {
    const aStart = pa + i * dim;
    const aEnd = aStart + panel;
    for (let j = upper ? Math.max(0, i - c0) : 0; j < cols; j += 4) {
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0; // prettier-ignore
      let s20 = 0,
        s21 = 0,
        s22 = 0,
        s23 = 0,
        s30 = 0,
        s31 = 0,
        s32 = 0,
        s33 = 0; // prettier-ignore
      for (let p = aStart, q = pb + j * dim; p < aEnd; p += 4, q += 4) {
        const y0 = h[q] as number;
        const y1 = h[q + 1] as number;
        const y2 = h[q + 2] as number;
        const y3 = h[q + 3] as number;
        let x = h[p] as number;
        s00 += x * y0;
        s01 += x * y1;
        s02 += x * y2;
        s03 += x * y3;
        x = h[p + 1] as number;
        s10 += x * y0;
        s11 += x * y1;
        s12 += x * y2;
        s13 += x * y3;
        x = h[p + 2] as number;
        s20 += x * y0;
        s21 += x * y1;
        s22 += x * y2;
        s23 += x * y3;
        x = h[p + 3] as number;
        s30 += x * y0;
        s31 += x * y1;
        s32 += x * y2;
        s33 += x * y3;
      }
      let o = out + i * stride + j;
      h[o] = s00;
      h[o + 1] = s01;
      h[o + 2] = s02;
      h[o + 3] = s03;
      o += stride;
      h[o] = s10;
      h[o + 1] = s11;
      h[o + 2] = s12;
      h[o + 3] = s13;
      o += stride;
      h[o] = s20;
      h[o + 1] = s21;
      h[o + 2] = s22;
      h[o + 3] = s23;
      o += stride;
      h[o] = s30;
      h[o + 1] = s31;
      h[o + 2] = s32;
      h[o + 3] = s33;
    }
  }
}

/** dot(pa, rowsA, pb, cols, dim, out, stride, upper, c0): byte offsets for pa, pb, out; the loop nest of jsDot with f64x2 lanes. */
function dotBody(): number[] {
  // params 0 pa, 1 rowsA, 2 pb, 3 cols, 4 dim, 5 out, 6 stride, 7 upper, 8 c0
  // i32 locals 9 i, 10 j, 11 aP, 12 aEnd, 13 p, 14 q, 15 o, 16 rowBytes, 17 strideBytes, 18 t
  // v128 locals 19..26 accumulators (row r: columns 0–1 in 19 + 2r, 2–3 in 20 + 2r), 27 y01, 28 y23, 29 x
  const code: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) code.push(...p);
  };
  emit(get(4), i32(8), I32_MUL, set(16), get(6), i32(8), I32_MUL, set(17), i32(0), set(9));
  emit(BLOCK, LOOP, get(9), get(1), I32_GE_U, brIf(1));
  // aP = pa + i·dim·8 (the panel of rows i..i+3), aEnd = aP + 4·dim·8
  emit(get(0), get(9), get(16), I32_MUL, I32_ADD, tee(11), get(16), i32(4), I32_MUL, I32_ADD, set(12));
  // j = upper ? max(0, i − c0) : 0
  emit(get(7), IF_I32, get(9), get(8), I32_SUB, tee(18), i32(0), get(18), i32(0), I32_GT_S, SELECT, ELSE, i32(0), END, set(10));
  emit(BLOCK, LOOP, get(10), get(3), I32_GE_U, brIf(1));
  for (let a = 19; a <= 26; a++) emit(V128_ZERO, set(a));
  emit(get(11), set(13), get(2), get(10), get(16), I32_MUL, I32_ADD, set(14));
  emit(LOOP, get(14), v128Load(0), set(27), get(14), v128Load(16), set(28));
  for (let r = 0; r < 4; r++) {
    emit(get(13), load64Splat(8 * r), set(29));
    emit(get(19 + 2 * r), get(29), get(27), F64X2_MUL, F64X2_ADD, set(19 + 2 * r));
    emit(get(20 + 2 * r), get(29), get(28), F64X2_MUL, F64X2_ADD, set(20 + 2 * r));
  }
  emit(get(13), i32(32), I32_ADD, tee(13), get(14), i32(32), I32_ADD, set(14), get(12), I32_LT_U, brIf(0), END);
  // o = out + (i·stride + j)·8; four rows of two f64x2 stores
  emit(get(5), get(9), get(6), I32_MUL, get(10), I32_ADD, i32(8), I32_MUL, I32_ADD, set(15));
  for (let r = 0; r < 4; r++) {
    emit(get(15), get(19 + 2 * r), v128Store(0), get(15), get(20 + 2 * r), v128Store(16));
    if (r < 3) emit(get(15), get(17), I32_ADD, set(15));
  }
  emit(get(10), i32(4), I32_ADD, set(10), br(0), END, END);
  emit(get(9), i32(4), I32_ADD, set(9), br(0), END, END, END);

  return code;
}

/** The compiled module (exports dot and its own memory), or null without WebAssembly SIMD. */
const simdModule = lazySimdModule(() =>
  assembleModule(
    [
      {
        name: 'dot',
        params: new Array<number>(9).fill(I32),
        results: [],
        locals: [
          [10, I32],
          [11, V128],
        ],
        code: dotBody(),
      },
    ],
    'export',
  ),
);
