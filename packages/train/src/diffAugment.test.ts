import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { checkGradients } from '@ganbench/core/testing';
import { addInstanceNoise, diffAugment, type RegularizerDefinition, registerRegularizer } from '@ganbench/regularizers';
import { exampleTrialConfig } from '@ganbench/study-folder/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainer } from './ganTrainer.js';
import { compileObjective, ObjectiveError, type ObjectiveSettings } from './objective.js';
import { validateTrial } from './trial/validate.js';

/*
 * DiffAugment (Zhao et al. 2020) as the registered regularizer `diffaugment`: an augmentation of every image D sees,
 * real and fake, on both players' steps, drawn from the trainer's regularizer stream like instance noise.
 */

const named = (name: string, params: Record<string, number | string | boolean> = {}) => ({ name, params });
const settings = (loss: string, regularizers: ReturnType<typeof named>[]): ObjectiveSettings => ({ loss: named(loss), regularizers });
const IMAGES = { description: "dataset 'fashion-mnist'", images: true };

const SIDE = 8;
const LATENT = 3;
const HIDDEN = 4;
const PIXELS = SIDE * SIDE;

/** G(z) = tanh(z·W) as 8×8×1 images; D(x) = softplus(flatten(x)·A)·v, a tiny network on images. */
const generatorOf = (W: tf.Tensor) => (z: tf.Tensor) => tf.reshape(tf.tanh(tf.matMul(z as tf.Tensor2D, W as tf.Tensor2D)), [-1, SIDE, SIDE, 1]);
const discriminatorOf = (A: tf.Tensor, v: tf.Tensor) => (x: tf.Tensor) =>
  tf.reshape(tf.matMul(tf.softplus(tf.matMul(tf.reshape(x, [-1, PIXELS]) as tf.Tensor2D, A as tf.Tensor2D)), v as tf.Tensor2D), [-1]);

function tinyModel(seed: number): GanModel {
  const rng = new Rng(seed);
  const generatorParams = new ParamStore();
  generatorParams.create('g/W', rng.normalTensor([LATENT, PIXELS], 0, 0.5));
  const discriminatorParams = new ParamStore();
  discriminatorParams.create('d/A', rng.normalTensor([PIXELS, HIDDEN], 0, 0.2));
  discriminatorParams.create('d/v', rng.normalTensor([HIDDEN, 1], 0, 0.5));
  return {
    generatorParams,
    discriminatorParams,
    latentDim: LATENT,
    generate: (p, z) => generatorOf(p.get('g/W'))(z),
    discriminate: (p, x) => discriminatorOf(p.get('d/A'), p.get('d/v'))(x),
  };
}

/** Real images: fixed values in [−1, 1] (the same batch each call, so only the augmentation's draws vary). */
function realImages(n: number): tf.Tensor4D {
  return new Rng(99).uniformTensor([n, SIDE, SIDE, 1], -1, 1) as tf.Tensor4D;
}

const adam = { name: 'adam', lr: 0.01, beta1: 0.5, beta2: 0.999 } as const;
const BATCH = 4;

function trainer(model: GanModel, regularizers: ReturnType<typeof named>[], seed: number): GanTrainer {
  const objective = compileObjective(settings('non-saturating', regularizers), IMAGES);
  return createGanTrainer(model, { objective, nDisc: 1, batchSize: BATCH, optimizer: adam, discriminatorOptimizer: adam }, new Rng(seed));
}

const snapshot = (model: GanModel) =>
  [
    ...model.generatorParams.names().map((n) => model.generatorParams.get(n)),
    ...model.discriminatorParams.names().map((n) => model.discriminatorParams.get(n)),
  ].map((t) => Array.from(t.dataSync()));

describe('diffaugment in the compiled objective', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('what D sees is T(x) with the same draws as diffAugment itself, then instance noise whatever the order listed; the loss equals the loss on explicitly augmented batches', () => {
    const model = tinyModel(1);
    const d = (x: tf.Tensor) => model.discriminate(model.discriminatorParams, x, { training: true });
    tf.tidy(() => {
      const real = realImages(BATCH);
      const fake = model.generate(model.generatorParams, new Rng(2).normalTensor([BATCH, LATENT]), { training: true });
      const explicit = (() => {
        const rng = new Rng(5);
        const shownReal = addInstanceNoise(diffAugment(real, rng), rng, 0.1);
        const shownFake = addInstanceNoise(diffAugment(fake as tf.Tensor4D, rng), rng, 0.1);
        return [shownReal, shownFake] as const;
      })();
      for (const order of [
        [named('diffaugment', { policy: 'color,translation,cutout' }), named('instance-noise', { sigma: 0.1 })],
        [named('instance-noise', { sigma: 0.1 }), named('diffaugment')],
      ]) {
        const objective = compileObjective(settings('non-saturating', order), IMAGES);
        expect(objective.perturbsInputs).toBe(true);
        const rng = new Rng(5);
        const shownReal = objective.perturb(real, rng, 0);
        const shownFake = objective.perturb(fake, rng, 0);
        expect(Array.from(shownReal.dataSync())).toEqual(Array.from(explicit[0].dataSync()));
        expect(Array.from(shownFake.dataSync())).toEqual(Array.from(explicit[1].dataSync()));
        const compiled = objective.discriminatorLoss(d(shownReal), d(shownFake)).dataSync()[0];
        const byHand = objective.loss.discriminatorLoss(d(explicit[0]), d(explicit[1])).dataSync()[0];
        expect(compiled).toBe(byHand);
      }
      // The augmentation does change what D sees.
      expect(Array.from(explicit[0].dataSync())).not.toEqual(Array.from(real.dataSync()));
    });
    model.generatorParams.dispose();
    model.discriminatorParams.dispose();
  });

  it("the trainer's D step sees T(real) and T(fake) drawn from its regularizer stream: its loss is the loss on those batches", () => {
    const model = tinyModel(1);
    const seed = 7;
    const expected = tf.tidy(() => {
      const stream = new Rng(seed);
      const z = stream.fork('latent').normalTensor([BATCH, LATENT]);
      const fake = model.generate(model.generatorParams, z, { training: true }) as tf.Tensor4D;
      const augment = stream.fork('regularizer');
      const d = (x: tf.Tensor) => model.discriminate(model.discriminatorParams, x, { training: true });
      const shownReal = diffAugment(realImages(BATCH), augment, ['translation', 'cutout']);
      const shownFake = diffAugment(fake, augment, ['translation', 'cutout']);
      return compileObjective(settings('non-saturating', [])).discriminatorLoss(d(shownReal), d(shownFake)).dataSync()[0] as number;
    });
    const t = trainer(model, [named('diffaugment', { policy: 'translation,cutout' })], seed);
    expect(t.step(realImages).dLoss).toBe(expected);
    t.dispose();
  });

  it("G's gradient flows through the augmentation of fakes (and reals) and matches finite differences on a tiny network", () => {
    const objective = compileObjective(settings('non-saturating', [named('diffaugment')]), IMAGES);
    const model = tinyModel(3);
    const z = new Rng(4).normalTensor([BATCH, LATENT]);
    const real = realImages(BATCH);
    const d = discriminatorOf(model.discriminatorParams.get('d/A'), model.discriminatorParams.get('d/v'));
    // As the trainer's G step: D sees T(G(z)) and then T(real), each draw from one stream (fresh per evaluation: the same draws).
    const gLoss = (W: tf.Tensor) => {
      const rng = new Rng(21);
      const fake = generatorOf(W)(z);
      return objective.generatorLoss(d(objective.perturb(fake, rng, 0)), d(objective.perturb(real, rng, 0)));
    };
    const W0 = model.generatorParams.get('g/W');
    const gradient = tf.tidy(() =>
      Array.from(
        tf
          .grad((W: tf.Tensor) => gLoss(W))(W0)
          .dataSync(),
      ),
    );
    expect(gradient.some((g) => Math.abs(g) > 1e-4)).toBe(true);
    const check = checkGradients(gLoss, [{ shape: [LATENT, PIXELS], values: W0.dataSync() as Float32Array }], { h: 1e-2, maxCoordinates: 48 });
    expect(check.maxError).toBeLessThan(5e-3);
    tf.dispose([z, real]);
    model.generatorParams.dispose();
    model.discriminatorParams.dispose();
  });
});

describe('diffaugment in the trainer', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  const run = (seed: number, steps: number, regularizers = [named('diffaugment')]) => {
    const model = tinyModel(1);
    const t = trainer(model, regularizers, seed);
    const losses = Array.from({ length: steps }, () => t.step(realImages));
    const weights = snapshot(model);
    t.dispose();
    model.generatorParams.dispose();
    model.discriminatorParams.dispose();
    return { losses, weights };
  };

  it('the same seed gives bit-identical steps; another seed or no augmentation does not; the tensor count stays flat', () => {
    const a = run(11, 3);
    const b = run(11, 3);
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
    expect(run(12, 3).weights).not.toEqual(a.weights);
    expect(run(11, 3, []).weights).not.toEqual(a.weights);

    const model = tinyModel(1);
    const t = trainer(model, [named('diffaugment'), named('instance-noise')], 11);
    t.step(realImages);
    const before = tf.memory().numTensors;
    t.step(realImages);
    t.step(realImages);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it("a trial resumed from the trainer's state continues bit for bit (the augmentation's draws come from the checkpointed stream)", async () => {
    const straight = run(13, 4);

    const first = tinyModel(1);
    const before = trainer(first, [named('diffaugment')], 13);
    for (let i = 0; i < 2; i++) before.step(realImages);
    const state = await before.state();
    const weights = [...(await first.generatorParams.values()), ...(await first.discriminatorParams.values())];
    before.dispose();

    const resumed = tinyModel(1);
    for (const a of weights) {
      const store = a.name.startsWith('g/') ? resumed.generatorParams : resumed.discriminatorParams;
      store.get(a.name).assign(tf.tensor(a.data, a.shape, 'float32'));
    }
    const after = trainer(resumed, [named('diffaugment')], 0);
    await after.restore(state);
    const losses = [after.step(realImages), after.step(realImages)];
    expect(losses).toEqual(straight.losses.slice(2));
    expect(snapshot(resumed)).toEqual(straight.weights);
    after.dispose();
  });
});

describe('diffaugment fails before any work where it cannot apply', () => {
  const fails = (run: () => unknown, field: string, message: string) => {
    let error: unknown;
    try {
      run();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ObjectiveError);
    expect((error as ObjectiveError).field).toBe(field);
    expect((error as ObjectiveError).message).toBe(`${field}: ${message}`);
  };

  it('on data that are not images, naming the field, the value and what is allowed', () => {
    fails(
      () =>
        compileObjective(settings('hinge', [named('r1', { gamma: 1 }), named('diffaugment')]), { description: "dataset 'ring' (2-D points)", images: false }),
      'regularizers[1]',
      "'diffaugment' augments images, and dataset 'ring' (2-D points) has none; allowed: an image dataset (mnist, fashion-mnist, cifar10, folder)",
    );
    const problems = validateTrial(exampleTrialConfig({ regularizers: [named('diffaugment')] }));
    expect(problems).toEqual([
      {
        field: 'regularizers',
        message:
          "regularizers[0]: 'diffaugment' augments images, and dataset 'ring' (2-D points) has none; allowed: an image dataset (mnist, fashion-mnist, cifar10, folder)",
      },
    ]);
    const images = validateTrial(
      exampleTrialConfig({
        dataset: { name: 'fashion-mnist' },
        architecture: { name: 'dcgan', options: {} },
        regularizers: [named('diffaugment', { policy: 'color,cutout' }), named('instance-noise')],
        evaluation: { every: 50, samples: 100, metrics: [] },
      }),
    );
    expect(images).toEqual([]);
  });

  it('an unknown policy, and two augmentations', () => {
    fails(
      () => compileObjective(settings('hinge', [named('diffaugment', { policy: 'color,flip' })])),
      'regularizers[0]',
      'regularizer diffaugment.policy: "color,flip" is not allowed; must be one of color,translation,cutout, color,translation, color,cutout, translation,cutout, color, translation, cutout',
    );
    const other: RegularizerDefinition = {
      name: 'test-augmentation',
      kind: 'augmentation',
      description: 'the identity',
      reference: 'none',
      params: {},
      create: () => ({ kind: 'augmentation', augment: (x) => tf.clone(x) }),
    };
    registerRegularizer(other);
    fails(
      () => compileObjective(settings('hinge', [named('diffaugment'), named('instance-noise'), named('test-augmentation')]), IMAGES),
      'regularizers[2]',
      "'test-augmentation' augments D's inputs, which 'diffaugment' already does; allowed: one augmentation",
    );
  });
});
