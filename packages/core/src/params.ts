import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Tensor, tensor, type Variable, variable } from '@tensorflow/tfjs-core';

export interface ParamOptions {
  /** false for state that is carried but not trained: batch-norm running statistics, spectral-norm u vectors */
  trainable?: boolean;
}

/**
 * Named parameters of one network. Names are paths ('d/conv1/kernel'); the store owns its
 * variables, so checkpoints, EMA copies and parameter counts all go through one place.
 */
export class ParamStore {
  private readonly vars = new Map<string, Variable>();

  /** Adds a parameter holding `initial` (which the store takes ownership of). */
  create(name: string, initial: Tensor, options: ParamOptions = {}): Variable {
    if (this.vars.has(name)) throw new Error(`parameter '${name}' already exists`);
    // tfjs names variables engine-wide; the store keeps its own names so two stores (G and its EMA copy) never clash.
    const v = variable(initial, options.trainable ?? true);
    initial.dispose();
    this.vars.set(name, v);
    return v;
  }

  /** The gradient map tf.variableGrads returns (keyed by engine-wide variable names), keyed by this store's names. */
  byName(grads: Record<string, Tensor>): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, v] of this.vars) {
      const g = grads[v.name];
      if (g !== undefined) out[name] = g;
    }
    return out;
  }

  get(name: string): Variable {
    const v = this.vars.get(name);
    if (v === undefined) throw new Error(`parameter '${name}' does not exist; known: ${this.names().join(', ') || '(none)'}`);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  trainableVariables(): Variable[] {
    return [...this.vars.values()].filter((v) => v.trainable);
  }

  /** Number of scalars; trainable ones only unless `all`. */
  count(all = false): number {
    let n = 0;
    for (const v of this.vars.values()) if (all || v.trainable) n += v.size;
    return n;
  }

  /** A deep copy with the same names (e.g. the EMA generator). */
  clone(): ParamStore {
    const copy = new ParamStore();
    for (const [name, v] of this.vars) copy.create(name, v.clone(), { trainable: v.trainable });
    return copy;
  }

  /** Copies every value from `other`, which must have the same names and shapes. */
  assignFrom(other: ParamStore): void {
    for (const [name, v] of this.vars) v.assign(checkedShape(name, other.get(name), v.shape));
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }

  /** Values as float32 arrays in insertion order, for saving. */
  async values(): Promise<NamedArray[]> {
    const out: NamedArray[] = [];
    for (const [name, v] of this.vars) out.push({ name, shape: [...v.shape], data: (await v.data()) as Float32Array, trainable: v.trainable });
    return out;
  }

  /** Writes a safetensors file atomically (temporary file, then rename): a crash never leaves half a checkpoint. */
  async save(path: string, metadata: Record<string, string> = {}): Promise<void> {
    const bytes = encodeSafetensors(await this.values(), metadata);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  /** Loads a safetensors file into this store: every stored name must exist here with the same shape. */
  async load(path: string): Promise<Record<string, string>> {
    const { arrays, metadata } = decodeSafetensors(new Uint8Array(await readFile(path)));
    const missing = this.names().filter((n) => !arrays.some((a) => a.name === n));
    if (missing.length > 0) throw new Error(`${path}: missing parameters ${missing.join(', ')}`);
    for (const a of arrays) {
      const v = this.vars.get(a.name);
      if (v === undefined) throw new Error(`${path}: parameter '${a.name}' is not in this network`);
      if (!sameShape(v.shape, a.shape)) throw new Error(`${path}: parameter '${a.name}' has shape [${a.shape}], the network expects [${v.shape}]`);
    }
    for (const a of arrays) {
      const t = tensor(a.data, a.shape, 'float32');
      this.get(a.name).assign(t);
      t.dispose();
    }
    return metadata;
  }

  /** A new store from a safetensors file, trainable flags from its metadata. */
  static async fromFile(path: string): Promise<ParamStore> {
    const { arrays } = decodeSafetensors(new Uint8Array(await readFile(path)));
    const store = new ParamStore();
    for (const a of arrays) store.create(a.name, tensor(a.data, a.shape, 'float32'), { trainable: a.trainable });
    return store;
  }
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
  trainable: boolean;
}

const NON_TRAINABLE_KEY = 'ganbench.non_trainable';

/**
 * The safetensors layout (Hugging Face): u64 little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets}, __metadata__: {string: string}}, then raw little-endian data.
 */
export function encodeSafetensors(arrays: NamedArray[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {
    __metadata__: { ...metadata, [NON_TRAINABLE_KEY]: JSON.stringify(arrays.filter((a) => !a.trainable).map((a) => a.name)) },
  };
  let offset = 0;
  for (const a of arrays) {
    const bytes = a.data.length * 4;
    header[a.name] = { dtype: 'F32', shape: a.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const a of arrays) {
    const le = new DataView(out.buffer, pos, a.data.length * 4);
    for (let i = 0; i < a.data.length; i++) le.setFloat32(i * 4, a.data[i] as number, true);
    pos += a.data.length * 4;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): { arrays: NamedArray[]; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`safetensors: file of ${bytes.length} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) throw new Error(`safetensors: header length ${headerLength} exceeds the file`);
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8')) as Record<string, unknown>;
  const { __metadata__: rawMetadata, ...entries } = header;
  const metadata = { ...((rawMetadata ?? {}) as Record<string, string>) };
  const nonTrainable = new Set<string>(JSON.parse(metadata[NON_TRAINABLE_KEY] ?? '[]') as string[]);
  delete metadata[NON_TRAINABLE_KEY];
  const base = 8 + headerLength;
  const arrays: NamedArray[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    const { dtype, shape, data_offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32') throw new Error(`safetensors: tensor '${name}' has dtype ${dtype}; only F32 is supported`);
    const [start, end] = data_offsets;
    const n = shape.reduce((a, b) => a * b, 1);
    if (end - start !== n * 4 || base + end > bytes.length) throw new Error(`safetensors: tensor '${name}' has inconsistent offsets`);
    const data = new Float32Array(n);
    const le = new DataView(bytes.buffer, bytes.byteOffset + base + start, n * 4);
    for (let i = 0; i < n; i++) data[i] = le.getFloat32(i * 4, true);
    arrays.push({ name, shape, data, trainable: !nonTrainable.has(name) });
  }
  return { arrays, metadata };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function checkedShape(name: string, t: Tensor, shape: readonly number[]): Tensor {
  if (!sameShape(t.shape, shape)) throw new Error(`parameter '${name}': shape [${t.shape}] does not match [${shape}]`);
  return t;
}
