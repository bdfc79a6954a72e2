import { checkGradients, testValues } from '@ganbench/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { minibatchStddev } from './minibatchStddev.js';

/** The statistic in float64 by its definition: group j = {j, j + N/G, …}, population std per feature, √(var + ε), averaged. */
function reference(values: Float32Array, [n, h, w, c]: [number, number, number, number], groupSize: number): number[] {
  const features = h * w * c;
  const groups = n / groupSize;
  return Array.from({ length: n }, (_, sample) => {
    const members = Array.from({ length: groupSize }, (_, k) => (sample % groups) + k * groups);
    let total = 0;
    for (let f = 0; f < features; f++) {
      const x = members.map((m) => values[m * features + f] as number);
      const mu = x.reduce((a, b) => a + b, 0) / groupSize;
      total += Math.sqrt(x.reduce((a, b) => a + (b - mu) ** 2, 0) / groupSize + 1e-8);
    }
    return total / features;
  });
}

describe('minibatch standard deviation (Karras et al. 2018)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each([
    { shape: [6, 2, 2, 3], groupSize: 2 },
    { shape: [8, 3, 3, 5], groupSize: 4 },
    { shape: [3, 2, 2, 1], groupSize: 4 },
  ])('appends the group statistic of float64 arithmetic as a constant channel: $shape in groups of $groupSize', ({ shape, groupSize }) => {
    const [n, h, w, c] = shape as [number, number, number, number];
    const values = testValues(n * h * w * c, 7);
    const x = tf.tensor4d(values, [n, h, w, c]);
    const out = minibatchStddev(x, groupSize);
    expect(out.shape).toEqual([n, h, w, c + 1]);
    const data = out.dataSync();
    const expected = reference(values, [n, h, w, c], Math.min(groupSize, n));
    for (let i = 0; i < n; i++)
      for (let p = 0; p < h * w; p++) {
        expect(data[(i * h * w + p) * (c + 1) + c]).toBeCloseTo(expected[i] as number, 6);
        for (let k = 0; k < c; k++) expect(data[(i * h * w + p) * (c + 1) + k]).toBe(values[(i * h * w + p) * c + k]);
      }
    tf.dispose([x, out]);
  });

  it('its gradient and the gradient of its input gradient (what R1 and WGAN-GP take) match central differences', () => {
    const shape = [4, 2, 2, 3];
    const size = 48;
    const s = tf.tensor(testValues(4 * 2 * 2 * 4, 11), [4, 2, 2, 4]);
    const r = tf.tensor(testValues(size, 12), shape);
    const objective = (x: tf.Tensor) => tf.sum(tf.mul(s, tf.square(minibatchStddev(x as tf.Tensor4D, 2)))) as tf.Scalar;
    const first = checkGradients(objective, [{ shape, values: testValues(size, 10) }], { h: 1e-2, maxCoordinates: 48 });
    const inputGradient = tf.grad(objective);
    const second = checkGradients((x) => tf.sum(tf.mul(r, inputGradient(x))) as tf.Scalar, [{ shape, values: testValues(size, 10) }], {
      h: 1e-2,
      maxCoordinates: 48,
    });
    expect(first.maxError).toBeLessThan(1e-4); // measured 9e-6
    expect(second.maxError).toBeLessThan(1e-3); // measured 7e-5
    tf.dispose([s, r]);
  });

  it('a batch that does not split into groups is refused', () => {
    expect(() => minibatchStddev(tf.zeros([6, 2, 2, 1]) as tf.Tensor4D, 4)).toThrow('minibatchStddev: batch size 6 is not divisible by the group size 4');
  });
});
