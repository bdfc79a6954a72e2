import os from 'node:os';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import {
  assembleModule,
  bump,
  bumpBy,
  call,
  countDown,
  ELSE,
  END,
  F32X4_ADD,
  F32X4_MUL,
  F32X4_RELAXED_MADD,
  get,
  I32,
  I32_ADD,
  I32_EQZ,
  I32_SUB,
  IF,
  i32,
  i32Load,
  LOOP,
  load32Splat,
  set,
  V128,
  V128_ZERO,
  v128LoadF32,
  v128StoreF32,
  type WasmMemory,
  type WasmModule,
  wasm,
} from '../../wasm/assembler.js';
import { wasmKernelThreads } from '../../wasmThreads.js';

/**
 * A float32 GEMM tile for the wasm backend's convolutions and products, assembled here and instantiated
 * on tfjs-backend-wasm's own memory, so it reads tensors where they lie. On DCGAN's wide layer, XNNPACK's
 * convolution and the project's earlier gradients on it ran at about 60% of this tile's speed on one
 * thread (docs/benchmarks.md, bench/src/convKernels.ts).
 */

/** Rows and columns of the register tile: 4 rows × 8 columns (two f32x4) keeps 8 accumulators in registers. */
export const TILE_ROWS = 4;
export const TILE_COLS = 8;

/** The kernels, with byte addresses into the backend's memory. */
export interface Sgemm {
  /** 'relaxed-simd' when the tile multiplies-adds with f32x4.relaxed_madd (FMA), else 'simd' (mul, then add). */
  readonly variant: 'relaxed-simd' | 'simd';
  /** Threads that run a batch of records (execute): tfjs's thread count on its pthread build, else 1. */
  readonly threads: number;
  /**
   * Runs `count` records at `records`, RECORD_INTS int32 each:
   * - op 0, tiles(kc, a0..a3, sa, b, ldb, c0..c3, tiles) then groups, aStep, cStep: for t < tiles,
   *   C_r[8t : 8t+8] += Σ_{p<kc} A_r[p] · B_p[8t : 8t+8] for the four rows r, where A_r[p] is the float at
   *   a_r + p·sa, B_p starts at b + p·ldb and C_r at c_r (each row its own address, so a tile's rows may be
   *   any four output rows; the sum over p runs in order, then is added to C); repeated `groups` times with
   *   the a and c addresses moved on by aStep and cStep bytes;
   * - op 2, the same with the sums written to C instead of added (a block's first record: C needs no zeroing);
   * - op 1, packRows(count, ind, off, dst, vectors, stride): row t starts at address ind[t] + off (ind an
   *   int32 table), and its `vectors` groups of four floats go to dst + 16t + v·stride.
   * With `flops` enough to share, the records run in chunks cut only before a record where `cut(i)` holds,
   * which the threads take in turn as they come free; a chunk runs in order on one thread, so the outputs
   * do not depend on which thread ran what.
   */
  execute(records: number, count: number, flops: number, cut?: (i: number) => boolean): void;
}

/** int32 slots per record: the op, up to 13 arguments, and a tiles record's repetition (groups, aStep, cStep). */
export const RECORD_INTS = 17;
export const OP_TILES = 0;
export const OP_PACK_ROWS = 1;
export const OP_TILES_STORE = 2;

/** Below this many FLOPs a batch runs on the calling thread: waking a helper costs tens of microseconds. */
export const PARALLEL_MIN_FLOPS = 8e6;
/** Chunks per thread: enough that a thread that comes late (its core busy) leaves its share to the others. */
const CHUNKS_PER_THREAD = 8;
const MAX_CHUNKS = 64;

/** Boundaries of about `chunks` runs of equal length over `count` records, each boundary moved forward to where `cut` holds. */
export function chunkBoundaries(count: number, chunks: number, cut: (i: number) => boolean): number[] {
  const bounds = [0];
  for (let t = 1; t < chunks; t++) {
    let at = Math.max(Math.round((count * t) / chunks), bounds[bounds.length - 1] as number);
    while (at < count && !cut(at)) at++;
    if (at > (bounds[bounds.length - 1] as number) && at < count) bounds.push(at);
  }
  bounds.push(count);
  return bounds;
}

/** The tile's loop; `store` writes each row's sums to C instead of adding them to it (op 2). */
function tilesBody(fma: boolean, store: boolean): number[] {
  const [kc, a0, sa, b, ldb, c0, tiles] = [0, 1, 5, 6, 7, 8, 12];
  const [p, q0, bp] = [13, 14, 18];
  const acc = (r: number, v: number) => 19 + 2 * r + v;
  const [b0, b1, av] = [27, 28, 29];
  const bv = [b0, b1];
  const code: number[] = [];
  code.push(...LOOP); // over tiles
  for (let k = 0; k < 8; k++) code.push(...V128_ZERO, ...set(19 + k));
  for (let r = 0; r < 4; r++) code.push(...get(a0 + r), ...set(q0 + r));
  code.push(...get(b), ...set(bp), ...get(kc), ...set(p));
  code.push(...LOOP); // over p
  code.push(...get(bp), ...v128LoadF32(0), ...set(b0), ...get(bp), ...v128LoadF32(16), ...set(b1));
  for (let r = 0; r < 4; r++) {
    code.push(...get(q0 + r), ...load32Splat(0), ...set(av));
    for (const v of [0, 1]) {
      const column = bv[v] as number;
      if (fma) code.push(...get(av), ...get(column), ...get(acc(r, v)), ...F32X4_RELAXED_MADD, ...set(acc(r, v)));
      else code.push(...get(acc(r, v)), ...get(av), ...get(column), ...F32X4_MUL, ...F32X4_ADD, ...set(acc(r, v)));
    }
  }
  for (let r = 0; r < 4; r++) code.push(...bumpBy(q0 + r, sa));
  code.push(...bumpBy(bp, ldb));
  code.push(...countDown(p));
  for (let r = 0; r < 4; r++) {
    const c = c0 + r;
    for (const v of [0, 1]) {
      if (store) code.push(...get(c), ...get(acc(r, v)), ...v128StoreF32(16 * v));
      else code.push(...get(c), ...get(c), ...v128LoadF32(16 * v), ...get(acc(r, v)), ...F32X4_ADD, ...v128StoreF32(16 * v));
    }
    code.push(...bump(c, 32));
  }
  code.push(...bump(b, 32));
  code.push(...countDown(tiles));
  code.push(...END);
  return code;
}

function packRowsBody(): number[] {
  const [count, ind, off, dst, vectors, stride] = [0, 1, 2, 3, 4, 5];
  const [src, d, v] = [6, 7, 8];
  const code: number[] = [];
  code.push(...LOOP); // over rows
  code.push(...get(ind), ...i32Load(0), ...get(off), ...I32_ADD, ...set(src), ...get(dst), ...set(d), ...get(vectors), ...set(v));
  code.push(...LOOP); // over a row's vectors
  code.push(...get(d), ...get(src), ...v128LoadF32(0), ...v128StoreF32(0));
  code.push(...bump(src, 16), ...bumpBy(d, stride));
  code.push(...countDown(v));
  code.push(...bump(ind, 4), ...bump(dst, 16));
  code.push(...countDown(count));
  code.push(...END);
  return code;
}

/** run(records, count): each record's op, then its arguments loaded in order and passed to tiles (0), packRows (1) or tilesStore (2). */
function runBody(): number[] {
  const [records, count, groups, a0, c0, aStep, cStep] = [0, 1, 2, 3, 7, 11, 12];
  const field = (i: number) => [...get(records), ...i32Load(4 * i)];
  const tileCall = (index: number) => {
    const code = [...field(1)];
    for (let r = 0; r < 4; r++) code.push(...get(a0 + r));
    code.push(...field(6), ...field(7), ...field(8));
    for (let r = 0; r < 4; r++) code.push(...get(c0 + r));
    return [...code, ...field(13), ...call(index)];
  };
  const code: number[] = [];
  code.push(...LOOP);
  code.push(...field(0), ...i32(OP_PACK_ROWS), ...I32_SUB, ...I32_EQZ, ...IF);
  for (let i = 1; i <= 6; i++) code.push(...field(i));
  code.push(...call(1), ...ELSE);
  for (let r = 0; r < 4; r++) code.push(...field(2 + r), ...set(a0 + r), ...field(9 + r), ...set(c0 + r));
  code.push(...field(14), ...set(groups), ...field(15), ...set(aStep), ...field(16), ...set(cStep));
  code.push(...LOOP); // over groups: the same call with the rows moved on by aStep and cStep
  code.push(...field(0), ...I32_EQZ, ...IF, ...tileCall(0), ...ELSE, ...tileCall(3), ...END);
  for (let r = 0; r < 4; r++) {
    code.push(...bumpBy(a0 + r, aStep));
    code.push(...bumpBy(c0 + r, cStep));
  }
  code.push(...countDown(groups));
  code.push(...END);
  code.push(...bump(records, 4 * RECORD_INTS));
  code.push(...countDown(count));
  code.push(...END);
  return code;
}

function moduleBytes(fma: boolean, memory: 'import' | 'import-shared'): Uint8Array {
  return assembleModule(
    [
      {
        name: 'tiles',
        params: new Array<number>(13).fill(I32),
        results: [],
        locals: [
          [6, I32],
          [11, V128],
        ],
        code: tilesBody(fma, false),
      },
      { name: 'packRows', params: new Array<number>(6).fill(I32), results: [], locals: [[3, I32]], code: packRowsBody() },
      { name: 'run', params: [I32, I32], results: [], locals: [[11, I32]], code: runBody() },
      {
        name: 'tilesStore',
        params: new Array<number>(13).fill(I32),
        results: [],
        locals: [
          [6, I32],
          [11, V128],
        ],
        code: tilesBody(fma, true),
      },
    ],
    memory,
  );
}

/**
 * Compiles `bytes` where they validate. Relaxed SIMD is behind a flag in Node 20's V8 (on by default from
 * V8 11.4): the flag is set, before compiling, only when the relaxed variant fails to validate without it.
 */
function compile(bytes: Uint8Array, relaxed: boolean): WasmModule | null {
  if (wasm === undefined) return null;
  try {
    if (wasm.validate(bytes)) return new wasm.Module(bytes);
    if (!relaxed) return null;
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    return wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  } catch {
    return null;
  }
}

const compiled = new Map<string, { module: WasmModule; variant: Sgemm['variant'] } | null>();

/** The module for a memory kind: the relaxed-SIMD variant where it validates, else plain SIMD, else null. */
function compiledModule(shared: boolean, forceVariant?: Sgemm['variant']): { module: WasmModule; variant: Sgemm['variant'] } | null {
  const key = `${shared}:${forceVariant ?? ''}`;
  if (compiled.has(key)) return compiled.get(key) ?? null;
  let result: { module: WasmModule; variant: Sgemm['variant'] } | null = null;
  for (const variant of forceVariant === undefined ? (['relaxed-simd', 'simd'] as const) : [forceVariant]) {
    const module = compile(moduleBytes(variant === 'relaxed-simd', shared ? 'import-shared' : 'import'), variant === 'relaxed-simd');
    if (module !== null) {
      result = { module, variant };
      break;
    }
  }
  compiled.set(key, result);
  return result;
}

/** The Emscripten module inside tfjs-backend-wasm: its memory is `wasmMemory` (pthread build) or `asm.memory`. */
interface EmscriptenModule {
  wasmMemory?: WasmMemory;
  asm?: { memory?: WasmMemory };
}

/** Per memory, per variant asked for ('' = the best): one instance (and one set of helper threads) each. */
const instances = new WeakMap<object, Map<string, Sgemm | null>>();

/** The memory tfjs-backend-wasm keeps its tensors in, or null where it cannot be reached. */
export function backendMemory(backend: object): WasmMemory | null {
  const module = (backend as { wasm?: EmscriptenModule }).wasm;
  return module?.wasmMemory ?? module?.asm?.memory ?? null;
}

/** The control block's int32 slots; the chunk boundaries follow from BOUNDS. */
const [GENERATION, RECORDS, CHUNKS, NEXT, COMPLETED, BOUNDS] = [0, 1, 2, 3, 4, 8];
/** NEXT while a batch is being written: any chunk index taken from it is past the end. */
const CLOSED = 1 << 30;

/**
 * A helper thread's loop (plain JavaScript, so it runs without the TypeScript loader): its own instance of
 * the module on the shared memory; woken by a new generation, it takes chunks until none is left.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const run = new WebAssembly.Instance(module, { env: { memory } }).exports.run;
const c = new Int32Array(control);
let generation = 0;
for (;;) {
  Atomics.wait(c, ${GENERATION}, generation);
  generation = Atomics.load(c, ${GENERATION});
  for (;;) {
    const k = Atomics.add(c, ${NEXT}, 1);
    const chunks = Atomics.load(c, ${CHUNKS});
    if (k >= chunks) break;
    const start = c[${BOUNDS} + k], end = c[${BOUNDS} + k + 1];
    run(c[${RECORDS}] + ${4 * RECORD_INTS} * start, end - start);
    if (Atomics.add(c, ${COMPLETED}, 1) + 1 === chunks) Atomics.notify(c, ${COMPLETED});
  }
}`;

/** `threads − 1` helper threads and the calling thread, taking chunks of a batch in turn. */
function parallelExecutor(module: WasmModule, memory: WasmMemory, threads: number, run: (records: number, count: number) => void): Sgemm['execute'] {
  const c = new Int32Array(new SharedArrayBuffer(4 * (BOUNDS + MAX_CHUNKS + 1)));
  c[NEXT] = CLOSED;
  for (let index = 0; index < threads - 1; index++) {
    new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control: c.buffer } }).unref();
  }
  return (records, count, flops, cut = () => true) => {
    if (count === 0) return;
    if (flops < PARALLEL_MIN_FLOPS) return run(records, count);
    const bounds = chunkBoundaries(count, Math.min(MAX_CHUNKS, CHUNKS_PER_THREAD * threads), cut);
    const chunks = bounds.length - 1;
    // every chunk of the previous batch completed before it returned, so no thread holds one now
    Atomics.store(c, NEXT, CLOSED);
    c.set(bounds, BOUNDS);
    c[RECORDS] = records;
    Atomics.store(c, COMPLETED, 0);
    Atomics.store(c, CHUNKS, chunks);
    Atomics.store(c, NEXT, 0);
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
    for (let k = Atomics.add(c, NEXT, 1); k < chunks; k = Atomics.add(c, NEXT, 1)) {
      run(records + 4 * RECORD_INTS * (bounds[k] as number), (bounds[k + 1] as number) - (bounds[k] as number));
      Atomics.add(c, COMPLETED, 1);
    }
    for (let done = Atomics.load(c, COMPLETED); done < chunks; done = Atomics.load(c, COMPLETED)) Atomics.wait(c, COMPLETED, done);
  };
}

/**
 * The GEMM kernels on `backend`'s memory (instantiated once per memory), or null where the runtime lacks
 * WebAssembly SIMD or the memory cannot be reached: callers then keep XNNPACK's route. On tfjs's pthread
 * build (a shared memory), batches of records run on as many threads as tfjs was given.
 */
export function sgemmFor(backend: object, forceVariant?: Sgemm['variant']): Sgemm | null {
  const memory = backendMemory(backend);
  if (memory === null || wasm === undefined) return null;
  const cache = instances.get(memory) ?? new Map<string, Sgemm | null>();
  instances.set(memory, cache);
  const cacheKey = forceVariant ?? '';
  if (cache.has(cacheKey)) return cache.get(cacheKey) ?? null;
  const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
  const found = compiledModule(shared, forceVariant);
  let result: Sgemm | null = null;
  if (found !== null) {
    const exports = new wasm.Instance(found.module, { env: { memory } }).exports as unknown as { run(records: number, count: number): void };
    const threads = shared ? Math.max(1, Math.min(wasmKernelThreads(), os.availableParallelism())) : 1;
    const run = exports.run;
    const execute: Sgemm['execute'] =
      threads > 1
        ? parallelExecutor(found.module, memory, threads, run)
        : (records, count) => {
            if (count > 0) run(records, count);
          };
    result = { variant: found.variant, threads, execute };
  }
  cache.set(cacheKey, result);
  return result;
}
