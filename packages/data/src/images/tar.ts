/** One regular file from a tar archive. */
export interface TarEntry {
  name: string;
  data: Uint8Array;
}

const BLOCK = 512;

function text(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8');
}

function octal(bytes: Uint8Array, start: number, length: number, file: string, what: string): number {
  const raw = text(bytes, start, length).trim();
  if (!/^[0-7]*$/.test(raw)) throw new Error(`${file}: corrupt tar: ${what} field '${raw}' is not octal`);
  return raw === '' ? 0 : Number.parseInt(raw, 8);
}

/** Header checksum: the byte sum with the checksum field read as spaces (POSIX ustar). */
function headerChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  return sum;
}

/**
 * Lists the regular files of an uncompressed ustar/GNU tar archive — just enough of the format
 * (long names included) to unpack `cifar-10-binary.tar.gz` without a tar dependency.
 */
export function parseTar(bytes: Uint8Array, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | null = null;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    const stored = octal(header, 148, 8, file, 'checksum');
    if (stored !== headerChecksum(header)) throw new Error(`${file}: corrupt tar: bad header checksum at byte ${offset}`);
    const size = octal(header, 124, 12, file, 'size');
    const type = String.fromCharCode(header[156] as number);
    const prefix = text(header, 257, 6) === 'ustar' ? text(header, 345, 155) : '';
    const name = longName ?? (prefix === '' ? text(header, 0, 100) : `${prefix}/${text(header, 0, 100)}`);
    const start = offset + BLOCK;
    if (start + size > bytes.length) throw new Error(`${file}: truncated: tar entry '${name}' needs ${size} bytes, ${bytes.length - start} remain`);
    const data = bytes.subarray(start, start + size);
    longName = null;
    if (type === 'L') longName = text(data, 0, data.length);
    else if (type === '0' || type === '\0') entries.push({ name, data });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (offset < bytes.length) throw new Error(`${file}: truncated: ${bytes.length - offset} bytes left where a 512-byte tar header belongs`);
  return entries;
}
