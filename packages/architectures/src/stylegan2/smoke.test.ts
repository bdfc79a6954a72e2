import { initBackend, tf } from '@ganbench/core';
import { describe, expect, it } from 'vitest';
import { upsample2d } from './resample.js';

for (const backend of ['cpu', 'wasm'] as const)
describe('smoke ' + backend, () => {
  it('runs', async () => {
    await initBackend(backend);
    const x = tf.randomNormal([32, 32, 32, 64]) as tf.Tensor4D;
    const k1 = tf.ones([4, 1, 1, 1]) as tf.Tensor4D;
    const ops: [string, (a: tf.Tensor4D) => tf.Tensor][] = [
      ['up-slices', (a) => upsample2d(a)],
      ['slice', (a) => tf.slice(a, [0, 1, 0, 0], [32, 30, 32, 64])],
      ['slice-w', (a) => tf.slice(a, [0, 0, 1, 0], [32, 32, 30, 64])],
      ['pad', (a) => tf.pad(a, [[0, 0], [1, 1], [1, 1], [0, 0]])],
      ['transpose', (a) => tf.transpose(a, [0, 3, 1, 2])],
      ['conv1ch', (a) => tf.conv2d(tf.reshape(a, [32 * 64, 32, 32, 1]) as tf.Tensor4D, k1, 1, 'same')],
      ['convT1ch', (a) => tf.conv2dTranspose(tf.reshape(a, [32 * 64, 32, 32, 1]) as tf.Tensor4D, tf.ones([4, 4, 1, 1]) as tf.Tensor4D, [32 * 64, 64, 64, 1], 2, 'same')],
      ['depthwise', (a) => tf.depthwiseConv2d(a, tf.ones([3, 3, 64, 1]) as tf.Tensor4D, 1, 'same')],
      ['conv64', (a) => tf.conv2d(a, tf.ones([3, 3, 64, 64]) as tf.Tensor4D, 1, 'same')],
      ['resizeNN', (a) => tf.image.resizeNearestNeighbor(a, [64, 64])],
      ['avgpool', (a) => tf.avgPool(a, 2, 2, 'valid')],
      ['matmulH', (a) => tf.matMul(tf.ones([32, 64, 32]), tf.reshape(a, [32, 32, 32 * 64]))],
    ];
    for (const [name, f] of ops) {
      f(x).dispose();
      const t = Date.now();
      const y = f(x);
      y.dataSync();
      console.log(backend, name, Date.now() - t);
      y.dispose();
    }
    expect(true).toBe(true);
  });
});
