import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { initBackend } from '@ganbench/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadCifar10, downloadFile, encodeIdx, ensureFiles, loadImageDataset, type RemoteFile, readIdxLabels, sha256Hex } from '../index.js';

/** What the loopback server serves, by path; anything else is a 404. */
const served = new Map<string, Uint8Array>();
let server: Server;
let base: string;
const root = mkdtempSync(join(tmpdir(), 'ganbench-download-'));

const LABELS = encodeIdx([4], Uint8Array.of(3, 1, 4, 1));
const LABELS_GZ = new Uint8Array(gzipSync(LABELS));

/** A minimal ustar archive of regular files, so the CIFAR-10 unpacking runs on a real tar. */
function tar(files: Record<string, Uint8Array>): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [name, data] of Object.entries(files)) {
    const header = new Uint8Array(512);
    const put = (text: string, at: number) => header.set(Buffer.from(text, 'ascii'), at);
    put(name, 0);
    put('0000644\0', 100);
    put('0000000\0', 108);
    put('0000000\0', 116);
    put(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    put('00000000000\0', 136);
    put('        ', 148);
    put('0', 156);
    put('ustar\0', 257);
    put('00', 263);
    const sum = header.reduce((s, b) => s + b, 0);
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  return Buffer.concat(blocks);
}

beforeAll(async () => {
  await initBackend('cpu');
  server = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404, 'Not Found').end('no such file');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/`;
  served.set('/data/labels.gz', LABELS_GZ);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

/** Everything in a folder, hidden temporaries included, to prove nothing half-written stays. */
function listing(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('download with checksum (loopback HTTP server)', () => {
  it('writes the file when its sha256 matches, leaving no temporary behind', async () => {
    const dir = join(root, 'ok');
    await downloadFile(`${base}labels.gz`, join(dir, 'labels.gz'), { sha256: sha256Hex(LABELS_GZ), digestOf: 'file' });
    expect(listing(dir)).toEqual(['labels.gz']);
    expect(Array.from(readIdxLabels(join(dir, 'labels.gz')))).toEqual([3, 1, 4, 1]);
  });

  it("a 'gunzipped' checksum covers the IDX content, so a re-compressed mirror still verifies", async () => {
    const dir = join(root, 'content');
    served.set('/data/recompressed.gz', new Uint8Array(gzipSync(LABELS, { level: 1 })));
    await downloadFile(`${base}recompressed.gz`, join(dir, 'x.gz'), { sha256: sha256Hex(LABELS), digestOf: 'gunzipped' });
    expect(listing(dir)).toEqual(['x.gz']);
  });

  it('a checksum mismatch fails clearly and writes nothing', async () => {
    const dir = join(root, 'mismatch');
    const wrong = '0'.repeat(64);
    await expect(downloadFile(`${base}labels.gz`, join(dir, 'labels.gz'), { sha256: wrong, digestOf: 'file' })).rejects.toThrow(
      `download ${base}labels.gz: sha256 mismatch: expected ${wrong}, got ${sha256Hex(LABELS_GZ)}; nothing was written to ${join(dir, 'labels.gz')}`,
    );
    expect(listing(dir)).toEqual([]);
  });

  it('a 404 fails naming the URL and status, and writes nothing', async () => {
    const dir = join(root, 'missing');
    await expect(downloadFile(`${base}nope.gz`, join(dir, 'nope.gz'), { sha256: '0'.repeat(64), digestOf: 'file' })).rejects.toThrow(
      `download ${base}nope.gz: HTTP 404 Not Found`,
    );
    expect(listing(dir)).toEqual([]);
  });

  it('a refused connection names the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(downloadFile(`http://127.0.0.1:${port}/x`, join(root, 'refused', 'x'), { sha256: '0'.repeat(64), digestOf: 'file' })).rejects.toThrow(
      `download http://127.0.0.1:${port}/x: `,
    );
  });

  it('ensureFiles fetches only what the folder lacks (base URL with or without a trailing slash)', async () => {
    const dir = join(root, 'ensure');
    const files: RemoteFile[] = [{ name: 'labels.gz', sha256: sha256Hex(LABELS_GZ), digestOf: 'file' }];
    expect(await ensureFiles(dir, base.slice(0, -1), files)).toEqual([join(dir, 'labels.gz')]);
    expect(await ensureFiles(dir, base, files)).toEqual([]);
  });

  it('a dataset whose files are missing downloads into its root, and refuses files that fail the official checksum', async () => {
    const fake = new Uint8Array(gzipSync(encodeIdx([1, 28, 28], new Uint8Array(784))));
    served.set('/fmnist/t10k-images-idx3-ubyte.gz', fake);
    served.set('/fmnist/t10k-labels-idx1-ubyte.gz', new Uint8Array(gzipSync(encodeIdx([1], Uint8Array.of(0)))));
    const dir = join(root, 'fashion');
    const baseUrl = base.replace('/data/', '/fmnist/');
    await expect(loadImageDataset('fashion-mnist', { split: 'test', root: dir, baseUrl })).rejects.toThrow(
      `download ${baseUrl}t10k-images-idx3-ubyte.gz: sha256 of the gunzipped content mismatch: expected 5b4141f0`,
    );
    expect(listing(dir)).toEqual([]);
    await expect(loadImageDataset('fashion-mnist', { split: 'test', root: dir, download: false })).rejects.toThrow(
      `fashion-mnist: t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz) not found in ${dir}`,
    );
  });

  it('mnist with source idx and a 404 mirror fails naming the URL', async () => {
    const dir = join(root, 'mnist');
    await expect(loadImageDataset('mnist', { split: 'train', source: 'idx', root: dir, baseUrl: `${base}nothing/` })).rejects.toThrow(
      `download ${base}nothing/train-images-idx3-ubyte.gz: HTTP 404 Not Found`,
    );
    expect(listing(dir)).toEqual([]);
  });

  it('CIFAR-10: the checksummed archive is fetched, unpacked into cifar-10-batches-bin and removed', async () => {
    const record = (label: number) => Uint8Array.from({ length: 3073 }, (_, i) => (i === 0 ? label : i % 256));
    const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
    const archive = new Uint8Array(
      gzipSync(
        tar(
          Object.fromEntries([
            ...names.map((n, b) => [`cifar-10-batches-bin/${n}`, record(b)]),
            ['cifar-10-batches-bin/batches.meta.txt', Buffer.from('airplane\n')],
          ]),
        ),
      ),
    );
    served.set('/kriz/cifar-10-binary.tar.gz', archive);
    const dir = join(root, 'cifar');
    const spec: RemoteFile = { name: 'cifar-10-binary.tar.gz', sha256: sha256Hex(archive), digestOf: 'file' };
    await downloadCifar10(dir, base.replace('/data/', '/kriz/'), spec);
    expect(listing(dir)).toEqual(['cifar-10-batches-bin']);
    expect(listing(join(dir, 'cifar-10-batches-bin'))).toEqual(['batches.meta.txt', ...names]);
    expect(readFileSync(join(dir, 'cifar-10-batches-bin', 'test_batch.bin'))[0]).toBe(5);
    const train = await loadImageDataset('cifar10', { split: 'train', root: dir, download: false });
    const { images, labels } = train.batch([0, 4]);
    expect(labels?.arraySync()).toEqual([0, 4]);
    images.dispose();
    labels?.dispose();
    await expect(downloadCifar10(join(root, 'cifar-bad'), base.replace('/data/', '/kriz/'))).rejects.toThrow('sha256 mismatch: expected c4a38c50');
    expect(listing(join(root, 'cifar-bad'))).toEqual([]);
  });
});
