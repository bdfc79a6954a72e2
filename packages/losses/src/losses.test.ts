import { initBackend, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_LOSSES, createLoss, listLosses, registerLoss } from './index.js';

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const relu = (x: number) => Math.max(0, x);

/** Keeps both inputs on the tape (a generator loss may ignore the real logits): 0·Σx adds a zero gradient. */
const connected = (loss: tf.Scalar, ...inputs: tf.Tensor[]) => inputs.reduce((acc, x) => tf.add(acc, tf.mul(0, tf.sum(x))), loss) as tf.Scalar;

const REAL = [1.5, -0.5, 2];
const FAKE = [-1, 0.25, 0.75];

/** Each loss written out in float64 from its paper, independently of the tf code. */
const HAND: Record<string, { d: number; g: number }> = {
  minimax: {
    d: mean(REAL.map((r) => -Math.log(sigmoid(r)))) + mean(FAKE.map((f) => -Math.log(1 - sigmoid(f)))),
    g: mean(FAKE.map((f) => Math.log(1 - sigmoid(f)))),
  },
  'non-saturating': {
    d: mean(REAL.map((r) => -Math.log(sigmoid(r)))) + mean(FAKE.map((f) => -Math.log(1 - sigmoid(f)))),
    g: mean(FAKE.map((f) => -Math.log(sigmoid(f)))),
  },
  wasserstein: { d: mean(FAKE) - mean(REAL), g: -mean(FAKE) },
  hinge: { d: mean(REAL.map((r) => relu(1 - r))) + mean(FAKE.map((f) => relu(1 + f))), g: -mean(FAKE) },
  'least-squares': { d: 0.5 * mean(REAL.map((r) => (r - 1) ** 2)) + 0.5 * mean(FAKE.map((f) => f ** 2)), g: 0.5 * mean(FAKE.map((f) => (f - 1) ** 2)) },
  'f-kl': { d: mean(FAKE.map((f) => Math.exp(f - 1))) - mean(REAL), g: -mean(FAKE.map((f) => Math.exp(f - 1))) },
  'f-reverse-kl': {
    d: mean(FAKE.map((f) => -1 - Math.log(Math.exp(-f)))) - mean(REAL.map((r) => -Math.exp(-r))),
    g: -mean(FAKE.map((f) => -1 - Math.log(Math.exp(-f)))),
  },
  'f-js': {
    d:
      mean(FAKE.map((f) => -Math.log(2 - Math.exp(Math.log(2) - Math.log(1 + Math.exp(-f)))))) -
      mean(REAL.map((r) => Math.log(2) - Math.log(1 + Math.exp(-r)))),
    g: -mean(FAKE.map((f) => -Math.log(2 - Math.exp(Math.log(2) - Math.log(1 + Math.exp(-f)))))),
  },
  'f-pearson': { d: mean(FAKE.map((f) => (f * f) / 4 + f)) - mean(REAL), g: -mean(FAKE.map((f) => (f * f) / 4 + f)) },
  'f-hellinger': {
    d: mean(FAKE.map((f) => (1 - Math.exp(-f)) / (1 - (1 - Math.exp(-f))))) - mean(REAL.map((r) => 1 - Math.exp(-r))),
    g: -mean(FAKE.map((f) => (1 - Math.exp(-f)) / Math.exp(-f))),
  },
  'energy-based': {
    d: mean(REAL.map((r) => softplus(-r))) + mean(FAKE.map((f) => relu(1 - softplus(-f)))),
    g: mean(FAKE.map((f) => softplus(-f))),
  },
  // L(v) = −logit, the autoencoder's energy; k_0 = 0 without a trainer's carried state.
  began: { d: mean(REAL.map((r) => -r)), g: mean(FAKE.map((f) => -f)) },
  'relativistic-average': {
    d: mean(REAL.map((r) => -Math.log(sigmoid(r - mean(FAKE))))) + mean(FAKE.map((f) => -Math.log(1 - sigmoid(f - mean(REAL))))),
    g: mean(FAKE.map((f) => -Math.log(sigmoid(f - mean(REAL))))) + mean(REAL.map((r) => -Math.log(1 - sigmoid(r - mean(FAKE))))),
  },
  'relativistic-pairing': {
    d: mean(REAL.map((r, i) => -Math.log(sigmoid(r - (FAKE[i] as number))))),
    g: mean(FAKE.map((f, i) => -Math.log(sigmoid(f - (REAL[i] as number))))),
  },
};

/** Losses that read the batches or D's features (LossContext), tested against closed forms in their own files. */
const CONTEXT_LOSSES = ['feature-matching', 'loss-sensitive'];

/** Two discrete distributions on three points as batches whose means are exact expectations. */
const P = [0.5, 0.25, 0.25];
const Q = [0.25, 0.25, 0.5];
const REAL_POINTS = [0, 0, 1, 2];
const FAKE_POINTS = [0, 1, 2, 2];

function lossAt(name: string, which: 'd' | 'g', logitOfPoint: number[]): number {
  const loss = createLoss(name);
  return tf.tidy(() => {
    const real = tf.tensor1d(REAL_POINTS.map((i) => logitOfPoint[i] as number));
    const fake = tf.tensor1d(FAKE_POINTS.map((i) => logitOfPoint[i] as number));
    return (which === 'd' ? loss.discriminatorLoss(real, fake) : loss.generatorLoss(fake, real)).dataSync()[0] as number;
  });
}

/** f, the optimal logit v* = g_f⁻¹(f′(p/q)) (Nowozin et al. 2016, Eq. 5 with Table 2), by hand. */
const F_CASES = [
  { name: 'f-kl', f: (u: number) => u * Math.log(u), optimalLogit: (u: number) => 1 + Math.log(u) },
  { name: 'f-reverse-kl', f: (u: number) => -Math.log(u), optimalLogit: (u: number) => Math.log(u) },
  { name: 'f-js', f: (u: number) => u * Math.log(u) - (u + 1) * Math.log((u + 1) / 2), optimalLogit: (u: number) => Math.log(u) },
  { name: 'f-pearson', f: (u: number) => (u - 1) ** 2, optimalLogit: (u: number) => 2 * (u - 1) },
  { name: 'f-hellinger', f: (u: number) => (Math.sqrt(u) - 1) ** 2, optimalLogit: (u: number) => 0.5 * Math.log(u) },
];

const jsd = (p: number[], q: number[]) =>
  p.reduce((s, pi, i) => {
    const qi = q[i] as number;
    const m = (pi + qi) / 2;
    return s + 0.5 * pi * Math.log(pi / m) + 0.5 * qi * Math.log(qi / m);
  }, 0);

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`losses on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('every built-in loss is registered under the names the issue lists', () => {
      expect(listLosses().map((l) => l.name)).toEqual([...Object.keys(HAND), ...CONTEXT_LOSSES]);
      expect(BUILT_IN_LOSSES.length).toBe(16);
    });

    it.each(Object.keys(HAND))('%s matches its hand-computed values on fixed logits', (name) => {
      const loss = createLoss(name);
      const [d, g] = tf.tidy(() => {
        const real = tf.tensor1d(REAL);
        const fake = tf.tensor1d(FAKE);
        return [loss.discriminatorLoss(real, fake).dataSync()[0] as number, loss.generatorLoss(fake, real).dataSync()[0] as number];
      });
      expect(d).toBeCloseTo(HAND[name]?.d as number, 5);
      expect(g).toBeCloseTo(HAND[name]?.g as number, 5);
    });

    it('least-squares takes a, b, c and an optional sigmoid', () => {
      const loss = createLoss('least-squares', { a: -1, b: 1, c: 0, sigmoid: true });
      const d = tf.tidy(() => loss.discriminatorLoss(tf.tensor1d(REAL), tf.tensor1d(FAKE)).dataSync()[0] as number);
      const expected = 0.5 * mean(REAL.map((r) => (sigmoid(r) - 1) ** 2)) + 0.5 * mean(FAKE.map((f) => (sigmoid(f) + 1) ** 2));
      expect(d).toBeCloseTo(expected, 5);
    });

    it('relativistic-pairing pairs real i with fake i (relativistic-average compares with the batch mean), leaks nothing and refuses unequal batches', () => {
      const pairing = createLoss('relativistic-pairing');
      const average = createLoss('relativistic-average');
      const before = tf.memory().numTensors;
      const at = (loss: typeof pairing, fake: number[]) => tf.tidy(() => loss.discriminatorLoss(tf.tensor1d(REAL), tf.tensor1d(fake)).dataSync()[0] as number);
      const reversed = [...FAKE].reverse();
      expect(at(pairing, reversed)).toBeCloseTo(mean(REAL.map((r, i) => softplus((reversed[i] as number) - r))), 5);
      expect(at(pairing, reversed)).not.toBeCloseTo(at(pairing, FAKE), 3);
      expect(at(average, reversed)).toBeCloseTo(at(average, FAKE), 5);
      // Equal logits: log 2 for both players, whatever the values.
      expect(at(pairing, REAL)).toBeCloseTo(Math.log(2), 6);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => tf.tidy(() => pairing.discriminatorLoss(tf.tensor1d([1, 2]), tf.tensor1d([1, 2, 3])))).toThrow(
        'relativistic-pairing discriminator loss: real and fake batches must pair up one to one; got 2 and 3 logits',
      );
    });

    it('minimax at the optimal discriminator D* = p/(p+q) gives 2·log 2 − 2·JSD(P‖Q)', () => {
      const optimal = P.map((p, i) => Math.log(p / (Q[i] as number))); // σ(v) = p/(p+q)
      expect(lossAt('minimax', 'd', optimal)).toBeCloseTo(2 * Math.log(2) - 2 * jsd(P, Q), 5);
    });

    it.each(F_CASES)('$name: the variational bound at the optimal T equals D_f(P‖Q) = Σ q f(p/q)', ({ name, f, optimalLogit }) => {
      const divergence = Q.reduce((s, q, i) => s + q * f((P[i] as number) / q), 0);
      const logits = P.map((p, i) => optimalLogit(p / (Q[i] as number)));
      expect(-lossAt(name, 'd', logits)).toBeCloseTo(divergence, 5);
      // Any other T gives a smaller bound.
      expect(
        -lossAt(
          name,
          'd',
          logits.map((v) => v + 0.3),
        ),
      ).toBeLessThan(divergence);
    });

    it('f-js is twice the Jensen–Shannon divergence', () => {
      const logits = P.map((p, i) => Math.log(p / (Q[i] as number)));
      expect(-lossAt('f-js', 'd', logits)).toBeCloseTo(2 * jsd(P, Q), 5);
    });

    it.each(Object.keys(HAND))('%s: gradients in real and fake logits match finite differences', (name) => {
      const loss = createLoss(name);
      const inputs = [
        { shape: [6], values: testValues(6, 31, -2, 2, 0.1) },
        { shape: [6], values: testValues(6, 32, -2, 2, 0.1) },
      ];
      const d = checkGradients(
        (real, fake) => connected(loss.discriminatorLoss(real as tf.Tensor, fake as tf.Tensor), real as tf.Tensor, fake as tf.Tensor),
        inputs,
        { h: 1e-3 },
      );
      const g = checkGradients(
        (fake, real) => connected(loss.generatorLoss(fake as tf.Tensor, real as tf.Tensor), fake as tf.Tensor, real as tf.Tensor),
        inputs,
        { h: 1e-3 },
      );
      expect(d.maxError).toBeLessThan(5e-3);
      expect(g.maxError).toBeLessThan(5e-3);
    });

    it.each(Object.keys(HAND))('%s: values and gradients stay finite for logits of ±100', (name) => {
      const loss = createLoss(name);
      const values = [100, -100, 100, -100, 0];
      const flipped = values.map((v) => -v);
      const finite = tf.tidy(() => {
        const real = tf.tensor1d(values);
        const fake = tf.tensor1d(flipped);
        const [dReal, dFake] = tf.grads((r: tf.Tensor, f: tf.Tensor) => connected(loss.discriminatorLoss(r, f), r, f))([real, fake]);
        const [gFake, gReal] = tf.grads((f: tf.Tensor, r: tf.Tensor) => connected(loss.generatorLoss(f, r), f, r))([fake, real]);
        const all = [loss.discriminatorLoss(real, fake), loss.generatorLoss(fake, real), dReal, dFake, gFake, gReal].flatMap((t) =>
          Array.from((t as tf.Tensor).dataSync()),
        );
        return all.every(Number.isFinite);
      });
      expect(finite).toBe(true);
    });
  });
}

describe('the loss registry', () => {
  it('unknown names fail with the registered names', () => {
    expect(() => createLoss('wgan')).toThrow(/loss: unknown loss 'wgan'; registered: minimax, non-saturating, wasserstein, hinge, least-squares, f-kl/);
  });

  it('bad hyperparameters fail naming the field', () => {
    expect(() => createLoss('energy-based', { margin: 0 })).toThrow('loss energy-based.margin: 0 is not allowed; must be a number > 0');
    expect(() => createLoss('hinge', { margin: 1 })).toThrow("loss hinge: unknown option 'margin'; allowed: none");
  });

  it('a plugin loss registers once; a taken name is refused', () => {
    const plugin = { name: 'test-plugin', description: '', reference: '', params: {}, create: () => createLoss('hinge') };
    registerLoss(plugin);
    registerLoss(plugin);
    expect(listLosses().map((l) => l.name)).toContain('test-plugin');
    expect(() => registerLoss({ ...plugin })).toThrow("loss 'test-plugin' is already registered");
  });
});
