import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@ganbench/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_SPLIT_FILES, loadImageDataset, parseCifar10Batch } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'ganbench-cifar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The byte at channel c, row y, column x of record r: distinct enough that a CHW/HWC mix-up shows. */
function value(r: number, c: number, y: number, x: number): number {
  return (r * 7 + c * 85 + y * 3 + x) % 256;
}

/** Writes records in the official layout: label byte, then the R, G and B planes, each 32×32 row-major. */
function cifarRecords(labels: readonly number[], first: number): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, k) => {
    const at = k * 3073;
    out[at] = label;
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[at + 1 + c * 1024 + y * 32 + x] = value(first + k, c, y, x);
  });
  return out;
}

beforeAll(async () => {
  await initBackend('cpu');
  // train: batches of 1, 2, 1, 1, 1 records (label = record number) inside cifar-10-batches-bin/, as the archive unpacks
  const bin = join(dir, 'cifar-10-batches-bin');
  mkdirSync(bin);
  const sizes = [1, 2, 1, 1, 1];
  let r = 0;
  CIFAR10_SPLIT_FILES.train.forEach((name, b) => {
    const labels = Array.from({ length: sizes[b] as number }, (_, k) => r + k);
    writeFileSync(join(bin, name), cifarRecords(labels, r));
    r += labels.length;
  });
  writeFileSync(join(bin, 'test_batch.bin'), cifarRecords([9, 8], 100));
});

describe('CIFAR-10 binary reader', () => {
  it('records become HWC images in [−1, 1]; train concatenates data_batch_1…5 in order', async () => {
    const train = await loadImageDataset('cifar10', { split: 'train', root: dir, download: false });
    expect(train.length).toBe(6);
    expect(train.shape).toEqual([32, 32, 3]);
    expect(train.classes).toBe(10);
    const { images, labels } = train.batch([0, 1, 2, 3, 4, 5]);
    expect(labels?.arraySync()).toEqual([0, 1, 2, 3, 4, 5]);
    const data = images.dataSync();
    images.dispose();
    labels?.dispose();
    for (let r = 0; r < 6; r++) {
      for (const [y, x] of [
        [0, 0],
        [5, 17],
        [31, 31],
      ] as const) {
        for (let c = 0; c < 3; c++) expect(data[((r * 32 + y) * 32 + x) * 3 + c]).toBe(Math.fround(value(r, c, y, x) / 127.5 - 1));
      }
    }
  });

  it('test is test_batch.bin; channels: 1 gives luma', async () => {
    const test = await loadImageDataset('cifar10', { split: 'test', root: dir, download: false, channels: 1 });
    expect([test.length, ...test.shape]).toEqual([2, 32, 32, 1]);
    const { images, labels } = test.batch([1]);
    expect(labels?.arraySync()).toEqual([8]);
    const y = 0.299 * value(101, 0, 0, 0) + 0.587 * value(101, 1, 0, 0) + 0.114 * value(101, 2, 0, 0);
    expect(images.dataSync()[0]).toBeCloseTo(y / 127.5 - 1, 6);
    images.dispose();
    labels?.dispose();
  });

  it('a truncated batch file names itself; a label above 9 is refused', () => {
    const whole = cifarRecords([1, 2], 0);
    const path = join(dir, 'data_batch_3.bin');
    expect(() => parseCifar10Batch(whole.subarray(0, whole.length - 5), path)).toThrow(
      `${path}: truncated: 6141 bytes is not a whole number of 3073-byte records (1 records and 3068 bytes)`,
    );
    expect(() => parseCifar10Batch(cifarRecords([1, 10], 0), 'x.bin')).toThrow('x.bin: label 10 of record 1 is outside 0…9');
  });

  it('a truncated file on disk fails the load naming it', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'test_batch.bin'), cifarRecords([3], 0).subarray(0, 3000));
    await expect(loadImageDataset('cifar10', { split: 'test', root: bad, download: false })).rejects.toThrow(
      `${join(bad, 'test_batch.bin')}: truncated: 3000 bytes`,
    );
  });

  it('missing files with downloads off list where they were looked for', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(loadImageDataset('cifar10', { split: 'train', root: empty, download: false })).rejects.toThrow(
      `cifar10: train batch files not found in ${empty}`,
    );
  });
});
