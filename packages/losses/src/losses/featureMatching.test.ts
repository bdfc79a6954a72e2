import { initBackend, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss } from '../registry.js';
import type { LossContext } from '../types.js';

const N = 4;
const DIM = 3;
const F = 2;
/** A linear D's features f(x) = x·A, A [3, 2]. */
const A = [
  [0.5, -1],
  [2, 0.25],
  [-0.75, 1.5],
];
const REAL = [
  [1, 0, -1],
  [0.5, 2, 0],
  [-1, 1, 1],
  [0, -0.5, 2],
];
const FAKE = [
  [0.2, 0.1, 0],
  [1, -1, 0.5],
  [0, 0, 0.3],
  [-0.4, 0.6, 1],
];

const features64 = (x: number[][]) => x.map((row) => [0, 1].map((j) => row.reduce((s, v, k) => s + v * ((A[k] as number[])[j] as number), 0)));
const meanRows = (rows: number[][]) => [0, 1].map((j) => rows.reduce((s, r) => s + (r[j] as number), 0) / rows.length);
/** d = E f(x) − E f(G(z)) in float64. */
const gap = (real: number[][], fake: number[][]) => {
  const r = meanRows(features64(real));
  const f = meanRows(features64(fake));
  return r.map((v, j) => v - (f[j] as number));
};

function context(real: tf.Tensor, fake: tf.Tensor, a: tf.Tensor): LossContext {
  return { real, fake, state: {}, features: (x) => tf.matMul(x as tf.Tensor2D, a as tf.Tensor2D) };
}

describe('feature-matching (Salimans et al. 2016, Sec. 3.1)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('G’s loss is ‖E f(x) − E f(G(z))‖²₂ of a linear D’s features, computed in float64', () => {
    const loss = createLoss('feature-matching');
    expect(loss.needsFeatures).toBe(true);
    const before = tf.memory().numTensors;
    const value = tf.tidy(() => {
      const real = tf.tensor2d(REAL);
      const fake = tf.tensor2d(FAKE);
      return loss.generatorLoss(tf.zeros([N]), tf.zeros([N]), context(real, fake, tf.tensor2d(A))).dataSync()[0] as number;
    });
    const d = gap(REAL, FAKE);
    expect(value).toBeCloseTo(
      d.reduce((s, v) => s + v * v, 0),
      5,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('its gradient in each fake sample is −(2/N)·A·d (closed form), and matches finite differences', () => {
    const loss = createLoss('feature-matching');
    const [grad] = tf.tidy(() => {
      const real = tf.tensor2d(REAL);
      const a = tf.tensor2d(A);
      return [
        tf
          .grad((fake: tf.Tensor) => loss.generatorLoss(tf.zeros([N]), tf.zeros([N]), context(real, fake, a)))(tf.tensor2d(FAKE))
          .arraySync() as number[][],
      ];
    });
    const d = gap(REAL, FAKE);
    const expected = A.map((row) => (-2 / N) * row.reduce((s, v, j) => s + v * (d[j] as number), 0));
    for (const row of grad as number[][]) for (const [k, v] of row.entries()) expect(v).toBeCloseTo(expected[k] as number, 5);
    const check = checkGradients(
      (real, fake, a) => loss.generatorLoss(tf.zeros([N]), tf.zeros([N]), context(real as tf.Tensor, fake as tf.Tensor, a as tf.Tensor)),
      [
        { shape: [N, DIM], values: testValues(N * DIM, 41, -1, 1, 0.1) },
        { shape: [N, DIM], values: testValues(N * DIM, 42, -1, 1, 0.1) },
        { shape: [DIM, F], values: testValues(DIM * F, 43, -1, 1, 0.1) },
      ],
      { h: 1e-3 },
    );
    expect(check.maxError).toBeLessThan(5e-3);
  });

  it('is 0 when the fakes are the reals in another order (only the means are matched), and > 0 otherwise', () => {
    const loss = createLoss('feature-matching');
    const at = (fake: number[][]) =>
      tf.tidy(() => loss.generatorLoss(tf.zeros([N]), tf.zeros([N]), context(tf.tensor2d(REAL), tf.tensor2d(fake), tf.tensor2d(A))).dataSync()[0] as number);
    expect(at([...REAL].reverse())).toBeCloseTo(0, 6);
    expect(at(FAKE)).toBeGreaterThan(0.1);
  });

  it('D’s loss is the minimax sigmoid cross-entropy on the logits, context or not', () => {
    const loss = createLoss('feature-matching');
    const real = [1.5, -0.5, 2];
    const fake = [-1, 0.25, 0.75];
    const softplus = (x: number) => Math.log1p(Math.exp(x));
    const expected = real.reduce((s, r) => s + softplus(-r), 0) / 3 + fake.reduce((s, f) => s + softplus(f), 0) / 3;
    expect(tf.tidy(() => loss.discriminatorLoss(tf.tensor1d(real), tf.tensor1d(fake)).dataSync()[0] as number)).toBeCloseTo(expected, 5);
  });

  it('G’s loss refuses to run without a context or without features, naming what is missing', () => {
    const loss = createLoss('feature-matching');
    tf.tidy(() => {
      const logits = tf.zeros([N]);
      expect(() => loss.generatorLoss(logits, logits)).toThrow("loss 'feature-matching': the generator loss needs the loss context");
      expect(() => loss.generatorLoss(logits, logits, { real: tf.tensor2d(REAL), fake: tf.tensor2d(FAKE), state: {} })).toThrow(
        "loss 'feature-matching': the architecture exposes no discriminator features; allowed: an architecture with features (features: true)",
      );
    });
  });
});
