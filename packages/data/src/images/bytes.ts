import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** True when the bytes open with the gzip magic 1f 8b, so one reader takes both `x.gz` and `x`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips when the bytes are gzip, else returns them as they are; a corrupt stream fails naming the file. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    throw new Error(`${file}: corrupt gzip: ${(error as Error).message}`);
  }
}

/** Reads a whole file, failing with a message that names it rather than a bare ENOENT. */
export function readBytes(file: string): Uint8Array {
  try {
    const buffer = readFileSync(file);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${file}: not found`);
    if (code === 'EISDIR') throw new Error(`${file}: is a directory, not a file`);
    throw new Error(`${file}: cannot be read: ${(error as Error).message}`);
  }
}
