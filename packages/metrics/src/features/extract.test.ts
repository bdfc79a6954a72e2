import { initBackend, Rng, tf } from '@ganbench/core';
import type { ImageDataset } from '@ganbench/data';
import { describe, expect, it } from 'vitest';
import { classifierOutputs, classifierOutputsAsync, datasetOutputs, datasetOutputsAsync } from './extract.js';
import { loadFeatureClassifier } from './weights.js';

describe('classifier outputs read back asynchronously (the webgpu path)', () => {
  it('are the synchronous ones bit for bit, and leave no tensor behind', async () => {
    await initBackend('cpu');
    const { params } = await loadFeatureClassifier('mnist');
    const rng = new Rng(1);
    const pixels = rng.uniformTensor([7, 28, 28, 1], -1, 1) as tf.Tensor4D;
    const dataset: ImageDataset = {
      name: 'noise',
      split: 'test',
      shape: [28, 28, 1],
      length: 7,
      classes: null,
      batch: (indices) => ({ images: tf.gather(pixels, Array.from(indices)) as tf.Tensor4D, labels: null }),
    };
    const before = tf.memory().numTensors;
    expect(await classifierOutputsAsync(params, pixels)).toEqual(classifierOutputs(params, pixels));
    expect(await datasetOutputsAsync(params, dataset, 5, 3)).toEqual(datasetOutputs(params, dataset, 5, 3));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(pixels);
    params.dispose();
  });
});
