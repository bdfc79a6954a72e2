import { initBackend, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss } from '../index.js';
import { beganDiscriminatorLoss, beganUpdate } from './began.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
// Logits of an autoencoder D: −energy, so ≤ 0.
const REAL = [-0.25, -0.5, -0.125, -0.375];
const FAKE = [-0.75, -1.5, -0.5, -1.25];
const L_REAL = mean(REAL.map((v) => -v));
const L_FAKE = mean(FAKE.map((v) => -v));
const read = (t: tf.Tensor) => t.dataSync()[0] as number;
const context = (k: number) => ({ real: tf.zeros([4, 2]), fake: tf.zeros([4, 2]), state: { k: tf.scalar(k) } });

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`began on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('L_D = L(x) − k_t·L(G(z)) with the carried k_t, L_G = L(G(z)), L = −logit (Berthelot et al. 2017, Eq. 4)', () => {
      const loss = createLoss('began');
      const [d, dWithK, g] = tf.tidy(() => {
        const real = tf.tensor1d(REAL);
        const fake = tf.tensor1d(FAKE);
        return [read(loss.discriminatorLoss(real, fake)), read(loss.discriminatorLoss(real, fake, context(0.3))), read(loss.generatorLoss(fake, real))];
      });
      // No context: k_0 = 0.
      expect(d).toBeCloseTo(L_REAL, 6);
      expect(dWithK).toBeCloseTo(L_REAL - 0.3 * L_FAKE, 6);
      expect(g).toBeCloseTo(L_FAKE, 6);
    });

    it.each([
      { k: 0.3, gamma: 0.5, lambdaK: 0.1 },
      { k: 0.01, gamma: 0.5, lambdaK: 1 },
      { k: 0.95, gamma: 1, lambdaK: 1 },
      { k: 0.2, gamma: 0.7, lambdaK: 0.001 },
    ])('k_{t+1} = clip(k_t + λ_k(γL(x) − L(G(z))), 0, 1) and M_global = L(x) + |γL(x) − L(G(z))| at k $k, γ $gamma, λ_k $lambdaK', ({ k, gamma, lambdaK }) => {
      const loss = createLoss('began', { gamma, lambdaK });
      const balance = gamma * L_REAL - L_FAKE;
      const expectedK = Math.min(1, Math.max(0, k + lambdaK * balance));
      const [nextK, convergence, direct] = tf.tidy(() => {
        const real = tf.tensor1d(REAL);
        const fake = tf.tensor1d(FAKE);
        const next = loss.carried?.update({ k: tf.scalar(k) }, { realLogits: real, fakeLogits: fake, step: 0 }) ?? {};
        expect(Object.keys(next).sort()).toEqual(['convergence', 'k']);
        return [read(next.k as tf.Tensor), read(next.convergence as tf.Tensor), read(beganUpdate(k, real, fake, gamma, lambdaK).k)];
      });
      expect(nextK).toBeCloseTo(expectedK, 6);
      expect(direct).toBe(nextK);
      expect(convergence).toBeCloseTo(L_REAL + Math.abs(balance), 6);
    });

    it('the clip holds k in [0, 1]: real energies far above the fakes push k to 1, far below to 0', () => {
      const [up, down] = tf.tidy(() => [
        read(beganUpdate(0.5, tf.tensor1d([-10, -10]), tf.tensor1d([-1, -1]), 1, 1).k),
        read(beganUpdate(0.5, tf.tensor1d([-1, -1]), tf.tensor1d([-10, -10]), 1, 1).k),
      ]);
      expect([up, down]).toEqual([1, 0]);
    });

    it('gradients in the logits match finite differences, and k is a constant of D’s loss: ∂L_D/∂fake_i = k/N', () => {
      const loss = createLoss('began');
      const inputs = [
        { shape: [6], values: testValues(6, 41, -2, 0) },
        { shape: [6], values: testValues(6, 42, -2, 0) },
      ];
      const d = checkGradients(
        (real, fake) => tf.add(beganDiscriminatorLoss(real as tf.Tensor, fake as tf.Tensor, 0.4), tf.mul(0, tf.sum(real as tf.Tensor))) as tf.Scalar,
        inputs,
        {
          h: 1e-3,
        },
      );
      const g = checkGradients(
        (fake, real) => tf.add(loss.generatorLoss(fake as tf.Tensor, real as tf.Tensor), tf.mul(0, tf.sum(real as tf.Tensor))) as tf.Scalar,
        inputs,
        {
          h: 1e-3,
        },
      );
      expect(d.maxError).toBeLessThan(5e-3);
      expect(g.maxError).toBeLessThan(5e-3);
      const k = tf.scalar(0.4);
      const [dFake, dK] = tf.tidy(() => {
        const grads = tf.grads((fake: tf.Tensor, kk: tf.Tensor) =>
          loss.discriminatorLoss(tf.tensor1d(REAL), fake, { ...context(0), state: { k: kk as tf.Scalar } }),
        );
        const [gf, gk] = grads([tf.tensor1d(FAKE), k]);
        return [Array.from((gf as tf.Tensor).dataSync()), read(gk as tf.Tensor)];
      });
      for (const v of dFake) expect(v).toBeCloseTo(0.4 / 4, 6);
      // The trainer holds k outside D's variables; its derivative exists but nothing applies it.
      expect(dK).toBeCloseTo(-L_FAKE, 6);
      k.dispose();
    });

    it('starts at k_0 = 0 and leaks no tensor', () => {
      const loss = createLoss('began');
      expect(loss.carried?.initial).toEqual({ k: 0 });
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        loss.discriminatorLoss(tf.tensor1d(REAL), tf.tensor1d(FAKE), context(0.2));
        loss.carried?.update({ k: tf.scalar(0.2) }, { realLogits: tf.tensor1d(REAL), fakeLogits: tf.tensor1d(FAKE), step: 3 });
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

describe('began parameters', () => {
  it('γ in (0, 1] and λ_k ≥ 0, else the field, the value and what is allowed', () => {
    expect(createLoss('began').params).toEqual({ gamma: 0.5, lambdaK: 0.001 });
    expect(() => createLoss('began', { gamma: 0 })).toThrow('loss began.gamma: 0 is not allowed; must be a number > 0 and ≤ 1');
    expect(() => createLoss('began', { gamma: 1.5 })).toThrow('loss began.gamma: 1.5 is not allowed; must be a number > 0 and ≤ 1');
    expect(() => createLoss('began', { lambdaK: -0.1 })).toThrow('loss began.lambdaK: -0.1 is not allowed; must be a number ≥ 0');
  });
});
