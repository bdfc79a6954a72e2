import { readFileSync } from 'node:fs';
import { unzipSync, type Zippable, zipSync } from 'fflate';
import { encodeNpy, type NpyArray, parseNpy, writeFileAtomic } from './npy.js';

/** An array to store in an .npz: row-major values and their shape. */
export interface NpzEntry {
  data: ArrayLike<number>;
  shape: number[];
  dtype?: 'float32' | 'float64';
}

/**
 * Parses .npz bytes (a zip of .npy files, as np.savez and np.savez_compressed write them, stored or
 * deflated) into arrays keyed by name without the .npy suffix; errors name `source`.
 */
export function parseNpz(bytes: Uint8Array, source: string): Record<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    throw new Error(`${source}: not a readable .npz (zip) archive: ${(error as Error).message}`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, content] of Object.entries(files)) {
    if (!name.endsWith('.npy')) continue;
    out[name.slice(0, -4)] = parseNpy(content, `${source}:${name}`);
  }
  return out;
}

/** .npz bytes of the given arrays; deflated like np.savez_compressed unless `compress` is false (np.savez). */
export function encodeNpz(arrays: Record<string, NpzEntry>, options: { compress?: boolean } = {}): Uint8Array {
  const files: Zippable = {};
  for (const [name, entry] of Object.entries(arrays)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`npz key '${name}': use a Python identifier (letters, digits, _), as np.load expects`);
    files[`${name}.npy`] = encodeNpy(entry.data, entry.shape, entry.dtype ?? 'float64');
  }
  return zipSync(files, { level: options.compress === false ? 0 : 6 });
}

/** Reads an .npz file; errors name the file (and the member for a bad .npy inside). */
export function readNpz(path: string): Record<string, NpyArray> {
  return parseNpz(readFileSync(path), path);
}

/** Writes an .npz file (atomically). */
export function writeNpz(path: string, arrays: Record<string, NpzEntry>, options: { compress?: boolean } = {}): void {
  writeFileAtomic(path, encodeNpz(arrays, options));
}
