import { checkGradients, testValues } from '@ganbench/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { ParamStore } from '../params.js';
import { Rng } from '../rng.js';
import { initMinibatchDiscrimination, minibatchDiscrimination } from './minibatchDiscrimination.js';

/** o(x_i)_b = Σ_j exp(−Σ_c |M_{i,b,c} − M_{j,b,c}|), M_i = x_i·T, in float64 from the paper's definition. */
function reference(x: Float32Array, t: Float32Array, [n, a, b, c]: number[], excludeSelf: boolean): number[][] {
  const m = (i: number, k: number, d: number) => {
    let s = 0;
    for (let f = 0; f < (a as number); f++) s += (x[i * (a as number) + f] as number) * (t[(f * (b as number) + k) * (c as number) + d] as number);
    return s;
  };
  return Array.from({ length: n as number }, (_, i) =>
    Array.from({ length: b as number }, (_, k) => {
      let o = 0;
      for (let j = 0; j < (n as number); j++) {
        if (excludeSelf && j === i) continue;
        let l1 = 0;
        for (let d = 0; d < (c as number); d++) l1 += Math.abs(m(i, k, d) - m(j, k, d));
        o += Math.exp(-l1);
      }
      return o;
    }),
  );
}

describe('minibatch discrimination (Salimans et al. 2016, Sec. 3.2)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each([false, true])('appends o(x_i)_b = Σ_j c_b(x_i, x_j) to the features (excludeSelf %s), as float64 arithmetic does', (excludeSelf) => {
    const [n, a, b, c] = [5, 4, 3, 2];
    const params = new ParamStore();
    initMinibatchDiscrimination(params, 'd/mbd', a, b, c, new Rng(3), 0.5);
    const values = testValues(n * a, 9);
    const x = tf.tensor2d(values, [n, a]);
    const before = tf.memory().numTensors;
    const out = minibatchDiscrimination(params, 'd/mbd', x, { excludeSelf });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(out.shape).toEqual([n, a + b]);
    const data = out.dataSync();
    const expected = reference(values, params.get('d/mbd/kernel').dataSync() as Float32Array, [n, a, b, c], excludeSelf);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < a; f++) expect(data[i * (a + b) + f]).toBe(values[i * a + f]);
      for (let k = 0; k < b; k++) expect(data[i * (a + b) + a + k]).toBeCloseTo(expected[i]?.[k] as number, 5);
    }
    // Identical samples (a collapsed batch) see c_b = 1 for every pair: o = N (N − 1 without self).
    const collapsed = minibatchDiscrimination(params, 'd/mbd', tf.tile(x.slice([0, 0], [1, a]), [n, 1]) as tf.Tensor2D, { excludeSelf });
    for (const v of Array.from(collapsed.slice([0, a], [n, b]).dataSync())) expect(v).toBeCloseTo(excludeSelf ? n - 1 : n, 5);
    tf.dispose([x, out, collapsed]);
    params.dispose();
  });

  it('gradients in f(x) and T, and the gradient of the input gradient (R1, WGAN-GP), match central differences', () => {
    const [n, a, b, c] = [4, 3, 2, 3];
    const params = new ParamStore();
    initMinibatchDiscrimination(params, 'mbd', a, b, c, new Rng(1));
    const s = tf.tensor2d(testValues(n * (a + b), 21), [n, a + b]);
    const r = tf.tensor2d(testValues(n * a, 22), [n, a]);
    // The weight transform hands the layer the T under test, so T is an input of the checked function.
    const objective = (x: tf.Tensor, t: tf.Tensor) =>
      tf.sum(tf.mul(s, minibatchDiscrimination(params, 'mbd', x as tf.Tensor2D, { weightTransform: () => t }))) as tf.Scalar;
    const inputs = [
      { shape: [n, a], values: testValues(n * a, 23) },
      { shape: [a, b, c], values: testValues(a * b * c, 24) },
    ];
    const first = checkGradients(objective, inputs, { h: 1e-3, maxCoordinates: 18 });
    expect(first.maxError).toBeLessThan(2e-3);
    const t = tf.tensor(inputs[1]?.values as Float32Array, [a, b, c]);
    const inputGradient = tf.grad((x: tf.Tensor) => objective(x, t));
    const second = checkGradients((x) => tf.sum(tf.mul(r, inputGradient(x))) as tf.Scalar, [inputs[0] as { shape: number[]; values: Float32Array }], {
      h: 1e-3,
      maxCoordinates: 12,
    });
    expect(second.maxError).toBeLessThan(5e-3);
    tf.dispose([s, r, t]);
    params.dispose();
  });

  it('a feature count that does not match T is refused', () => {
    const params = new ParamStore();
    initMinibatchDiscrimination(params, 'mbd', 4, 2, 2, new Rng(1));
    expect(() => minibatchDiscrimination(params, 'mbd', tf.zeros([3, 5]) as tf.Tensor2D)).toThrow(
      'minibatchDiscrimination mbd: input has 5 features, T expects 4',
    );
    params.dispose();
  });
});
