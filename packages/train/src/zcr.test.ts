import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainer } from './ganTrainer.js';
import { compileObjective } from './objective.js';
import { compareResumed, disposeAll, weightsOf } from './testing/resume.js';

/*
 * zCR (Zhao et al. 2021) in the trainer: on D's step its term joins D's loss (the logged penalty), on G's step its
 * generator-side term joins G's (the logged gPenalty); G runs on the step's latents and on latents + Δz, Δz from the
 * regularizer stream.
 */

const named = (name: string, params: Record<string, number | string | boolean> = {}) => ({ name, params });
const [LATENT, HIDDEN, BATCH, SIDE] = [2, 5, 6, 4];
const POINTS = { description: "dataset 'ring' (2-D points)", images: false };
const IMAGES = { description: "dataset 'mnist'", images: true };

/** G(z) = tanh(z·W + b), 2-D points or 4×4×1 images; D(x) = softplus(flatten(x)·A)·v. */
function tinyModel(seed: number, images = false): GanModel {
  const dim = images ? SIDE * SIDE : 2;
  const rng = new Rng(seed);
  const generatorParams = new ParamStore();
  generatorParams.create('g/W', rng.normalTensor([LATENT, dim], 0, 0.8));
  generatorParams.create('g/b', rng.normalTensor([dim], 0, 0.3));
  const discriminatorParams = new ParamStore();
  discriminatorParams.create('d/A', rng.normalTensor([dim, HIDDEN], 0, 0.8));
  discriminatorParams.create('d/v', rng.normalTensor([HIDDEN, 1], 0, 0.8));
  return {
    generatorParams,
    discriminatorParams,
    latentDim: LATENT,
    generate: (p, z) => {
      const out = tf.tanh(tf.add(tf.matMul(z as tf.Tensor2D, p.get('g/W') as tf.Tensor2D), p.get('g/b')));
      return images ? tf.reshape(out, [-1, SIDE, SIDE, 1]) : out;
    },
    discriminate: (p, x) =>
      tf.reshape(tf.matMul(tf.softplus(tf.matMul(tf.reshape(x, [-1, dim]) as tf.Tensor2D, p.get('d/A') as tf.Tensor2D)), p.get('d/v') as tf.Tensor2D), [-1]),
  };
}

const realPoints = (n: number) => new Rng(99).uniformTensor([n, 2], -1, 1);
const realImages = (n: number) => new Rng(99).uniformTensor([n, SIDE, SIDE, 1], -1, 1);
const adam = { name: 'adam', lr: 0.01, beta1: 0.5, beta2: 0.999 } as const;

function trainer(model: GanModel, seed: number, regularizers: ReturnType<typeof named>[], images = false): GanTrainer {
  const objective = compileObjective({ loss: named('non-saturating'), regularizers }, images ? IMAGES : POINTS);
  return createGanTrainer(model, { objective, nDisc: 1, batchSize: BATCH, optimizer: adam, discriminatorOptimizer: adam }, new Rng(seed));
}

const meanSquared = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0) / a.length;

describe('zcr in the trainer', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it("the first step's logged terms are λ_dis·E(D(G(z)) − D(G(z + Δz)))² and −λ_gen·E‖G(z') − G(z' + Δz')‖², with the streams' draws", () => {
    const seed = 7;
    const model = tinyModel(2);
    const [lambdaDis, lambdaGen, sigma] = [5, 0.5, 0.2];
    const expected = tf.tidy(() => {
      const stream = new Rng(seed);
      const [latents, noise] = [stream.fork('latent'), stream.fork('regularizer')];
      const g = (z: tf.Tensor) => model.generate(model.generatorParams, z, { training: true });
      const d = (x: tf.Tensor) => model.discriminate(model.discriminatorParams, x, { training: true }).dataSync();
      // D's step: z, then Δz; G's step (G's weights not yet moved): z', then Δz'.
      const z = latents.normalTensor([BATCH, LATENT]);
      const dz = noise.normalTensor([BATCH, LATENT], 0, sigma);
      const dTerm = lambdaDis * meanSquared(d(g(z)), d(g(tf.add(z, dz))));
      const zG = latents.normalTensor([BATCH, LATENT]);
      const dzG = noise.normalTensor([BATCH, LATENT], 0, sigma);
      const gTerm = -lambdaGen * meanSquared(g(zG).dataSync(), g(tf.add(zG, dzG)).dataSync());
      return [dTerm, gTerm];
    });
    const t = trainer(model, seed, [named('zcr', { lambdaDis, lambdaGen, sigma })]);
    const first = t.step(realPoints);
    expect(first.penalty).toBeCloseTo(expected[0] as number, 5);
    expect(first.gPenalty).toBeCloseTo(expected[1] as number, 6);
    expect(first.penalty).toBeGreaterThan(1e-4);
    expect(first.gPenalty).toBeLessThan(-1e-4);
    disposeAll(model, t);
  });

  const run = (regularizers: ReturnType<typeof named>[], steps: number, images = false) => {
    const model = tinyModel(1, images);
    const t = trainer(model, 13, regularizers, images);
    const losses = Array.from({ length: steps }, () => t.step(images ? realImages : realPoints));
    const weights = weightsOf(model);
    disposeAll(model, t);
    return { losses, weights };
  };

  it('with both λ = 0 it is the plain trainer bit for bit; with either λ > 0 the weights move differently', () => {
    const plain = run([], 3);
    expect(run([named('zcr', { lambdaDis: 0, lambdaGen: 0 })], 3)).toEqual(plain);
    expect(run([named('zcr', { lambdaDis: 0 })], 3).weights).not.toEqual(plain.weights);
    expect(run([named('zcr', { lambdaGen: 0 })], 3).weights).not.toEqual(plain.weights);
  });

  it('works on images; a run checkpointed mid-way and resumed gives the same logged values and weights bit for bit; the tensor count stays flat', async () => {
    const zcr = [named('zcr')];
    const { straight, resumed, leaked } = await compareResumed(
      { model: (seed) => tinyModel(seed, true), trainer: (m, s) => trainer(m, s, zcr, true), real: realImages },
      13,
      6,
      3,
    );
    expect(straight.losses.every((s) => s.penalty > 0 && s.gPenalty < 0)).toBe(true);
    expect(leaked).toBe(0);
    expect(resumed.losses).toEqual(straight.losses.slice(3));
    expect(resumed.weights).toEqual(straight.weights);
  });
});
