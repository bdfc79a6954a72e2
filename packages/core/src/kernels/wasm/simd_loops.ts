import {
  assembleModule,
  bump,
  bumpBy,
  countDown,
  END,
  F32,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_GT,
  F32X4_LT,
  F32X4_MUL,
  F32X4_SPLAT,
  F32X4_SQRT,
  get,
  I32,
  I32_ADD,
  I32_MUL,
  i32,
  LOOP,
  lazySimdModule,
  set,
  tee,
  V128,
  V128_BITSELECT,
  V128_ZERO,
  v128LoadF32,
  v128StoreF32,
  type WasmModule,
  wasm,
} from '../../wasm/assembler.js';
import { backendMemory } from './sgemm.js';

/**
 * Elementwise loops over float32 tensors in tfjs-backend-wasm's memory, one pass each, four floats a
 * step: where XNNPACK broadcasts a bias row by row (Add and Multiply of [..., C] and [C]) or a network spells one op as
 * several kernels (leaky ReLU and its gradient, Adam). Byte addresses; counts in vectors of four floats (≥ 1).
 */
export interface SimdLoops {
  /** out[r, :] = x[r, :] + row for `rows` rows of 4·vectors floats. */
  channelAdd(x: number, row: number, out: number, rows: number, vectors: number): void;
  /** out[r, :] = x[r, :] · row for `rows` rows of 4·vectors floats. */
  channelMul(x: number, row: number, out: number, rows: number, vectors: number): void;
  /** out = x < 0 ? α·x : x (tfjs's LeakyRelu). */
  leakyRelu(x: number, out: number, vectors: number, alpha: number): void;
  /** out = x > 0 ? dy : α·dy (tfjs's LeakyRelu gradient, where(x > 0, dy, dy·α)). */
  leakyReluGrad(dy: number, x: number, out: number, vectors: number, alpha: number): void;
  /**
   * One image's 2×2 average pool: for `rows` × `cols` output pixels of 4·vectors channels, out = ((x00 + x10) +
   * (x01 + x11)) · ¼ (XNNPACK's order), the window's top-left at src + i·rowStep + j·colStep, its lower row
   * `rowBytes` on and its right column `pixelBytes` on.
   */
  avgPool2x2(
    src: number,
    out: number,
    rows: number,
    cols: number,
    vectors: number,
    rowBytes: number,
    pixelBytes: number,
    rowStep: number,
    colStep: number,
  ): void;
  /**
   * One image's 2× nearest upsampling scaled: each of `rows` × `cols` source pixels of 4·vectors channels, times
   * `scale`, written to its 2×2 block of out (2·rows × 2·cols pixels): AvgPoolGrad of a 2×2 pool (¼) and
   * ResizeNearestNeighbor by 2 (1: x · 1 = x).
   */
  spread2x2(src: number, out: number, rows: number, cols: number, vectors: number, scale: number): void;
  /**
   * The adjoint of 2× nearest upsampling for one image: each of `rows` × `cols` out pixels of 4·vectors channels is
   * the sum of its 2×2 block of src, (((0 + s00) + s01) + s10) + s11 (the scatter's order, dy's row by row).
   */
  sum2x2(src: number, out: number, rows: number, cols: number, vectors: number): void;
  /**
   * Adam's update in tfjs's order (fusedAdam.ts's adamUpdate), each operation rounded to float32:
   * m' = m·β₁ + g·c₁, v' = v·β₂ + g²·c₂, θ' = (m'/a₁) / (√(v'/a₂) + ε) · step + θ.
   */
  adam(
    value: number,
    m: number,
    v: number,
    gradient: number,
    outValue: number,
    outM: number,
    outV: number,
    vectors: number,
    beta1: number,
    c1: number,
    beta2: number,
    c2: number,
    a1: number,
    a2: number,
    epsilon: number,
    step: number,
  ): void;
}

/** f32.const 0.25 (little-endian bits 0x3e800000). */
const F32_QUARTER = [0x43, 0x00, 0x00, 0x80, 0x3e];

/** A loop over `counter` vectors: `body`, then every pointer moved on by one vector (16 bytes). */
const vectorLoop = (counter: number, pointers: readonly number[], body: readonly number[]) => [
  ...LOOP,
  ...body,
  ...pointers.flatMap((pointer) => bump(pointer, 16)),
  ...countDown(counter),
];
const copy = (from: number, to: number) => [...get(from), ...set(to)];

/** out[r, :] = x[r, :] ∘ row, `op` an f32x4 instruction. */
function channelBody(op: readonly number[]): number[] {
  const [x, row, out, rows, vectors, b, v] = [0, 1, 2, 3, 4, 5, 6];
  const apply = [...get(out), ...get(x), ...v128LoadF32(0), ...get(b), ...v128LoadF32(0), ...op, ...v128StoreF32(0)];
  // over rows, each a loop over its vectors
  return [...LOOP, ...copy(row, b), ...copy(vectors, v), ...vectorLoop(v, [x, out, b], apply), ...countDown(rows), ...END];
}

function leakyReluBody(): number[] {
  const [x, out, vectors, alpha, a, xv] = [0, 1, 2, 3, 4, 5];
  // bitselect(α·x, x, x < 0)
  const select = [
    ...get(out),
    ...get(x),
    ...v128LoadF32(0),
    ...tee(xv),
    ...get(a),
    ...F32X4_MUL,
    ...get(xv),
    ...get(xv),
    ...V128_ZERO,
    ...F32X4_LT,
    ...V128_BITSELECT,
    ...v128StoreF32(0),
  ];
  return [...get(alpha), ...F32X4_SPLAT, ...set(a), ...vectorLoop(vectors, [x, out], select), ...END];
}

function leakyReluGradBody(): number[] {
  const [dy, x, out, vectors, alpha, a, d] = [0, 1, 2, 3, 4, 5, 6];
  // bitselect(dy, α·dy, x > 0)
  const select = [
    ...get(out),
    ...get(dy),
    ...v128LoadF32(0),
    ...tee(d),
    ...get(d),
    ...get(a),
    ...F32X4_MUL,
    ...get(x),
    ...v128LoadF32(0),
    ...V128_ZERO,
    ...F32X4_GT,
    ...V128_BITSELECT,
    ...v128StoreF32(0),
  ];
  return [...get(alpha), ...F32X4_SPLAT, ...set(a), ...vectorLoop(vectors, [dy, x, out], select), ...END];
}

function avgPool2x2Body(): number[] {
  const [src, out, rows, cols, vectors, rowBytes, pixelBytes, rowStep, colStep] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [row, pixel, q, c, v, quarter] = [9, 10, 11, 12, 13, 14];
  const load = (offsets: number[]) => [...get(q), ...offsets.flatMap((o) => [...get(o), ...I32_ADD]), ...v128LoadF32(0)];
  const average = [
    ...get(out),
    ...load([]),
    ...load([rowBytes]),
    ...F32X4_ADD,
    ...load([pixelBytes]),
    ...load([rowBytes, pixelBytes]),
    ...F32X4_ADD,
    ...F32X4_ADD,
    ...get(quarter),
    ...F32X4_MUL,
    ...v128StoreF32(0),
  ];
  return [
    ...F32_QUARTER,
    ...F32X4_SPLAT,
    ...set(quarter),
    ...copy(src, row),
    ...LOOP, // over output rows
    ...copy(row, pixel),
    ...copy(cols, c),
    ...LOOP, // over a row's pixels, each a loop over its channels
    ...copy(pixel, q),
    ...copy(vectors, v),
    ...vectorLoop(v, [q, out], average),
    ...bumpBy(pixel, colStep),
    ...countDown(c),
    ...bumpBy(row, rowStep),
    ...countDown(rows),
    ...END,
  ];
}

/**
 * The loop nest of one image's `rows` × `cols` pixels of 4·vectors channels at `small` against their 2×2 blocks at `large`
 * (an image twice as large each way): per vector, `body` runs with `atSmall` at the pixel's vector and `atLarge` at its
 * block's top-left one, the block's right column `pixelBytes` on and its lower row `largeRowBytes` on.
 */
function blocks2x2(
  [small, large, rows, cols, vectors]: readonly [number, number, number, number, number],
  [pixelBytes, largeRowBytes, c, v, atSmall, atLarge]: readonly [number, number, number, number, number, number],
  body: readonly number[],
): number[] {
  return [
    ...get(vectors),
    ...i32(16),
    ...I32_MUL,
    ...set(pixelBytes),
    ...get(cols),
    ...get(pixelBytes),
    ...I32_MUL,
    ...i32(2),
    ...I32_MUL,
    ...set(largeRowBytes),
    ...LOOP, // over the small image's rows
    ...copy(cols, c),
    ...LOOP, // over a row's pixels: every vector, then the large image on by a second pixel
    ...copy(small, atSmall),
    ...copy(large, atLarge),
    ...copy(vectors, v),
    ...vectorLoop(v, [atSmall, atLarge], body),
    ...bumpBy(small, pixelBytes),
    ...bumpBy(large, pixelBytes),
    ...bumpBy(large, pixelBytes),
    ...countDown(c),
    ...bumpBy(large, largeRowBytes),
    ...countDown(rows),
    ...END,
  ];
}

/** The address `base` plus the locals in `offsets`. */
const at = (base: number, offsets: readonly number[]) => [...get(base), ...offsets.flatMap((o) => [...get(o), ...I32_ADD])];

function spread2x2Body(): number[] {
  const [src, out, rows, cols, vectors, scale] = [0, 1, 2, 3, 4, 5];
  const [pixelBytes, outRowBytes, c, v, q, o, k, scaled] = [6, 7, 8, 9, 10, 11, 12, 13];
  // the scaled vector to the block's four places
  const store = (offsets: number[]) => [...at(o, offsets), ...get(scaled), ...v128StoreF32(0)];
  const spread = [
    ...get(q),
    ...v128LoadF32(0),
    ...get(k),
    ...F32X4_MUL,
    ...set(scaled),
    ...store([]),
    ...store([pixelBytes]),
    ...store([outRowBytes]),
    ...store([outRowBytes, pixelBytes]),
  ];
  return [...get(scale), ...F32X4_SPLAT, ...set(k), ...blocks2x2([src, out, rows, cols, vectors], [pixelBytes, outRowBytes, c, v, q, o], spread)];
}

function sum2x2Body(): number[] {
  const [src, out, rows, cols, vectors] = [0, 1, 2, 3, 4];
  const [pixelBytes, srcRowBytes, c, v, o, q] = [5, 6, 7, 8, 9, 10];
  const add = (offsets: number[]) => [...at(q, offsets), ...v128LoadF32(0), ...F32X4_ADD];
  const sum = [...get(o), ...V128_ZERO, ...add([]), ...add([pixelBytes]), ...add([srcRowBytes]), ...add([srcRowBytes, pixelBytes]), ...v128StoreF32(0)];
  return blocks2x2([out, src, rows, cols, vectors], [pixelBytes, srcRowBytes, c, v, o, q], sum);
}

function adamBody(): number[] {
  const [value, m, v, g, outValue, outM, outV, vectors] = [0, 1, 2, 3, 4, 5, 6, 7];
  // the eight float parameters (8–15), then each splatted (16–23), then m' and v'
  const [B1, C1, B2, C2, A1, A2, EPS, STEP] = [16, 17, 18, 19, 20, 21, 22, 23];
  const [newM, newV] = [24, 25];
  const load = (pointer: number) => [...get(pointer), ...v128LoadF32(0)];
  const update = [
    ...get(outM),
    ...load(m),
    ...get(B1),
    ...F32X4_MUL,
    ...load(g),
    ...get(C1),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...tee(newM),
    ...v128StoreF32(0),
    ...get(outV),
    ...load(v),
    ...get(B2),
    ...F32X4_MUL,
    ...load(g),
    ...load(g),
    ...F32X4_MUL,
    ...get(C2),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...tee(newV),
    ...v128StoreF32(0),
    ...get(outValue),
    ...get(newM),
    ...get(A1),
    ...F32X4_DIV,
    ...get(newV),
    ...get(A2),
    ...F32X4_DIV,
    ...F32X4_SQRT,
    ...get(EPS),
    ...F32X4_ADD,
    ...F32X4_DIV,
    ...get(STEP),
    ...F32X4_MUL,
    ...load(value),
    ...F32X4_ADD,
    ...v128StoreF32(0),
  ];
  const splats = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((k) => [...get(8 + k), ...F32X4_SPLAT, ...set(16 + k)]);
  return [...splats, ...vectorLoop(vectors, [value, m, v, g, outValue, outM, outV], update), ...END];
}

function moduleBytes(memory: 'import' | 'import-shared'): Uint8Array {
  return assembleModule(
    [
      { name: 'channelAdd', params: [I32, I32, I32, I32, I32], results: [], locals: [[2, I32]], code: channelBody(F32X4_ADD) },
      { name: 'channelMul', params: [I32, I32, I32, I32, I32], results: [], locals: [[2, I32]], code: channelBody(F32X4_MUL) },
      { name: 'leakyRelu', params: [I32, I32, I32, F32], results: [], locals: [[2, V128]], code: leakyReluBody() },
      { name: 'leakyReluGrad', params: [I32, I32, I32, I32, F32], results: [], locals: [[2, V128]], code: leakyReluGradBody() },
      {
        name: 'avgPool2x2',
        params: new Array<number>(9).fill(I32),
        results: [],
        locals: [
          [5, I32],
          [1, V128],
        ],
        code: avgPool2x2Body(),
      },
      {
        name: 'spread2x2',
        params: [I32, I32, I32, I32, I32, F32],
        results: [],
        locals: [
          [6, I32],
          [2, V128],
        ],
        code: spread2x2Body(),
      },
      { name: 'sum2x2', params: new Array<number>(5).fill(I32), results: [], locals: [[6, I32]], code: sum2x2Body() },
      {
        name: 'adam',
        params: [...new Array<number>(8).fill(I32), ...new Array<number>(8).fill(F32)],
        results: [],
        locals: [[10, V128]],
        code: adamBody(),
      },
    ],
    memory,
  );
}

const modules: Record<'import' | 'import-shared', () => WasmModule | null> = {
  import: lazySimdModule(() => moduleBytes('import')),
  'import-shared': lazySimdModule(() => moduleBytes('import-shared')),
};
const instances = new WeakMap<object, SimdLoops | null>();

/** The loops on `backend`'s memory (instantiated once per memory), or null where SIMD or the memory is missing: callers keep tfjs's kernels. */
export function simdLoopsFor(backend: object): SimdLoops | null {
  const memory = backendMemory(backend);
  if (memory === null || wasm === undefined) return null;
  if (instances.has(memory)) return instances.get(memory) ?? null;
  const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
  const module = modules[shared ? 'import-shared' : 'import']();
  const loops = module === null ? null : (new wasm.Instance(module, { env: { memory } }).exports as unknown as SimdLoops);
  instances.set(memory, loops);
  return loops;
}
