import { initBackend, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss, type LossContext } from '../index.js';
import { pullAwayTerm } from './energyBased.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const relu = (x: number) => Math.max(0, x);
const read = (t: tf.Tensor) => t.dataSync()[0] as number;

/** Zhao et al. 2017, Eq. 4 in float64: the mean over ordered pairs i ≠ j of the squared cosine of rows i and j. */
function pullAwayByHand(rows: number[][]): number {
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);
  let sum = 0;
  for (const [i, a] of rows.entries()) for (const [j, b] of rows.entries()) if (i !== j) sum += dot(a, b) ** 2 / (dot(a, a) * dot(b, b));
  return sum / (rows.length * (rows.length - 1));
}

const rowsOf = (values: Float32Array, columns: number) =>
  Array.from({ length: values.length / columns }, (_, i) => Array.from(values.slice(i * columns, (i + 1) * columns)));

/** A fixed linear feature map x [N, 3] ↦ x·W [N, 2], as a D's embedding would be. */
const W = [
  [0.5, -1],
  [1.5, 0.25],
  [-0.75, 0.5],
];
const featuresByHand = (x: number[][]) => x.map((row) => [0, 1].map((j) => row.reduce((s, v, i) => s + v * (W[i]?.[j] as number), 0)));
const linearContext = (fake: tf.Tensor): LossContext => ({
  real: fake,
  fake,
  state: {},
  features: (x) => tf.matMul(x as tf.Tensor2D, tf.tensor2d(W)),
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`energy-based on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('rawEnergy: the logit is −energy (an autoencoder D), so L_D = E[−D(x)] + E[max(0, m + D(G(z)))] and L_G = E[−D(G(z))]', () => {
      const real = [-0.25, -0.75, -0.5];
      const fake = [-0.5, -2, -1.25];
      const loss = createLoss('energy-based', { rawEnergy: true, margin: 1.5 });
      const [d, g] = tf.tidy(() => [
        read(loss.discriminatorLoss(tf.tensor1d(real), tf.tensor1d(fake))),
        read(loss.generatorLoss(tf.tensor1d(fake), tf.tensor1d(real))),
      ]);
      expect(d).toBeCloseTo(mean(real.map((v) => -v)) + mean(fake.map((v) => relu(1.5 + v))), 6);
      expect(g).toBeCloseTo(mean(fake.map((v) => -v)), 6);
    });

    it('the pull-away term on three embeddings with known cosines (0, 1/√2, 1/√2) is 1/3; on random ones it matches a float64 loop', () => {
      expect(
        read(
          tf.tidy(() =>
            pullAwayTerm(
              tf.tensor2d([
                [1, 0],
                [0, 2],
                [1, 1],
              ]),
            ),
          ),
        ),
      ).toBeCloseTo(1 / 3, 6);
      const values = testValues(7 * 5, 11, -1, 1);
      expect(read(tf.tidy(() => pullAwayTerm(tf.tensor2d(values, [7, 5]))))).toBeCloseTo(pullAwayByHand(rowsOf(values, 5)), 6);
      // Parallel embeddings: every cosine ±1.
      expect(
        read(
          tf.tidy(() =>
            pullAwayTerm(
              tf.tensor2d([
                [1, 2],
                [-2, -4],
                [0.5, 1],
              ]),
            ),
          ),
        ),
      ).toBeCloseTo(1, 6);
    });

    it("pullAway adds λ_PT·f_PT(features of the fake batch) to G's loss only; D's loss is unchanged", () => {
      const fakeX = testValues(5 * 3, 21, -1, 1);
      const fakeLogits = [-0.5, -0.25, -1, -0.75, -0.125];
      const realLogits = [-0.1, -0.2, -0.3, -0.4, -0.5];
      const withTerm = createLoss('energy-based', { rawEnergy: true, pullAway: 0.1 });
      const without = createLoss('energy-based', { rawEnergy: true });
      const [g, d, d0] = tf.tidy(() => {
        const context = linearContext(tf.tensor2d(fakeX, [5, 3]));
        const f = tf.tensor1d(fakeLogits);
        const r = tf.tensor1d(realLogits);
        return [read(withTerm.generatorLoss(f, r, context)), read(withTerm.discriminatorLoss(r, f, context)), read(without.discriminatorLoss(r, f))];
      });
      expect(g).toBeCloseTo(mean(fakeLogits.map((v) => -v)) + 0.1 * pullAwayByHand(featuresByHand(rowsOf(fakeX, 3))), 6);
      expect(d).toBe(d0);
      expect(withTerm.needsFeatures).toBe(true);
      expect(without.needsFeatures).toBeUndefined();
    });

    it('gradients of the pull-away term in the embeddings, and of G’s loss with it in the fake batch through the features, match finite differences', () => {
      const term = checkGradients((s) => pullAwayTerm(s as tf.Tensor), [{ shape: [4, 3], values: testValues(12, 5, -1, 1, 0.1) }], { h: 1e-3 });
      expect(term.maxError).toBeLessThan(5e-3);
      const loss = createLoss('energy-based', { rawEnergy: true, pullAway: 0.1 });
      const g = checkGradients(
        (x, logits) => loss.generatorLoss(logits as tf.Tensor, logits as tf.Tensor, linearContext(x as tf.Tensor)),
        [
          { shape: [4, 3], values: testValues(12, 6, -1, 1, 0.1) },
          { shape: [4], values: testValues(4, 7, -2, 0) },
        ],
        { h: 1e-3 },
      );
      expect(g.maxError).toBeLessThan(5e-3);
    });

    it('refuses a pull-away term without features, and a batch of one, naming what is missing; leaks no tensor', () => {
      const loss = createLoss('energy-based', { rawEnergy: true, pullAway: 0.1 });
      const before = tf.memory().numTensors;
      expect(() => tf.tidy(() => loss.generatorLoss(tf.tensor1d([-1, -2]), tf.tensor1d([-1, -2])))).toThrow(
        "loss energy-based.pullAway: 0.1 needs the discriminator's features (the embedding of an autoencoder D), and none were given",
      );
      expect(() => tf.tidy(() => pullAwayTerm(tf.tensor2d([[1, 2]])))).toThrow(
        'energy-based pull-away term: embeddings of shape [1,2] are not allowed; must be [N, F] with N ≥ 2 (pairs of samples)',
      );
      tf.tidy(() => {
        loss.generatorLoss(tf.tensor1d([-1, -2, -3]), tf.tensor1d([-1, -2, -3]), linearContext(tf.ones([3, 3])));
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

describe('energy-based parameters', () => {
  it('defaults keep the softplus energy of any D and no pull-away term; pullAway ≥ 0', () => {
    expect(createLoss('energy-based').params).toEqual({ margin: 1, rawEnergy: false, pullAway: 0 });
    expect(() => createLoss('energy-based', { pullAway: -1 })).toThrow('loss energy-based.pullAway: -1 is not allowed; must be a number ≥ 0');
  });
});
