import { initBackend, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { labelSmoothedDiscriminatorLoss, labelSmoothing } from './labelSmoothing.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const REAL = [1.5, -0.5, 2, 0.25];
const FAKE = [-1, 0.25, 0.75, -2];

function loss(real: number[], fake: number[], label: number): number {
  return tf.tidy(() => labelSmoothedDiscriminatorLoss(tf.tensor1d(real), tf.tensor1d(fake), label).dataSync()[0] as number);
}

describe('one-sided label smoothing (Salimans et al. 2016, Sec. 3.4)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('is the cross-entropy with target ℓ on real logits and target 0 on fake logits', () => {
    const label = 0.9;
    const expected =
      mean(REAL.map((r) => -(label * Math.log(sigmoid(r)) + (1 - label) * Math.log(1 - sigmoid(r))))) + mean(FAKE.map((f) => -Math.log(1 - sigmoid(f))));
    expect(loss(REAL, FAKE, label)).toBeCloseTo(expected, 5);
  });

  it('smooths only the real label: ∂L/∂real = (σ(r) − ℓ)/N, ∂L/∂fake = (σ(f) − 0)/N, so the fake target stays 0', () => {
    const label = 0.8;
    const [gReal, gFake] = tf.tidy(() => {
      const g = tf.grads((r: tf.Tensor, f: tf.Tensor) => labelSmoothedDiscriminatorLoss(r, f, label))([tf.tensor1d(REAL), tf.tensor1d(FAKE)]);
      return g.map((t) => Array.from(t.dataSync()));
    });
    for (const [i, r] of REAL.entries()) expect(gReal?.[i]).toBeCloseTo((sigmoid(r) - label) / REAL.length, 6);
    for (const [i, f] of FAKE.entries()) expect(gFake?.[i]).toBeCloseTo(sigmoid(f) / FAKE.length, 6);
    // The optimal real logit is logit(ℓ): D is pushed to output ℓ on real data, not 1; nothing stops it at any fake logit.
    const optimal = Math.log(label / (1 - label));
    expect(loss([optimal + 1e-2], [0], label)).toBeGreaterThan(loss([optimal], [0], label));
    expect(loss([optimal - 1e-2], [0], label)).toBeGreaterThan(loss([optimal], [0], label));
    expect(loss([0], [-5], label)).toBeLessThan(loss([0], [-4], label));
  });

  it('with ℓ = 1 it is the unsmoothed minimax discriminator loss', () => {
    expect(loss(REAL, FAKE, 1)).toBeCloseTo(mean(REAL.map((r) => -Math.log(sigmoid(r)))) + mean(FAKE.map((f) => -Math.log(1 - sigmoid(f)))), 6);
  });

  it('the registry entry binds realLabel; gradients match finite differences; no tensors leak', () => {
    const bound = labelSmoothing.create({ realLabel: 0.7 }, tf);
    if (bound.kind !== 'label-smoothing') throw new Error('wrong kind');
    expect(bound.realLabel).toBe(0.7);
    const before = tf.memory().numTensors;
    const check = checkGradients(
      (r, f) => bound.discriminatorLoss(r as tf.Tensor, f as tf.Tensor),
      [
        { shape: [6], values: testValues(6, 3, -3, 3) },
        { shape: [6], values: testValues(6, 4, -3, 3) },
      ],
    );
    expect(check.maxError).toBeLessThan(1e-3);
    expect(tf.memory().numTensors).toBe(before);
  });
});
