import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { adaAugment, drawAda } from '@ganbench/regularizers';
import { exampleTrialConfig } from '@ganbench/study-folder/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainer, type StepLosses } from './ganTrainer.js';
import { compileObjective } from './objective.js';
import { compareResumed, disposeAll } from './testing/resume.js';
import { validateTrial } from './trial/validate.js';

/*
 * ADA (Karras et al. 2020) in the trainer: p is carried on the device from one discriminator step to the next, moved
 * every `interval` steps from the window's r_t, and used by the augmentation of every image D sees.
 */

const named = (name: string, params: Record<string, number | string | boolean> = {}) => ({ name, params });
const IMAGES = { description: "dataset 'fashion-mnist'", images: true };
const [SIDE, LATENT, HIDDEN, BATCH] = [8, 3, 4, 4];
const PIXELS = SIDE * SIDE;

/** G(z) = tanh(z·W) as 8×8×1 images; D(x) = softplus(flatten(x)·A)·v + b. */
function tinyModel(seed: number): GanModel {
  const rng = new Rng(seed);
  const generatorParams = new ParamStore();
  generatorParams.create('g/W', rng.normalTensor([LATENT, PIXELS], 0, 0.5));
  const discriminatorParams = new ParamStore();
  discriminatorParams.create('d/A', rng.normalTensor([PIXELS, HIDDEN], 0, 0.2));
  discriminatorParams.create('d/v', rng.normalTensor([HIDDEN, 1], 0, 0.5));
  discriminatorParams.create('d/b', tf.scalar(-0.3));
  return {
    generatorParams,
    discriminatorParams,
    latentDim: LATENT,
    generate: (p, z) => tf.reshape(tf.tanh(tf.matMul(z as tf.Tensor2D, p.get('g/W') as tf.Tensor2D)), [-1, SIDE, SIDE, 1]),
    discriminate: (p, x) =>
      tf.add(
        tf.reshape(
          tf.matMul(tf.softplus(tf.matMul(tf.reshape(x, [-1, PIXELS]) as tf.Tensor2D, p.get('d/A') as tf.Tensor2D)), p.get('d/v') as tf.Tensor2D),
          [-1],
        ),
        p.get('d/b'),
      ),
  };
}

const realImages = (n: number) => new Rng(99).uniformTensor([n, SIDE, SIDE, 1], -1, 1) as tf.Tensor4D;
const adam = { name: 'adam', lr: 0.02, beta1: 0.5, beta2: 0.999 } as const;
const ADA = named('ada', { interval: 2, kimg: 0.1, target: 0.6 });

function trainer(model: GanModel, seed: number, regularizers = [ADA]): GanTrainer {
  const objective = compileObjective({ loss: named('non-saturating'), regularizers }, IMAGES);
  return createGanTrainer(model, { objective, nDisc: 2, batchSize: BATCH, optimizer: adam, discriminatorOptimizer: adam }, new Rng(seed));
}

describe('ada in the trainer', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('p follows p ← clamp(p + sign(r_t − 0.6)·N·interval/(kimg·1000), 0, 1) from the logged r_t, once per window of `interval` D steps', () => {
    const model = tinyModel(1);
    const t = trainer(model, 3);
    // nDisc 2 = interval: each trainer step closes one window, so the logged ada.rt is that window's r_t.
    const steps: StepLosses[] = Array.from({ length: 12 }, () => t.step(realImages));
    const delta = Math.fround((BATCH * 2) / 100);
    let p = 0;
    for (const s of steps) {
      const rt = s.carried['ada.rt'] as number;
      // r_t is a mean of 2·4 signs.
      expect(Number.isInteger(rt * 8)).toBe(true);
      p = Math.min(1, Math.max(0, Math.fround(p + Math.sign(rt - Math.fround(0.6)) * delta)));
      expect(s.carried['ada.p']).toBe(p);
      expect(s.carried['ada.signs']).toBe(0);
    }
    expect(Math.max(...steps.map((s) => s.carried['ada.p'] as number))).toBeGreaterThan(0);
    disposeAll(model, t);
  });

  it("D's step sees the augmentation at the carried p with the regularizer stream's draws: its loss is the loss on those batches", async () => {
    const seed = 7;
    const model = tinyModel(2);
    const expected = tf.tidy(() => {
      const stream = new Rng(seed);
      const fake = model.generate(model.generatorParams, stream.fork('latent').normalTensor([BATCH, LATENT]), { training: true }) as tf.Tensor4D;
      const augment = stream.fork('regularizer');
      const p = tf.scalar(0.7);
      const shownReal = adaAugment(realImages(BATCH), p, drawAda(augment, BATCH, [SIDE, SIDE], 'blit,geom'));
      const shownFake = adaAugment(fake, p, drawAda(augment, BATCH, [SIDE, SIDE], 'blit,geom'));
      const d = (x: tf.Tensor) => model.discriminate(model.discriminatorParams, x, { training: true });
      const loss = compileObjective({ loss: named('non-saturating'), regularizers: [] }).discriminatorLoss(d(shownReal), d(shownFake));
      const plain = compileObjective({ loss: named('non-saturating'), regularizers: [] }).discriminatorLoss(d(realImages(BATCH)), d(fake));
      return [loss.dataSync()[0] as number, plain.dataSync()[0] as number];
    });
    const objective = compileObjective({ loss: named('non-saturating'), regularizers: [ADA] }, IMAGES);
    const once = createGanTrainer(model, { objective, nDisc: 1, batchSize: BATCH, optimizer: adam, discriminatorOptimizer: adam }, new Rng(seed));
    // Start the run from p = 0.7 rather than 0.
    const state = await once.state();
    await once.restore({ ...state, arrays: state.arrays.map((a) => (a.name === 'carried/ada.p' ? { ...a, data: new Float32Array([0.7]) } : a)) });
    const dLoss = once.step(realImages).dLoss;
    expect(dLoss).toBe(expected[0]);
    expect(dLoss).not.toBe(expected[1]);
    disposeAll(model, once);
  });

  it('a run checkpointed mid-way and resumed gives the same logged values (p included) and weights bit for bit; the tensor count stays flat', async () => {
    const { straight, resumed, carried, leaked } = await compareResumed({ model: tinyModel, trainer: (m, s) => trainer(m, s), real: realImages }, 13, 6, 3);
    expect(carried).toEqual(['carried/ada.p', 'carried/ada.signs']);
    expect(straight.losses.some((s) => (s.carried['ada.p'] as number) > 0)).toBe(true);
    expect(leaked).toBe(0);
    expect(resumed.losses).toEqual(straight.losses.slice(3));
    expect(resumed.weights).toEqual(straight.weights);
  });

  it('is refused on data that are not images before any work, and validates on an image dataset', () => {
    expect(validateTrial(exampleTrialConfig({ regularizers: [named('ada')] }))).toEqual([
      {
        field: 'regularizers',
        message:
          "regularizers[0]: 'ada' augments images, and dataset 'ring' (2-D points) has none; allowed: an image dataset (mnist, fashion-mnist, cifar10, folder)",
      },
    ]);
    const images = validateTrial(
      exampleTrialConfig({
        dataset: { name: 'fashion-mnist' },
        architecture: { name: 'dcgan', options: {} },
        regularizers: [named('ada', { groups: 'blit' })],
        evaluation: { every: 50, samples: 100, metrics: [] },
      }),
    );
    expect(images).toEqual([]);
  });
});
