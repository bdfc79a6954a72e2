import { initBackend, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss } from '../registry.js';

const L = (v: number) => -v;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const relu = (x: number) => Math.max(0, x);

/** Three pairs of 2×2 one-channel images; the margins τ‖x − G(z)‖₁ make one hinge inactive. */
const X = [
  [0.5, -0.5, 1, 0],
  [-1, 0.25, 0.5, 0.75],
  [0, 0, -0.5, 1],
];
const Y = [
  [0, 0, 0, 0],
  [1, 1, -1, 0],
  [0.5, -0.5, 0.5, -1],
];
const REAL = [1.5, -0.5, 2];
const FAKE = [-3, 2.5, 0.75];
const TAU = 0.5;
const LAMBDA = 2;
const l1 = (a: number[], b: number[]) => a.reduce((s, v, i) => s + Math.abs(v - (b[i] as number)), 0);
const DELTA = X.map((x, i) => TAU * l1(x, Y[i] as number[]));
const images = (rows: number[][]) => tf.tensor4d(rows.flat(), [rows.length, 2, 2, 1]);

describe('loss-sensitive (Qi 2017)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('D’s loss is E L(x) + λ E(Δ + L(x) − L(G(z)))₊ with L = −logit and Δ = τ Σ|x − G(z)| over every pixel, in float64', () => {
    const loss = createLoss('loss-sensitive', { lambda: LAMBDA, marginScale: TAU });
    const hinges = REAL.map((r, i) => (DELTA[i] as number) + L(r) - L(FAKE[i] as number));
    // Both signs occur, so the test sees the hinge's kink.
    expect(hinges.some((h) => h < 0) && hinges.some((h) => h > 0)).toBe(true);
    const expected = mean(REAL.map(L)) + LAMBDA * mean(hinges.map(relu));
    const before = tf.memory().numTensors;
    const [d, g] = tf.tidy(() => {
      const context = { real: images(X), fake: images(Y), state: {} };
      const real = tf.tensor1d(REAL);
      const fake = tf.tensor1d(FAKE);
      return [loss.discriminatorLoss(real, fake, context).dataSync()[0] as number, loss.generatorLoss(fake, real, context).dataSync()[0] as number];
    });
    expect(d).toBeCloseTo(expected, 5);
    expect(g).toBeCloseTo(mean(FAKE.map(L)), 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('defaults: λ = 1, γ = 1 (the paper), τ = 0.0002 (lsgan.lua)', () => {
    const loss = createLoss('loss-sensitive');
    expect(loss.params).toEqual({ lambda: 1, realLossWeight: 1, marginScale: 0.0002 });
    const d = tf.tidy(
      () => loss.discriminatorLoss(tf.tensor1d(REAL), tf.tensor1d(FAKE), { real: images(X), fake: images(Y), state: {} }).dataSync()[0] as number,
    );
    const hinges = REAL.map((r, i) => 0.0002 * l1(X[i] as number[], Y[i] as number[]) + L(r) - L(FAKE[i] as number));
    expect(d).toBeCloseTo(mean(REAL.map(L)) + mean(hinges.map(relu)), 5);
  });

  it('γ = 0 (lsgan.lua) drops E L(x): D’s loss is then unchanged by a shift of every logit, which with γ = 1 lowers it by γ·shift', () => {
    const at = (gamma: number, shift: number) => {
      const loss = createLoss('loss-sensitive', { lambda: LAMBDA, marginScale: TAU, realLossWeight: gamma });
      return tf.tidy(
        () =>
          loss
            .discriminatorLoss(tf.tensor1d(REAL.map((r) => r + shift)), tf.tensor1d(FAKE.map((f) => f + shift)), {
              real: images(X),
              fake: images(Y),
              state: {},
            })
            .dataSync()[0] as number,
      );
    };
    const hinge = mean(REAL.map((r, i) => relu((DELTA[i] as number) + L(r) - L(FAKE[i] as number))));
    expect(at(0, 0)).toBeCloseTo(LAMBDA * hinge, 5);
    expect(at(0, 5)).toBeCloseTo(at(0, 0), 5);
    expect(at(1, 5)).toBeCloseTo(at(1, 0) - 5, 4);
    expect(at(0.5, 0)).toBeCloseTo(0.5 * mean(REAL.map(L)) + LAMBDA * hinge, 5);
  });

  it('on a linear D(x) = x·w, D’s gradient in w matches finite differences, and Δ passes no gradient to the batches', () => {
    const loss = createLoss('loss-sensitive', { lambda: LAMBDA, marginScale: TAU });
    const flat = (rows: number[][]) => tf.tensor2d(rows);
    const check = checkGradients(
      (w) => {
        const x = flat(X);
        const y = flat(Y);
        const logits = (b: tf.Tensor) => tf.reshape(tf.matMul(b as tf.Tensor2D, tf.reshape(w as tf.Tensor, [4, 1]) as tf.Tensor2D), [-1]);
        return loss.discriminatorLoss(logits(x), logits(y), { real: x, fake: y, state: {} });
      },
      [{ shape: [4], values: testValues(4, 51, -1, 1, 0.2) }],
      { h: 1e-3 },
    );
    expect(check.maxError).toBeLessThan(5e-3);
    const [gx, gy] = tf.tidy(() =>
      tf
        .grads((x: tf.Tensor, y: tf.Tensor) => loss.discriminatorLoss(tf.tensor1d(REAL), tf.tensor1d(FAKE), { real: x, fake: y, state: {} }))([
          images(X),
          images(Y),
        ])
        .map((t) => Array.from(t.dataSync())),
    );
    expect([...(gx as number[]), ...(gy as number[])].every((v) => v === 0)).toBe(true);
  });

  it('gradients in real and fake logits match finite differences, and the closed form on an active hinge', () => {
    const loss = createLoss('loss-sensitive', { lambda: LAMBDA, marginScale: TAU });
    const context = { real: images(X), fake: images(Y), state: {} };
    const check = checkGradients(
      (real, fake) => loss.discriminatorLoss(real as tf.Tensor, fake as tf.Tensor, context),
      [
        { shape: [3], values: testValues(3, 61, -2, 2, 0.2) },
        { shape: [3], values: testValues(3, 62, -2, 2, 0.2) },
      ],
      { h: 1e-3 },
    );
    expect(check.maxError).toBeLessThan(5e-3);
    // ∂/∂fake_i = −(λ/N)·L′(fake_i)·[hinge_i > 0] = (λ/N)·[hinge_i > 0], with L′ = −1.
    const grad = tf.tidy(() =>
      Array.from(
        tf
          .grad((f: tf.Tensor) => loss.discriminatorLoss(tf.tensor1d(REAL), f, context))(tf.tensor1d(FAKE))
          .dataSync(),
      ),
    );
    for (const [i, f] of FAKE.entries()) {
      const active = (DELTA[i] as number) + L(REAL[i] as number) - L(f) > 0;
      expect(grad[i]).toBeCloseTo(active ? LAMBDA / 3 : 0, 5);
    }
    context.real.dispose();
    context.fake.dispose();
  });

  it('G’s loss is E L(G(z)) = −E logit, with the gradient −1/N in each fake logit', () => {
    const loss = createLoss('loss-sensitive');
    const grad = tf.tidy(() =>
      Array.from(
        tf
          .grad((f: tf.Tensor) => loss.generatorLoss(f, tf.tensor1d(REAL)))(tf.tensor1d(FAKE))
          .dataSync(),
      ),
    );
    for (const g of grad) expect(g).toBeCloseTo(-1 / 3, 6);
  });

  it('refuses to run without a context, batches that do not pair up, and a non-positive λ or a negative τ, naming the field', () => {
    const loss = createLoss('loss-sensitive');
    tf.tidy(() => {
      expect(() => loss.discriminatorLoss(tf.tensor1d(REAL), tf.tensor1d(FAKE))).toThrow(
        "loss 'loss-sensitive': the discriminator loss needs the loss context",
      );
      expect(() => loss.discriminatorLoss(tf.tensor1d(REAL), tf.tensor1d(FAKE), { real: images(X), fake: images(Y.slice(0, 2)), state: {} })).toThrow(
        'loss-sensitive: real and fake batches must pair up one to one with the same shape; got [3,2,2,1] and [2,2,2,1]',
      );
    });
    expect(() => createLoss('loss-sensitive', { lambda: 0 })).toThrow('loss loss-sensitive.lambda: 0 is not allowed; must be a number > 0');
    expect(() => createLoss('loss-sensitive', { marginScale: -1 })).toThrow('loss loss-sensitive.marginScale: -1 is not allowed');
  });
});
