/**
 * A minimal WebAssembly assembler shared by the project's hand-written SIMD kernels (FID's float64 linear
 * algebra, precision/recall's dot products, the wasm backend's float32 convolution GEMM): LEB128 and section encoding after the binary format of the
 * WebAssembly 2.0 spec, the opcodes the kernels use, a one-call module builder, and the slice of the
 * WebAssembly JS API needed to compile a module once where the runtime supports SIMD. No toolchain, no
 * binary in the repo: each kernel file keeps only its function bodies and its plain-JS twin.
 */

// ---------- the WebAssembly JS API ----------

/** A WebAssembly.Memory as used here (the project's TS lib has no DOM/WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** An opaque compiled WebAssembly.Module. */
export type WasmModule = { readonly __wasmModule?: never };

/** The slice of the WebAssembly JS API used by the kernels. */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}

/** The runtime's WebAssembly namespace, or undefined where it has none (the kernels then fall back to JS). */
export const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Bytes per WebAssembly memory page: the unit memories are sized and grown in. */
export const PAGE_BYTES = 65_536;

/** Pages in a full wasm32 memory (4 GiB): the ceiling on what a kernel's memory can hold. */
export const MAX_PAGES = 65_536;

/**
 * Memoizes compiling `build()`'s bytes: the module, or null where the runtime lacks WebAssembly SIMD (or
 * compiling throws), so SIMD feature detection is the validation of the kernel module itself, done once.
 */
export function lazySimdModule(build: () => Uint8Array): () => WasmModule | null {
  let compiled: WasmModule | null | undefined;
  return () => {
    if (compiled !== undefined) return compiled;
    compiled = null;
    try {
      const bytes = build();
      if (wasm?.validate(bytes)) compiled = new wasm.Module(bytes);
    } catch {
      compiled = null;
    }
    return compiled;
  };
}

// ---------- binary encoding ----------

/** Unsigned LEB128, the encoding of every count, index, size and memory offset in the binary format. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128, the encoding of i32.const immediates. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A vector: its length, then its already-encoded items, as every list in a module is laid out. */
export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A section: id and byte size before its content, so a runtime can skip or check it. */
export function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** A name (import module/field, export) as its UTF-8 length and bytes. */
export function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

// ---------- value types and instructions ----------

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** local.get: reads a parameter or local. */
export const get = (i: number) => [0x20, ...uleb(i)];
/** local.set: pops into a local. */
export const set = (i: number) => [0x21, ...uleb(i)];
/** local.tee: stores into a local and keeps the value on the stack. */
export const tee = (i: number) => [0x22, ...uleb(i)];
/** i32.const: pushes an integer immediate. */
export const i32 = (v: number) => [0x41, ...sleb(v)];
export const I32_EQZ = [0x45];
export const I32_LT_U = [0x49];
export const I32_GT_S = [0x4a];
export const I32_GE_U = [0x4f];
export const I32_ADD = [0x6a];
export const I32_SUB = [0x6b];
export const I32_MUL = [0x6c];
export const F64_ADD = [0xa0];
export const SELECT = [0x1b];
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const IF_I32 = [0x04, I32];
/** if without a result: runs its body when the popped i32 is nonzero. */
export const IF = [0x04, 0x40];
/** call: calls the module's function `index` with the arguments on the stack. */
export const call = (index: number) => [0x10, ...uleb(index)];
export const ELSE = [0x05];
export const END = [0x0b];
/** br: jumps to the `depth`-th enclosing block (a loop's start, a block's end). */
export const br = (depth: number) => [0x0c, ...uleb(depth)];
/** br_if: br when the popped i32 is nonzero. */
export const brIf = (depth: number) => [0x0d, ...uleb(depth)];
/** `local += bytes`: a pointer moved on by a constant. */
export const bump = (local: number, bytes: number) => [...get(local), ...i32(bytes), ...I32_ADD, ...set(local)];
/** `local += by`: a pointer moved on by a stride held in local `by`. */
export const bumpBy = (local: number, by: number) => [...get(local), ...get(by), ...I32_ADD, ...set(local)];
/** Ends a LOOP counted by `counter`: counter −= 1, back to the loop's start while it is nonzero (the body runs at least once). */
export const countDown = (counter: number) => [...get(counter), ...i32(1), ...I32_SUB, ...tee(counter), ...brIf(0), ...END];
/** A SIMD instruction: the 0xfd prefix, its LEB128 sub-opcode, then its immediates. */
export const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
/** A memarg for 8-byte-aligned accesses (align exponent 3) at a constant byte offset. */
const memarg = (offset: number, align = 3) => [align, ...uleb(offset)];
/** v128.load: 16 bytes (two float64) from memory. */
export const v128Load = (offset: number) => simd(0x00, ...memarg(offset));
/** v128.load64_splat: one float64 from memory into both f64x2 lanes. */
export const load64Splat = (offset: number) => simd(0x0a, ...memarg(offset));
/** v128.store: 16 bytes (two float64) to memory. */
export const v128Store = (offset: number) => simd(0x0b, ...memarg(offset));
export const V128_ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
export const F64X2_SPLAT = simd(0x14);
/** f64x2.extract_lane: one lane of a vector as an f64. */
export const extractLane = (lane: number) => simd(0x21, lane);
export const F64X2_ADD = simd(0xf0);
export const F64X2_SUB = simd(0xf1);
export const F64X2_MUL = simd(0xf2);
/** i32.load: a 4-byte integer (an indirection table's entry). */
export const i32Load = (offset: number) => [0x28, ...memarg(offset, 2)];
/** v128.load32_splat: one float32 into all four f32x4 lanes (align hint 4 bytes, its natural alignment). */
export const load32Splat = (offset: number) => simd(0x09, ...memarg(offset, 2));
/** v128.load and v128.store of float32 data, with the 4-byte alignment float32 tensors guarantee. */
export const v128LoadF32 = (offset: number) => simd(0x00, ...memarg(offset, 2));
export const v128StoreF32 = (offset: number) => simd(0x0b, ...memarg(offset, 2));
export const F32X4_ADD = simd(0xe4);
export const F32X4_MUL = simd(0xe6);
export const F32X4_DIV = simd(0xe7);
export const F32X4_SQRT = simd(0xe3);
export const F32X4_SPLAT = simd(0x13);
/** f32x4.lt and f32x4.gt: per lane all ones where the comparison holds, else zeros. */
export const F32X4_LT = simd(0x43);
export const F32X4_GT = simd(0x44);
/** v128.bitselect(a, b, mask): a's bits where mask is set, b's elsewhere. */
export const V128_BITSELECT = simd(0x52);
/** f32x4.relaxed_madd (relaxed SIMD): a·b + c, fused where the processor has FMA. */
export const F32X4_RELAXED_MADD = simd(0x105);

// ---------- modules ----------

/** One exported function of a module: its signature, its locals beyond the parameters, and its code. */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** Runs of locals as [count, type], numbered after the parameters in this order. */
  readonly locals: readonly (readonly [number, number])[];
  /** The instructions, ending with the function's END. */
  readonly code: readonly number[];
}

/**
 * The bytes of a module exporting `functions` (indices in order, one type each) and one memory, either
 * imported as env.memory (the caller sizes and owns it; `import-shared` for a SharedArrayBuffer's memory) or defined with one page and exported as "memory"
 * (the instance owns it; the caller grows it), so each kernel file states only its bodies.
 */
export function assembleModule(functions: readonly WasmFunction[], memory: 'import' | 'import-shared' | 'export'): Uint8Array {
  const types = vec(functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]));
  const indices = vec(functions.map((_, i) => uleb(i)));
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  if (memory === 'export') exports.push([...name('memory'), 0x02, 0x00]);
  const bodies = functions.map((f) => {
    const body = [...vec(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.code];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...(memory === 'import' ? section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])) : []),
    // a shared memory's import must say shared and give a maximum: the full 4 GiB accepts any memory
    ...(memory === 'import-shared' ? section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, 0x01, ...uleb(MAX_PAGES)]])) : []),
    ...section(3, indices),
    ...(memory === 'export' ? section(5, vec([[0x00, 0x01]])) : []),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}
