import { initBackend, Rng, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRegularizer } from '../registry.js';
import type { GeneratorPenaltyContext, PenaltyContext } from '../types.js';
import { zcrDiscriminatorPenalty, zcrGeneratorPenalty } from './latentConsistency.js';

/*
 * zCR on a linear G(z) = z·W and D(x) = x·a: D(G(z)) − D(G(z + Δz)) = −Δz·W·a and G(z) − G(z + Δz) = −Δz·W, so both terms
 * are closed forms in the perturbation Δz, which the test draws from the same seed.
 */

const [N, LATENT, DIM] = [5, 3, 4];
const Z = testValues(N * LATENT, 41, -1, 1);
const W0 = testValues(LATENT * DIM, 42, -1, 1);
const A0 = testValues(DIM, 43, -1, 1);
const SIGMA = 0.3;

const matrix = (values: ArrayLike<number>, rows: number, columns: number) =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: columns }, (_, j) => values[i * columns + j] as number));
const times = (m: number[][], n: number[][]) =>
  m.map((row) => (n[0] as number[]).map((_, j) => row.reduce((sum, v, k) => sum + v * ((n[k] as number[])[j] as number), 0)));
const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

/** Δz as the penalty draws it: N(0, σ²) from a fresh stream of `seed`. */
const deltaZ = (seed: number) => matrix(new Rng(seed).normalArray(N * LATENT, 0, SIGMA), N, LATENT);

function contexts(W: tf.Tensor, a: tf.Tensor, seed: number): { d: PenaltyContext; g: GeneratorPenaltyContext } {
  const z = tf.tensor2d(Z, [N, LATENT]);
  const generate = (latents: tf.Tensor) => tf.matMul(latents as tf.Tensor2D, W as tf.Tensor2D);
  const discriminator = (x: tf.Tensor) => tf.reshape(tf.matMul(x as tf.Tensor2D, tf.reshape(a, [DIM, 1]) as tf.Tensor2D), [-1]);
  const generated = generate(z);
  const generator = { generate, latents: z, generated };
  const d: PenaltyContext = {
    discriminator,
    real: generated,
    fake: generated,
    rng: new Rng(seed),
    step: 0,
    realLogits: discriminator(generated),
    fakeLogits: discriminator(generated),
    state: {},
    generator,
  };
  return { d, g: { ...generator, discriminator, rng: new Rng(seed), step: 0 } };
}

describe('zCR, latent consistency regularization (Zhao et al. 2021)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it("D's term is λ_dis·E(D(G(z)) − D(G(z + Δz)))² = λ_dis·E(Δz·W·a)², G's is −λ_gen·E‖G(z) − G(z + Δz)‖² = −λ_gen·mean (Δz·W)² per element", () => {
    const [W, a] = [tf.tensor2d(W0, [LATENT, DIM]), tf.tensor1d(A0)];
    const { d, g } = contexts(W, a, 9);
    const dz = deltaZ(9);
    const moved = times(dz, matrix(W0, LATENT, DIM));
    const logitGap = times(moved, matrix(A0, DIM, 1)).map((row) => row[0] as number);
    expect(zcrDiscriminatorPenalty(d, 5, SIGMA).dataSync()[0]).toBeCloseTo(5 * mean(logitGap.map((v) => v ** 2)), 5);
    expect(zcrGeneratorPenalty(g, 0.5, SIGMA).dataSync()[0]).toBeCloseTo(-0.5 * mean(moved.flat().map((v) => v ** 2)), 6);
    tf.dispose([W, a]);
  });

  it("the D term's gradient in D's weights and the G term's in G's weights match central differences", () => {
    const dCheck = checkGradients(
      (a) => {
        const W = tf.tensor2d(W0, [LATENT, DIM]);
        return zcrDiscriminatorPenalty(contexts(W, a as tf.Tensor, 9).d, 5, SIGMA);
      },
      [{ shape: [DIM], values: A0 }],
    );
    expect(dCheck.maxError).toBeLessThan(2e-3);
    const gCheck = checkGradients(
      (W) => zcrGeneratorPenalty(contexts(W as tf.Tensor, tf.tensor1d(A0), 9).g, 0.5, SIGMA),
      [{ shape: [LATENT, DIM], values: W0 }],
    );
    expect(gCheck.maxError).toBeLessThan(2e-3);
    // Not zero: the gradient does reach the weights.
    const gradient = tf.tidy(() =>
      Array.from(
        tf
          .grad((W: tf.Tensor) => zcrGeneratorPenalty(contexts(W, tf.tensor1d(A0), 9).g, 0.5, SIGMA))(tf.tensor2d(W0, [LATENT, DIM]))
          .dataSync(),
      ),
    );
    expect(Math.max(...gradient.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('is registered as the penalty `zcr` with the paper’s defaults; it needs the generator, and λ = 0 skips a side', () => {
    const bound = createRegularizer('zcr');
    expect(bound.params).toEqual({ lambdaDis: 5, lambdaGen: 0.5, sigma: 0.03 });
    if (bound.kind !== 'penalty') throw new Error('zcr is a penalty');
    expect(bound.needsGenerator).toBe(true);
    const [W, a] = [tf.tensor2d(W0, [LATENT, DIM]), tf.tensor1d(A0)];
    const { d } = contexts(W, a, 9);
    const { generator: _, ...withoutGenerator } = d;
    expect(() => bound.penalty(withoutGenerator)).toThrow("zcr: perturbs G's latents, and this caller has no generator");
    const off = createRegularizer('zcr', { lambdaDis: 0, lambdaGen: 0 });
    if (off.kind !== 'penalty') throw new Error('zcr is a penalty');
    expect(off.penalty(d)).toBeNull();
    expect(off.generatorPenalty?.(contexts(W, a, 9).g)).toBeNull();
    expect(() => createRegularizer('zcr', { sigma: 0 })).toThrow('regularizer zcr.sigma: 0 is not allowed; must be a number > 0');
    tf.dispose([W, a]);
  });
});
