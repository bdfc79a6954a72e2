import { maybeGunzip, readBytes } from './bytes.js';
import type { ImageArray } from './store.js';

/** Magic number of an IDX file of unsigned bytes with 3 dimensions (images: n × rows × cols). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** An IDX array: its dimensions and its bytes, row-major. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function describeMagic(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return 'IDX unsigned-byte images';
  if (magic === IDX_LABELS_MAGIC) return 'IDX unsigned-byte labels';
  return `IDX unsigned bytes, ${magic & 0xff} dimensions`;
}

/**
 * Parses an uncompressed IDX buffer (LeCun's MNIST format: big-endian magic, dims, then bytes),
 * checking the magic, the header and that the data is exactly as long as the dims say, so a
 * truncated or padded download never reaches training.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedMagic: number): IdxArray {
  if (bytes.length < 4) throw new Error(`${file}: truncated: expected at least a 4-byte IDX magic number, got ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    throw new Error(`${file}: wrong magic number ${hex(magic)}, expected ${hex(expectedMagic)} (${describeMagic(expectedMagic)})`);
  }
  const ndims = magic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new Error(`${file}: truncated: expected a ${headerBytes}-byte header, got ${bytes.length} bytes`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const got = bytes.length - headerBytes;
  if (got < expected) throw new Error(`${file}: truncated: expected ${expected} bytes of data, got ${got}`);
  if (got > expected) throw new Error(`${file}: ${got - expected} unexpected bytes after the ${expected} bytes of data the header announces`);
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Parses IDX images (gzip or raw) into one grayscale `ImageArray`. */
export function parseIdxImages(bytes: Uint8Array, file: string): ImageArray {
  const { dims, data } = parseIdx(maybeGunzip(bytes, file), file, IDX_IMAGES_MAGIC);
  const [count, height, width] = dims as [number, number, number];
  if (height === 0 || width === 0) throw new Error(`${file}: images of ${height}×${width} pixels are empty`);
  return { count, height, width, channels: 1, pixels: data };
}

/** Parses IDX labels (gzip or raw). */
export function parseIdxLabels(bytes: Uint8Array, file: string): Uint8Array {
  return parseIdx(maybeGunzip(bytes, file), file, IDX_LABELS_MAGIC).data;
}

/** Reads an IDX image file from disk, gzip detected by its magic bytes rather than its name. */
export function readIdxImages(file: string): ImageArray {
  return parseIdxImages(readBytes(file), file);
}

/** Reads an IDX label file from disk, gzip detected by its magic bytes rather than its name. */
export function readIdxLabels(file: string): Uint8Array {
  return parseIdxLabels(readBytes(file), file);
}

/** Writes an unsigned-byte IDX buffer, so tests and converters can produce the format they read. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new Error(`encodeIdx: dims ${dims.join('×')} need ${expected} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length, false);
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** Checks that labels and images pair up and lie in [0, classes), naming both files when they do not. */
export function checkLabels(labels: Uint8Array, count: number, classes: number, labelsFile: string, imagesFile: string): void {
  if (labels.length !== count) throw new Error(`${labelsFile}: ${labels.length} labels for ${count} images in ${imagesFile}`);
  const bad = labels.findIndex((l) => l >= classes);
  if (bad >= 0) throw new Error(`${labelsFile}: label ${labels[bad]} at index ${bad} is outside 0…${classes - 1}`);
}
