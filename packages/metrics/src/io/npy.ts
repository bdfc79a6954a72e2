import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Element types read from .npy; floats are what features and statistics use, integers hold counts. */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64';

/** An array read from .npy: values widened to float64, in C (row-major) order whatever the file's order. */
export interface NpyArray {
  data: Float64Array;
  shape: number[];
  /** The element type stored in the file. */
  dtype: NpyDtype;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DESCR: Record<string, { dtype: NpyDtype; size: number }> = {
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
};
const ALLOWED = "'<f4', '<f8', '<i4', '<i8' (or big-endian '>')";

/** The header's Python dict literal: descr, fortran_order and shape. */
function parseHeader(header: string, source: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new Error(`${source}: malformed .npy header ${JSON.stringify(header.trim())}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0) throw new Error(`${source}: malformed shape (${shapeText}) in the .npy header`);
      return v;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/** Row-major copy of a Fortran-ordered (column-major) array. */
function toC(data: Float64Array, shape: number[]): Float64Array {
  if (shape.length < 2) return data;
  const out = new Float64Array(data.length);
  const strides = shape.map((_, axis) => shape.slice(0, axis).reduce((a, b) => a * b, 1));
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < data.length; flat++) {
    let at = 0;
    for (let axis = 0; axis < shape.length; axis++) at += (index[axis] as number) * (strides[axis] as number);
    out[flat] = data[at] as number;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index[axis] = (index[axis] as number) + 1;
      if ((index[axis] as number) < (shape[axis] as number)) break;
      index[axis] = 0;
    }
  }
  return out;
}

/** Reads `count` elements of `type` starting at byte `start`. */
function decode(bytes: Uint8Array, start: number, count: number, type: { dtype: NpyDtype; size: number }, little: boolean): Float64Array {
  const out = new Float64Array(count);
  const at = bytes.byteOffset + start;
  // aligned little-endian floats: a typed-array view copies at memory speed
  if (little && at % type.size === 0 && (type.dtype === 'float32' || type.dtype === 'float64')) {
    out.set(type.dtype === 'float32' ? new Float32Array(bytes.buffer, at, count) : new Float64Array(bytes.buffer, at, count));
    return out;
  }
  const view = new DataView(bytes.buffer, at, count * type.size);
  for (let i = 0; i < count; i++) {
    const o = i * type.size;
    if (type.dtype === 'float32') out[i] = view.getFloat32(o, little);
    else if (type.dtype === 'float64') out[i] = view.getFloat64(o, little);
    else if (type.dtype === 'int32') out[i] = view.getInt32(o, little);
    else out[i] = Number(view.getBigInt64(o, little));
  }
  return out;
}

/** Parses .npy bytes (format versions 1.0, 2.0, 3.0); errors name `source` (the file) and what is allowed. */
export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${source}: not a NumPy .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6] as number;
  if (major < 1 || major > 3) throw new Error(`${source}: .npy format version ${major}.${bytes[7]} is not supported; versions 1.0, 2.0 and 3.0 are`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new Error(`${source}: truncated .npy file (${bytes.length} bytes, header length missing)`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLength;
  if (bytes.length < dataStart) throw new Error(`${source}: truncated .npy file: the header needs ${dataStart} bytes, the file has ${bytes.length}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, dataStart));
  const { descr, fortran, shape } = parseHeader(header, source);
  const order = descr[0];
  const type = DESCR[descr.slice(1)];
  if (type === undefined || !(order === '<' || order === '>' || order === '=' || order === '|'))
    throw new Error(`${source}: dtype '${descr}' is not supported; use ${ALLOWED}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const needed = dataStart + count * type.size;
  if (bytes.length < needed) {
    throw new Error(
      `${source}: truncated .npy file: shape (${shape.join(', ')}) of '${descr}' needs ${needed - dataStart} data bytes, the file has ${bytes.length - dataStart}`,
    );
  }
  const data = decode(bytes, dataStart, count, type, order !== '>');
  return { data: fortran ? toC(data, shape) : data, shape, dtype: type.dtype };
}

/** The header dict numpy writes, padded with spaces and a newline so the data starts 64-byte aligned. */
function header(descr: string, shape: number[]): Uint8Array {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  const prefix = dict.length + 1 + 10 < 65536 ? 10 : 12;
  const padded = `${dict}${' '.repeat((64 - ((prefix + dict.length + 1) % 64)) % 64)}\n`;
  const out = new Uint8Array(prefix + padded.length);
  out.set(MAGIC);
  out[6] = prefix === 10 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (prefix === 10) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) out[prefix + i] = padded.charCodeAt(i);
  return out;
}

/** .npy bytes (version 1.0, or 2.0 for huge headers; C order, little-endian) of row-major data of the given shape. */
export function encodeNpy(data: ArrayLike<number>, shape: number[], dtype: 'float32' | 'float64' = 'float64'): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`shape (${shape.join(', ')}): dimensions must be non-negative integers`);
  if (data.length !== count) throw new Error(`data: ${data.length} values do not fill shape (${shape.join(', ')})`);
  const head = header(dtype === 'float32' ? '<f4' : '<f8', shape);
  const size = dtype === 'float32' ? 4 : 8;
  const out = new Uint8Array(head.length + count * size);
  out.set(head);
  const view = new DataView(out.buffer, head.length);
  for (let i = 0; i < count; i++) {
    if (size === 4) view.setFloat32(4 * i, data[i] as number, true);
    else view.setFloat64(8 * i, data[i] as number, true);
  }
  return out;
}

/** Writes bytes to a temporary sibling, then renames: a crash never leaves a half-written file at `path`. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Reads a .npy file; errors name the file. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), path);
}

/** Writes a .npy file (atomically). */
export function writeNpy(path: string, data: ArrayLike<number>, shape: number[], dtype: 'float32' | 'float64' = 'float64'): void {
  writeFileAtomic(path, encodeNpy(data, shape, dtype));
}

/** A .npy file as a 2-D feature matrix (samples × dimensions) for fid(); errors name the file. */
export function readFeatures(path: string): { data: Float64Array; dim: number; n: number } {
  const { data, shape } = readNpy(path);
  if (shape.length !== 2) throw new Error(`${path}: features must be a 2-D array (samples × dimensions); its shape is (${shape.join(', ')})`);
  const [n, dim] = shape as [number, number];
  if (dim < 1) throw new Error(`${path}: features have shape (${n}, ${dim}); a feature dimension of at least 1 is needed`);
  return { data, dim, n };
}
