import { initBackend, Rng, tf } from '@ganbench/core';
import { testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRegularizer } from '../registry.js';
import { type PenaltyContext, penaltyContext } from '../types.js';
import { bcrPenalty } from './consistency.js';

/* bCR (Zhao et al. 2021) on a tiny linear D(x) = Σ w·x + b over 8×8×2 images, batch 3. */

const [N, H, W, C] = [3, 8, 8, 2];
const SIZE = H * W * C;
const REAL = testValues(N * SIZE, 31);
const FAKE = testValues(N * SIZE, 32);
const WEIGHTS = testValues(SIZE, 33, -0.5, 0.5);
const BIAS = 0.3;

/** T(x) by hand with the penalty's draws: flips rng.int(2) per image, then t_h, t_w in [−1, 1] (⌊8/8 + ½⌋ = 1). */
function augmentByHand(x: Float32Array, rng: Rng): Float32Array {
  const flips = Array.from({ length: N }, () => rng.int(2) === 1);
  const th = Array.from({ length: N }, () => rng.int(3) - 1);
  const tw = Array.from({ length: N }, () => rng.int(3) - 1);
  const out = new Float32Array(x.length);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const [sh, sw] = [h + (th[n] as number), w + (tw[n] as number)];
        if (sh < 0 || sh >= H || sw < 0 || sw >= W) continue;
        const col = flips[n] ? W - 1 - sw : sw;
        for (let c = 0; c < C; c++) out[((n * H + h) * W + w) * C + c] = x[((n * H + sh) * W + col) * C + c] as number;
      }
  return out;
}

const linearD = (x: Float32Array, weights: Float32Array, bias: number) =>
  Array.from({ length: N }, (_, n) => weights.reduce((s, wi, i) => s + wi * (x[n * SIZE + i] as number), bias));

function byHand(seed: number, lambdaReal: number, lambdaFake: number): number {
  const rng = new Rng(seed);
  const term = (x: Float32Array) => {
    const d = linearD(x, WEIGHTS, BIAS);
    const dt = linearD(augmentByHand(x, rng), WEIGHTS, BIAS);
    return d.reduce((s, di, n) => s + (di - (dt[n] as number)) ** 2, 0) / N;
  };
  const real = term(REAL);
  return lambdaReal * real + lambdaFake * term(FAKE);
}

/** The penalty with D's weights as tensors and a fresh Rng(seed) each call. */
function penaltyOf(weights: tf.Tensor, bias: tf.Tensor, seed: number, lambdaReal = 10, lambdaFake = 10): tf.Scalar {
  const discriminator = (x: tf.Tensor) => tf.add(tf.matMul(tf.reshape(x, [-1, SIZE]), tf.reshape(weights, [SIZE, 1])).reshape([-1]), bias);
  const context: PenaltyContext = penaltyContext({
    discriminator,
    real: tf.tensor4d(REAL, [N, H, W, C]),
    fake: tf.tensor4d(FAKE, [N, H, W, C]),
    rng: new Rng(seed),
    step: 0,
  });
  return bcrPenalty(context, lambdaReal, lambdaFake);
}

const valueAt = (weights: Float32Array, bias: number, seed: number) =>
  tf.tidy(() => penaltyOf(tf.tensor1d(weights), tf.scalar(bias), seed).dataSync()[0] as number);

describe('bcr: balanced consistency regularization (Zhao et al. 2021)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('is λ_real·E(D(x) − D(T(x)))² + λ_fake·E(D(G(z)) − D(T(G(z))))², T drawn by hand from the same stream', () => {
    // Seeds 1–3 flip some images of the real batches and not others (the flip path is exercised).
    const flips = [1, 2, 3].flatMap((seed) => {
      const rng = new Rng(seed);
      return Array.from({ length: N }, () => rng.int(2));
    });
    expect(flips).toContain(0);
    expect(flips).toContain(1);
    for (const seed of [1, 2, 3]) {
      const expected = byHand(seed, 10, 10);
      expect(expected).toBeGreaterThan(0.01);
      expect(valueAt(WEIGHTS, BIAS, seed)).toBeCloseTo(expected, 3);
      const weighted = tf.tidy(() => penaltyOf(tf.tensor1d(WEIGHTS), tf.scalar(BIAS), seed, 2, 0.5).dataSync()[0] as number);
      expect(weighted).toBeCloseTo(byHand(seed, 2, 0.5), 4);
    }
    // The registered penalty with the paper's defaults λ_real = λ_fake = 10.
    const bcr = createRegularizer('bcr');
    expect(bcr.params).toEqual({ lambdaReal: 10, lambdaFake: 10 });
    if (bcr.kind !== 'penalty') throw new Error('bcr is not a penalty');
    expect(bcr.images).toBe(true);
    const registered = tf.tidy(() => {
      const weights = tf.tensor1d(WEIGHTS);
      const discriminator = (x: tf.Tensor) => tf.add(tf.matMul(tf.reshape(x, [-1, SIZE]), tf.reshape(weights, [SIZE, 1])).reshape([-1]), BIAS);
      const context = penaltyContext({ discriminator, real: tf.tensor4d(REAL, [N, H, W, C]), fake: tf.tensor4d(FAKE, [N, H, W, C]), rng: new Rng(1), step: 0 });
      return bcr.penalty(context)?.dataSync()[0] as number;
    });
    expect(registered).toBeCloseTo(byHand(1, 10, 10), 3);
  });

  it("its gradient in D's parameters matches central differences (it is quadratic in them)", () => {
    const seed = 4;
    const [gw, gb] = tf.tidy(() =>
      tf
        .grads((w: tf.Tensor, b: tf.Tensor) => penaltyOf(w, b, seed))([tf.tensor1d(WEIGHTS), tf.scalar(BIAS)])
        .map((g) => Array.from(g.dataSync())),
    ) as [number[], number[]];
    const h = 0.05;
    let checked = 0;
    for (let i = 0; i < SIZE; i += 7) {
      const plus = WEIGHTS.slice();
      const minus = WEIGHTS.slice();
      plus[i] = (plus[i] as number) + h;
      minus[i] = (minus[i] as number) - h;
      const numeric = (valueAt(plus, BIAS, seed) - valueAt(minus, BIAS, seed)) / (2 * h);
      expect(Math.abs((gw[i] as number) - numeric)).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
    expect(gw.some((g) => Math.abs(g) > 0.01)).toBe(true);
    // The bias cancels in D(x) − D(T(x)).
    expect(Math.abs(gb[0] as number)).toBeLessThan(1e-4);
  });

  it('same seed, same value bit for bit; another seed, other draws; no leaked tensors', () => {
    const before = tf.memory().numTensors;
    expect(valueAt(WEIGHTS, BIAS, 7)).toBe(valueAt(WEIGHTS, BIAS, 7));
    expect(valueAt(WEIGHTS, BIAS, 7)).not.toBe(valueAt(WEIGHTS, BIAS, 8));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses data that are not images', () => {
    const discriminator = (x: tf.Tensor) => tf.sum(x, 1);
    const context = penaltyContext({ discriminator, real: tf.ones([4, 2]), fake: tf.zeros([4, 2]), rng: new Rng(0), step: 0 });
    expect(() => bcrPenalty(context, 10, 10)).toThrow('bcr: augments images [N, H, W, C]; got a tensor of shape [4, 2]');
    tf.dispose([context.real, context.fake]);
  });
});
