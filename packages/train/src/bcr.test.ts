import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { bcrPenalty, penaltyContext } from '@ganbench/regularizers';
import { exampleTrialConfig } from '@ganbench/study-folder/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel } from './ganTrainer.js';
import { compileObjective, ObjectiveError } from './objective.js';
import { validateTrial } from './trial/validate.js';

/* bCR (Zhao et al. 2021) augments images itself, so it is refused on 2-D data before any work, as diffaugment is. */

const named = (name: string, params: Record<string, number | string | boolean> = {}) => ({ name, params });
const RING = "dataset 'ring' (2-D points) has none; allowed: an image dataset (mnist, fashion-mnist, cifar10, folder)";

describe('bcr fails before any work on data that are not images', () => {
  it('naming the field, the value and what is allowed', () => {
    let error: unknown;
    try {
      compileObjective(
        { loss: named('hinge'), regularizers: [named('r1', { gamma: 1 }), named('bcr')] },
        { description: "dataset 'ring' (2-D points)", images: false },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ObjectiveError);
    expect((error as ObjectiveError).field).toBe('regularizers[1]');
    expect((error as ObjectiveError).message).toBe(`regularizers[1]: 'bcr' augments images, and ${RING}`);
    expect(validateTrial(exampleTrialConfig({ regularizers: [named('bcr', { lambdaReal: 10, lambdaFake: 5 })] }))).toEqual([
      { field: 'regularizers', message: `regularizers[0]: 'bcr' augments images, and ${RING}` },
    ]);
    const images = validateTrial(
      exampleTrialConfig({
        dataset: { name: 'fashion-mnist' },
        architecture: { name: 'dcgan', options: {} },
        regularizers: [named('bcr')],
        evaluation: { every: 50, samples: 100, metrics: [] },
      }),
    );
    expect(images).toEqual([]);
    expect(
      compileObjective({ loss: named('hinge'), regularizers: [named('bcr')] }, { description: "dataset 'mnist'", images: true }).regularizers[0]?.params,
    ).toEqual({
      lambdaReal: 10,
      lambdaFake: 10,
    });
  });
});

const [SIDE, LATENT, BATCH] = [8, 3, 4];

/** G(z) = tanh(z·W) as 8×8×1 images, D(x) = flatten(x)·a: a tiny model on images. */
function tinyModel(seed: number): GanModel {
  const rng = new Rng(seed);
  const generatorParams = new ParamStore();
  generatorParams.create('g/W', rng.normalTensor([LATENT, SIDE * SIDE], 0, 0.5));
  const discriminatorParams = new ParamStore();
  discriminatorParams.create('d/a', rng.normalTensor([SIDE * SIDE, 1], 0, 0.2));
  return {
    generatorParams,
    discriminatorParams,
    latentDim: LATENT,
    generate: (p, z) => tf.reshape(tf.tanh(tf.matMul(z as tf.Tensor2D, p.get('g/W') as tf.Tensor2D)), [-1, SIDE, SIDE, 1]),
    discriminate: (p, x) => tf.reshape(tf.matMul(tf.reshape(x, [-1, SIDE * SIDE]), p.get('d/a') as tf.Tensor2D), [-1]),
  };
}

const realImages = (n: number) => new Rng(99).uniformTensor([n, SIDE, SIDE, 1], -1, 1);
const adam = { name: 'adam', lr: 0.01, beta1: 0.5, beta2: 0.999 } as const;

describe('bcr in the trainer', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it("the logged penalty is bcrPenalty on the step's batches with the regularizer stream's draws; the same seed, the same steps", () => {
    const seed = 7;
    const run = () => {
      const model = tinyModel(1);
      const objective = compileObjective(
        { loss: named('non-saturating'), regularizers: [named('bcr', { lambdaFake: 5 })] },
        { description: "dataset 'mnist'", images: true },
      );
      const trainer = createGanTrainer(model, { objective, nDisc: 1, batchSize: BATCH, optimizer: adam, discriminatorOptimizer: adam }, new Rng(seed));
      const losses = [trainer.step(realImages), trainer.step(realImages)];
      trainer.dispose();
      return losses;
    };
    const model = tinyModel(1);
    const expected = tf.tidy(() => {
      const stream = new Rng(seed);
      const fake = model.generate(model.generatorParams, stream.fork('latent').normalTensor([BATCH, LATENT]), { training: true });
      const discriminator = (x: tf.Tensor) => model.discriminate(model.discriminatorParams, x, { training: true });
      const context = penaltyContext({ discriminator, real: realImages(BATCH), fake, rng: stream.fork('regularizer'), step: 0 });
      return bcrPenalty(context, 10, 5).dataSync()[0] as number;
    });
    const first = run();
    expect(expected).toBeGreaterThan(0);
    expect(first[0]?.penalty).toBeCloseTo(expected, 5);
    expect(run()).toEqual(first);
  });
});
