import {
  assembleModule,
  brIf,
  END,
  F32,
  F32X4_ADD,
  F32X4_GT,
  F32X4_LT,
  F32X4_MUL,
  F32X4_SPLAT,
  get,
  I32,
  I32_ADD,
  I32_SUB,
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
 * step: where XNNPACK broadcasts a bias row by row (Add of [..., C] and [C]) or a network spells one op as
 * several kernels (leaky ReLU and its gradient). Byte addresses; counts in vectors of four floats (≥ 1).
 */
export interface SimdLoops {
  /** out[r, :] = x[r, :] + bias for `rows` rows of 4·vectors floats. */
  biasAdd(x: number, bias: number, out: number, rows: number, vectors: number): void;
  /** out = x < 0 ? α·x : x (tfjs's LeakyRelu). */
  leakyRelu(x: number, out: number, vectors: number, alpha: number): void;
  /** out = x > 0 ? dy : α·dy (tfjs's LeakyRelu gradient, where(x > 0, dy, dy·α)). */
  leakyReluGrad(dy: number, x: number, out: number, vectors: number, alpha: number): void;
}

/** Ends a loop over `counter`: counter −= 1, and back to the loop's start while it is nonzero. */
const countDown = (counter: number) => [...get(counter), ...i32(1), ...I32_SUB, ...tee(counter), ...brIf(0), ...END];
const advance = (pointer: number, bytes: number) => [...get(pointer), ...i32(bytes), ...I32_ADD, ...set(pointer)];

function biasAddBody(): number[] {
  const [x, bias, out, rows, vectors, b, v] = [0, 1, 2, 3, 4, 5, 6];
  return [
    ...LOOP, // over rows
    ...get(bias),
    ...set(b),
    ...get(vectors),
    ...set(v),
    ...LOOP, // over a row's vectors
    ...get(out),
    ...get(x),
    ...v128LoadF32(0),
    ...get(b),
    ...v128LoadF32(0),
    ...F32X4_ADD,
    ...v128StoreF32(0),
    ...advance(x, 16),
    ...advance(out, 16),
    ...advance(b, 16),
    ...countDown(v),
    ...countDown(rows),
    ...END,
  ];
}

function leakyReluBody(): number[] {
  const [x, out, vectors, alpha, a, xv] = [0, 1, 2, 3, 4, 5];
  return [
    ...get(alpha),
    ...F32X4_SPLAT,
    ...set(a),
    ...LOOP,
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
    ...advance(x, 16),
    ...advance(out, 16),
    ...countDown(vectors),
    ...END,
  ];
}

function leakyReluGradBody(): number[] {
  const [dy, x, out, vectors, alpha, a, d] = [0, 1, 2, 3, 4, 5, 6];
  return [
    ...get(alpha),
    ...F32X4_SPLAT,
    ...set(a),
    ...LOOP,
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
    ...advance(dy, 16),
    ...advance(x, 16),
    ...advance(out, 16),
    ...countDown(vectors),
    ...END,
  ];
}

function moduleBytes(memory: 'import' | 'import-shared'): Uint8Array {
  return assembleModule(
    [
      { name: 'biasAdd', params: [I32, I32, I32, I32, I32], results: [], locals: [[2, I32]], code: biasAddBody() },
      { name: 'leakyRelu', params: [I32, I32, I32, F32], results: [], locals: [[2, V128]], code: leakyReluBody() },
      { name: 'leakyReluGrad', params: [I32, I32, I32, I32, F32], results: [], locals: [[2, V128]], code: leakyReluGradBody() },
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
