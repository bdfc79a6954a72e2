import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/**
 * What a checksum covers: the bytes as served, or the gunzipped content — the latter survives a
 * mirror re-compressing the same data (Debian's Fashion-MNIST .gz files differ from Zalando's, the IDX inside does not).
 */
export type DigestOf = 'file' | 'gunzipped';

/** One file of a dataset at its official location, with the SHA-256 that identifies it. */
export interface RemoteFile {
  name: string;
  sha256: string;
  digestOf: DigestOf;
}

/** The SHA-256 of some bytes in hex, for checking files against a manifest. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The SHA-256 of a file on disk, streamed (optionally through gunzip) so a large archive never sits in memory twice. */
export async function fileSha256(path: string, digestOf: DigestOf = 'file'): Promise<string> {
  const hash = createHash('sha256');
  const sink = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done();
    },
  });
  try {
    if (digestOf === 'gunzipped') await pipeline(createReadStream(path), createGunzip(), sink);
    else await pipeline(createReadStream(path), sink);
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(digestOf === 'gunzipped' ? `${path}: corrupt gzip: ${message}` : `${path}: cannot be read: ${message}`);
  }
  return hash.digest('hex');
}

/** A temporary name beside `dest`, unique per process and call, so a rename into place is atomic and racing downloads never share a file. */
function partName(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
}

/** Fetches a URL, turning network failures and HTTP errors into one message that names the URL. */
async function fetchOk(url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new Error(`download ${url}: ${cause ?? (error as Error).message}`);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new Error(`download ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  }
  return response;
}

/**
 * Downloads `url` to `dest` only if its SHA-256 matches: the body goes to a temporary file beside
 * `dest`, is checked, then renamed into place, so `dest` is either absent or verified — never partial.
 */
export async function downloadFile(url: string, dest: string, expected: { sha256: string; digestOf: DigestOf }): Promise<void> {
  mkdirSync(dirname(dest), { recursive: true });
  const part = partName(dest);
  try {
    const response = await fetchOk(url);
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    await pipeline(body, createWriteStream(part));
    const got = await fileSha256(part, expected.digestOf);
    if (got !== expected.sha256.toLowerCase()) {
      const what = expected.digestOf === 'gunzipped' ? 'sha256 of the gunzipped content' : 'sha256';
      throw new Error(`download ${url}: ${what} mismatch: expected ${expected.sha256}, got ${got}; nothing was written to ${dest}`);
    }
    renameSync(part, dest);
  } finally {
    rmSync(part, { force: true });
  }
}

/** `base` with exactly one trailing slash, so `new URL(name, base)` appends rather than replaces the last segment. */
export function withTrailingSlash(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}

/** Downloads each listed file that `dir` lacks from `baseUrl`, one at a time; returns the paths downloaded. */
export async function ensureFiles(dir: string, baseUrl: string, files: readonly RemoteFile[]): Promise<string[]> {
  const fetched: string[] = [];
  for (const file of files) {
    const dest = join(dir, file.name);
    if (existsSync(dest)) continue;
    await downloadFile(new URL(file.name, withTrailingSlash(baseUrl)).href, dest, file);
    fetched.push(dest);
  }
  return fetched;
}
