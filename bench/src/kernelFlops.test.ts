import { initBackend, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernelFlops } from './kernelFlops.js';

// DCGAN's D conv2 (14×14×64 → 7×7×128, k4 s2 'same', batch 64): 2·N·OH·OW·Co·kh·kw·Ci for the
// convolution and each of its gradients, the same count three ways.
const N = 64;
const CONV = 2 * N * 7 * 7 * 128 * 4 * 4 * 64;

describe('kernelFlops from the shapes tf.profile records', () => {
  it('a convolution and both its gradients: 2·N·OH·OW·Co·kh·kw·Ci', () => {
    expect(
      kernelFlops(
        'Conv2D',
        [
          [N, 14, 14, 64],
          [4, 4, 64, 128],
        ],
        [[N, 7, 7, 128]],
      ),
    ).toBe(CONV);
    expect(kernelFlops('FusedConv2D', [[N, 14, 14, 64], [4, 4, 64, 128], [128]], [[N, 7, 7, 128]])).toBe(CONV);
    expect(
      kernelFlops(
        'Conv2DBackpropFilter',
        [
          [N, 14, 14, 64],
          [N, 7, 7, 128],
        ],
        [[4, 4, 64, 128]],
      ),
    ).toBe(CONV);
    expect(
      kernelFlops(
        'Conv2DBackpropInput',
        [
          [N, 7, 7, 128],
          [4, 4, 64, 128],
        ],
        [[N, 14, 14, 64]],
      ),
    ).toBe(CONV);
  });

  it('matrix products: 2·batch·M·N·K whether a is transposed or not, a batch broadcast or not', () => {
    expect(
      kernelFlops(
        'BatchMatMul',
        [
          [1, 128, 16],
          [1, 16, 64],
        ],
        [[1, 128, 64]],
      ),
    ).toBe(2 * 128 * 64 * 16);
    expect(
      kernelFlops(
        'BatchMatMul',
        [
          [1, 16, 128],
          [1, 16, 64],
        ],
        [[1, 128, 64]],
      ),
    ).toBe(2 * 128 * 64 * 16);
    expect(
      kernelFlops(
        'BatchMatMul',
        [
          [8, 64, 32],
          [8, 32, 64],
        ],
        [[8, 64, 64]],
      ),
    ).toBe(2 * 8 * 64 * 64 * 32);
    expect(
      kernelFlops(
        'BatchMatMul',
        [
          [1, 64, 32],
          [8, 32, 64],
        ],
        [[8, 64, 64]],
      ),
    ).toBe(2 * 8 * 64 * 64 * 32);
    expect(kernelFlops('_FusedMatMul', [[1, 5, 7], [1, 7, 3], [3]], [[1, 5, 3]])).toBe(2 * 5 * 3 * 7);
  });

  it('other kernels are timed, not counted', () => {
    expect(kernelFlops('Add', [[4], [4]], [[4]])).toBeNull();
    expect(kernelFlops('Conv2D', [[1, 4, 4, 1], null], [[1, 4, 4, 1]])).toBeNull();
  });

  describe('on what tf.profile records for a conv layer and a dense layer with their gradients', () => {
    beforeAll(async () => {
      await initBackend('cpu');
    });

    it('sums to the closed form of forward + weight gradient + input gradient', async () => {
      const x = tf.randomNormal([2, 8, 8, 3]);
      const w = tf.randomNormal([3, 3, 3, 5]);
      const a = tf.randomNormal([4, 6]);
      const b = tf.randomNormal([6, 7]);
      const info = await tf.profile(() => {
        const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor) =>
          tf.add(tf.sum(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 2, 'same')), tf.sum(tf.matMul(ai as tf.Tensor2D, bi as tf.Tensor2D))),
        )([x, w, a, b]);
        tf.dispose(grads);
      });
      const counted = (name: string) =>
        info.kernels.filter((k) => k.name === name).reduce((s, k) => s + (kernelFlops(k.name, k.inputShapes, k.outputShapes) as number), 0);
      const conv = 2 * 2 * 4 * 4 * 5 * 3 * 3 * 3; // N·OH·OW·Co·kh·kw·Ci, output 4×4
      expect(counted('Conv2D')).toBe(conv);
      expect(counted('Conv2DBackpropFilter')).toBe(conv);
      expect(counted('Conv2DBackpropInput')).toBe(conv);
      expect(counted('BatchMatMul')).toBe(3 * 2 * 4 * 6 * 7); // a·b, dy·bᵀ, aᵀ·dy
      tf.dispose([x, w, a, b]);
    });
  });
});
