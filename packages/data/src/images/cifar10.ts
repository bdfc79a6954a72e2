import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { maybeGunzip, readBytes } from './bytes.js';
import { downloadFile, type RemoteFile, withTrailingSlash } from './download.js';
import type { IdxSplit } from './mnistIdx.js';
import type { ImageArray } from './store.js';
import { parseTar } from './tar.js';

/** Files of each split in the binary version, in the order the official loaders concatenate them. */
export const CIFAR10_SPLIT_FILES: Readonly<Record<IdxSplit, readonly string[]>> = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
};

/** The folder the official archive unpacks to. */
export const CIFAR10_BATCHES_DIR = 'cifar-10-batches-bin';

/** One record: a label byte, then 1024 red, 1024 green and 1024 blue bytes (each plane row-major 32×32). */
export const CIFAR10_RECORD_BYTES = 1 + 3 * 32 * 32;

/** Official location (Krizhevsky's page). */
export const CIFAR10_BASE_URL = 'https://www.cs.toronto.edu/~kriz/';

/** The binary archive, 170,052,171 bytes; SHA-256 as TFDS and others publish it (MD5 c32a1d4ab5d03f1284b67883e8d87530 on the official page). */
export const CIFAR10_ARCHIVE: RemoteFile = {
  name: 'cifar-10-binary.tar.gz',
  sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
  digestOf: 'file',
};

/** Parses one `*.bin` batch into HWC bytes: the format stores planes (CHW), every consumer here wants pixels (HWC). */
export function parseCifar10Batch(bytes: Uint8Array, file: string): { images: ImageArray; labels: Uint8Array } {
  if (bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
    throw new Error(
      `${file}: truncated: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records (${whole} records and ${bytes.length % CIFAR10_RECORD_BYTES} bytes)`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const pixels = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const at = r * CIFAR10_RECORD_BYTES;
    const label = bytes[at] as number;
    if (label > 9) throw new Error(`${file}: label ${label} of record ${r} is outside 0…9`);
    labels[r] = label;
    const base = r * 3072;
    for (let p = 0; p < 1024; p++) {
      pixels[base + 3 * p] = bytes[at + 1 + p] as number;
      pixels[base + 3 * p + 1] = bytes[at + 1 + 1024 + p] as number;
      pixels[base + 3 * p + 2] = bytes[at + 1 + 2048 + p] as number;
    }
  }
  return { images: { count, height: 32, width: 32, channels: 3, pixels }, labels };
}

/** Reads and concatenates batch files in the given order. */
export function readCifar10Files(files: readonly string[]): { images: ImageArray; labels: Uint8Array } {
  const parts = files.map((file) => parseCifar10Batch(readBytes(file), file));
  const count = parts.reduce((s, p) => s + p.images.count, 0);
  const pixels = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const part of parts) {
    pixels.set(part.images.pixels, n * 3072);
    labels.set(part.labels, n);
    n += part.images.count;
  }
  return { images: { count, height: 32, width: 32, channels: 3, pixels }, labels };
}

/** The split's batch files in `dir` or in `dir/cifar-10-batches-bin`, or null when any is missing. */
export function cifar10SplitIn(dir: string, split: IdxSplit): string[] | null {
  for (const folder of [dir, join(dir, CIFAR10_BATCHES_DIR)]) {
    const files = CIFAR10_SPLIT_FILES[split].map((name) => join(folder, name));
    if (files.every((f) => existsSync(f))) return files;
  }
  return null;
}

/** The first directory holding the split. */
export function findCifar10Split(dirs: readonly string[], split: IdxSplit): string[] | null {
  for (const dir of dirs) {
    const found = cifar10SplitIn(dir, split);
    if (found !== null) return found;
  }
  return null;
}

/** Unpacks the archive's `*.bin` and `*.txt` files into `dir/cifar-10-batches-bin` via a temporary folder renamed into place. */
export function unpackCifar10Archive(archive: string, dir: string): void {
  const entries = parseTar(maybeGunzip(readBytes(archive), archive), archive);
  const wanted = entries.filter((e) => /(^|\/)[^/]+\.(bin|txt)$/.test(e.name));
  const names = new Set(wanted.map((e) => e.name.split('/').pop()));
  const missing = [...CIFAR10_SPLIT_FILES.train, ...CIFAR10_SPLIT_FILES.test].filter((f) => !names.has(f));
  if (missing.length > 0) throw new Error(`${archive}: archive lacks ${missing.join(', ')}`);
  const target = join(dir, CIFAR10_BATCHES_DIR);
  const temp = join(dir, `.${CIFAR10_BATCHES_DIR}.${process.pid}.part`);
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  try {
    for (const entry of wanted) writeFileSync(join(temp, entry.name.split('/').pop() as string), entry.data);
    rmSync(target, { recursive: true, force: true });
    renameSync(temp, target);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Downloads the checksummed archive into `dir`, unpacks it, then deletes it (≈170 MB) once its files are in place. */
export async function downloadCifar10(dir: string, baseUrl: string = CIFAR10_BASE_URL, archive: RemoteFile = CIFAR10_ARCHIVE): Promise<void> {
  const path = join(dir, archive.name);
  if (!existsSync(path)) await downloadFile(new URL(archive.name, withTrailingSlash(baseUrl)).href, path, archive);
  unpackCifar10Archive(path, dir);
  rmSync(path, { force: true });
}
