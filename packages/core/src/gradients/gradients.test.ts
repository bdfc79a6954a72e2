import { checkGradients, testValues } from '@ganbench/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { leakyRelu } from '../layers/activations.js';
import { logSigmoid } from '../ops/logSigmoid.js';
import { PROJECT_GRADIENTS } from './register.js';

/**
 * Each registered gradient is exercised the way a gradient penalty uses it: the first-order
 * gradient g(x) = ∇ₓ Σ S ⊙ op(x)² is formed with tf.grad, then ∇ₓ Σ R ⊙ g(x) is compared with
 * central differences of Σ R ⊙ g(x). Inputs keep away from the kinks of piecewise ops.
 */
function secondOrderCheck(op: (x: tf.Tensor) => tf.Tensor, shape: number[], seed: number, gap = 0) {
  const size = shape.reduce((a, b) => a * b, 1);
  const outShape = tf.tidy(() => op(tf.zeros(shape)).shape);
  const s = tf.tensor(
    testValues(
      outShape.reduce((a, b) => a * b, 1),
      seed + 1,
    ),
    outShape,
  );
  const r = tf.tensor(testValues(size, seed + 2), shape);
  const firstOrder = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(s, tf.square(op(x)))));
  const check = checkGradients((x) => tf.sum(tf.mul(r, firstOrder(x))) as tf.Scalar, [{ shape, values: testValues(size, seed, -1, 1, gap) }]);
  tf.dispose([s, r]);
  return check;
}

const conv = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same');

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`second-order gradients on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('registers only gradients tfjs-core lacks', () => {
      expect(PROJECT_GRADIENTS.map((g) => g.kernelName)).toEqual(
        expect.arrayContaining([
          'Greater',
          'Less',
          'LessEqual',
          'Equal',
          'NotEqual',
          'LogicalAnd',
          'LogicalOr',
          'AvgPoolGrad',
          'ResizeNearestNeighborGrad',
          'Conv2DBackpropFilter',
          'GanbenchLeakyReluGrad',
        ]),
      );
    });

    it('leaky ReLU (its one-kernel gradient, GanbenchLeakyReluGrad, is linear in dy and constant in x)', () => {
      expect(secondOrderCheck((x) => tf.leakyRelu(x, 0.2), [3, 4, 4, 2], 1, 0.05).maxError).toBeLessThan(2e-3);
    });

    it('tfjs-core’s leaky ReLU gradient (where, Greater: a zero gradient) differentiates twice', () => {
      const where = (x: tf.Tensor) => tf.where(tf.greater(x, 0), x, tf.mul(x, 0.2));
      expect(secondOrderCheck(where, [3, 4, 4, 2], 1, 0.05).maxError).toBeLessThan(2e-3);
    });

    it("the layers' leaky ReLU equals max(x, αx) and differentiates twice", () => {
      const x = tf.tensor(testValues(32, 9, -1, 1, 0.05), [32]);
      const expected = tf.maximum(x, tf.mul(x, 0.2));
      expect(Math.max(...tf.abs(tf.sub(leakyRelu(x, 0.2), expected)).dataSync())).toBeLessThan(1e-7);
      tf.dispose([x, expected]);
      expect(secondOrderCheck((v) => leakyRelu(v, 0.2), [3, 4, 4, 2], 1, 0.05).maxError).toBeLessThan(2e-3);
    });

    it('clipByValue (GreaterEqual, LessEqual, LogicalAnd)', () => {
      expect(secondOrderCheck((x) => tf.mul(tf.clipByValue(x, -0.5, 0.5), x), [24], 2, 0.05).maxError).toBeLessThan(2e-3);
    });

    it('maximum', () => {
      expect(secondOrderCheck((x) => tf.mul(tf.maximum(x, tf.mul(x, 0.3)), x), [24], 3, 0.05).maxError).toBeLessThan(2e-3);
    });

    it('average-pool downsampling (AvgPoolGrad)', () => {
      expect(secondOrderCheck((x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'), [2, 4, 4, 3], 4).maxError).toBeLessThan(2e-3);
    });

    it('nearest upsampling (ResizeNearestNeighborGrad)', () => {
      expect(secondOrderCheck((x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [6, 6]), [2, 3, 3, 2], 5).maxError).toBeLessThan(2e-3);
    });

    it('bilinear resize (ResizeBilinearGrad)', () => {
      expect(secondOrderCheck((x) => tf.image.resizeBilinear(x as tf.Tensor4D, [6, 6]), [2, 3, 3, 2], 6).maxError).toBeLessThan(2e-3);
    });

    it('the gradient of a conv weight gradient in the input (Conv2DBackpropFilter)', () => {
      const w = tf.tensor4d(testValues(4 * 4 * 2 * 3, 7), [4, 4, 2, 3]);
      const s = tf.tensor(testValues(2 * 3 * 3 * 3, 8), [2, 3, 3, 3]);
      const r = tf.tensor(testValues(4 * 4 * 2 * 3, 9), [4, 4, 2, 3]);
      const weightGrad = (x: tf.Tensor) => tf.grad((wt: tf.Tensor) => tf.sum(tf.mul(s, tf.square(conv(x, wt)))))(w);
      const check = checkGradients((x) => tf.sum(tf.mul(r, weightGrad(x))) as tf.Scalar, [{ shape: [2, 6, 6, 2], values: testValues(2 * 6 * 6 * 2, 10) }]);
      expect(check.maxError).toBeLessThan(2e-3);
      tf.dispose([w, s, r]);
    });

    it('logSigmoid has the second derivative −σ(x)(1 − σ(x))', () => {
      const xs = [-100, -5, -0.5, 0, 0.5, 5, 100];
      const second = tf
        .grad(tf.grad((x: tf.Tensor) => tf.sum(logSigmoid(x))))(tf.tensor1d(xs))
        .dataSync();
      xs.forEach((x, i) => {
        const sigma = 1 / (1 + Math.exp(-x));
        expect(second[i]).toBeCloseTo(-sigma * (1 - sigma), 6);
      });
      expect(Array.from(logSigmoid(tf.tensor1d([-100, 100])).dataSync())).toEqual([expect.closeTo(-100, 4), expect.closeTo(0, 6)]);
    });
  });
}

describe('nearest-neighbour resize gradient agrees across backends for batch > 1', () => {
  it('cpu (project kernel) equals wasm and the scatter-add definition', async () => {
    const results: number[][] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const images = tf.tensor4d(testValues(2 * 3 * 3 * 2, 21), [2, 3, 3, 2]);
      const dy = tf.tensor4d(testValues(2 * 6 * 6 * 2, 22), [2, 6, 6, 2]);
      const dx = tf.engine().runKernel('ResizeNearestNeighborGrad', { images, dy }, { alignCorners: false, halfPixelCenters: false }) as tf.Tensor;
      results.push(Array.from(dx.dataSync()));
      tf.dispose([images, dy, dx]);
    }
    const dy = testValues(2 * 6 * 6 * 2, 22);
    const expected = new Float64Array(36);
    for (let b = 0; b < 2; b++)
      for (let r = 0; r < 6; r++)
        for (let c = 0; c < 6; c++)
          for (let d = 0; d < 2; d++) {
            const i = ((b * 3 + (r >> 1)) * 3 + (c >> 1)) * 2 + d;
            expected[i] = (expected[i] as number) + (dy[((b * 6 + r) * 6 + c) * 2 + d] as number);
          }
    for (const result of results) {
      result.forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i] as number, 5);
      });
    }
  });

  it("by 2 over channels in fours (wasm's SIMD pass), wasm equals cpu's scatter bit for bit", async () => {
    const results: number[][] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      const images = tf.tensor4d(testValues(2 * 3 * 5 * 8, 23), [2, 3, 5, 8]);
      const dy = tf.tensor4d(testValues(2 * 6 * 10 * 8, 24), [2, 6, 10, 8]);
      for (const halfPixelCenters of [false, true]) {
        const dx = tf.engine().runKernel('ResizeNearestNeighborGrad', { images, dy }, { alignCorners: false, halfPixelCenters }) as tf.Tensor;
        results.push(Array.from(dx.dataSync()));
        dx.dispose();
      }
      tf.dispose([images, dy]);
    }
    expect(results[2]).toEqual(results[0]);
    expect(results[3]).toEqual(results[1]);
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`second order through ops whose tfjs-core gradient reads a saved output, on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    // Before the overrides in savedOutput_grads.ts, each of these threw "Cannot compute gradient" (no path from the
    // first-order gradient back to x) when used alone, and silently lost those terms beside other paths.
    const ops: [string, (x: tf.Tensor) => tf.Tensor, number?][] = [
      ['exp', (x) => tf.exp(x)],
      ['sigmoid', (x) => tf.sigmoid(x)],
      ['tanh', (x) => tf.tanh(x)],
      ['softmax over the last axis (SAGAN attention)', (x) => tf.softmax(x)],
      ['ELU', (x) => tf.elu(x), 0.05],
    ];
    for (const [name, op, gap] of ops) {
      it(`${name}: the gradient of its gradient matches central differences`, () => {
        expect(secondOrderCheck(op, [3, 5], 11, gap).maxError).toBeLessThan(2e-3);
      });
    }

    it('d²/dx² at x = 0.5 against closed forms (eˣ, σ(1−σ)(1−2σ), −2 tanh (1 − tanh²))', async () => {
      const second = (op: (x: tf.Tensor) => tf.Tensor) => tf.grad((x: tf.Tensor) => tf.sum(tf.grad((u: tf.Tensor) => tf.sum(op(u)))(x)));
      const s = 1 / (1 + Math.exp(-0.5));
      const t = Math.tanh(0.5);
      const at = tf.tensor1d([0.5]);
      expect((await second(tf.exp)(at).data())[0]).toBeCloseTo(Math.exp(0.5), 5);
      expect((await second(tf.sigmoid)(at).data())[0]).toBeCloseTo(s * (1 - s) * (1 - 2 * s), 5);
      expect((await second(tf.tanh)(at).data())[0]).toBeCloseTo(-2 * t * (1 - t * t), 5);
      at.dispose();
    });
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Sum, Mean and Tile gradients by broadcast and one reduction (reduction_grads.ts), on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    const shape = [2, 3, 4, 5];
    const size = 2 * 3 * 4 * 5;

    it('∇ Σ S ⊙ sum(x, axes) is S broadcast, and ∇ Σ S ⊙ mean(x, axes) is S / n in float32, bit for bit', () => {
      const s = testValues(2 * 5, 21);
      const x = tf.tensor4d(testValues(size, 22), shape as [number, number, number, number]);
      const weights = tf.tensor4d(s, [2, 1, 1, 5]);
      const viaSum = tf
        .grad((u: tf.Tensor) => tf.sum(tf.mul(weights, tf.sum(u, [1, 2], true))))(x)
        .dataSync();
      const viaMean = tf
        .grad((u: tf.Tensor) => tf.sum(tf.mul(weights, tf.mean(u, [1, 2], true))))(x)
        .dataSync();
      for (let i = 0; i < size; i++) {
        const w = s[Math.floor(i / 60) * 5 + (i % 5)] as number;
        expect(viaSum[i]).toBe(w);
        expect(viaMean[i]).toBe(Math.fround(w / 12));
      }
      tf.dispose([x, weights]);
    });

    it('the gradients run no Multiply by ones: one Tile (a broadcast) for Sum, a RealDiv and a Tile for Mean, one Sum for Tile', async () => {
      const x = tf.tensor4d(testValues(size, 26), shape as [number, number, number, number]);
      // the forward kernel first; reshapes and the gradient seed's copy (Identity) left out
      const kernels = async (f: (u: tf.Tensor) => tf.Tensor) =>
        (await tf.profile(() => tf.grad(f)(x))).kernels.map((k) => k.name).filter((k) => k !== 'Reshape' && k !== 'Identity');
      expect(await kernels((u) => tf.sum(u, [1, 2]))).toEqual(['Sum', 'Tile']);
      expect(await kernels((u) => tf.mean(u, [1, 2]))).toEqual(['Mean', 'RealDiv', 'Tile']);
      expect(await kernels((u) => tf.tile(u, [1, 2, 1, 1]))).toEqual(['Tile', 'Sum']);
      x.dispose();
    });

    it('∇ Σ S ⊙ tile(x, reps) sums the repeated blocks of S (against a float64 loop)', () => {
      const reps = [2, 1, 3, 1];
      const x = tf.tensor4d(testValues(2 * 3 * 2 * 5, 23), [2, 3, 2, 5]);
      const tiledShape = [4, 3, 6, 5];
      const s = testValues(4 * 3 * 6 * 5, 24);
      const weights = tf.tensor4d(s, tiledShape as [number, number, number, number]);
      const grad = tf
        .grad((u: tf.Tensor) => tf.sum(tf.mul(weights, tf.tile(u, reps))))(x)
        .dataSync();
      const expected = new Float64Array(2 * 3 * 2 * 5);
      for (let a = 0; a < 4; a++)
        for (let b = 0; b < 3; b++)
          for (let c = 0; c < 6; c++)
            for (let d = 0; d < 5; d++) {
              const at = (((a % 2) * 3 + b) * 2 + (c % 2)) * 5 + d;
              expected[at] = (expected[at] as number) + (s[((a * 3 + b) * 6 + c) * 5 + d] as number);
            }
      for (let i = 0; i < expected.length; i++) expect(grad[i]).toBeCloseTo(expected[i] as number, 5);
      tf.dispose([x, weights]);
    });

    const ops: [string, (x: tf.Tensor) => tf.Tensor][] = [
      ['sum over the spatial axes', (x) => tf.sum(x, [1, 2])],
      ['mean over the spatial axes and channels (minibatch stddev)', (x) => tf.mean(x, [1, 2, 3])],
      ['tile over the batch and a spatial axis', (x) => tf.tile(x, [2, 1, 3, 1])],
    ];
    for (const [name, op] of ops) {
      it(`${name}: the gradient of its gradient matches central differences`, () => {
        expect(secondOrderCheck(op, shape, 25).maxError).toBeLessThan(2e-3);
      });
    }
  });
}
