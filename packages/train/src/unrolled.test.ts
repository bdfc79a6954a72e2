import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainerConfig } from './ganTrainer.js';
import { objectiveOf } from './testing/objective.js';
import { unrollDiscriminator, validateUnrolledSteps } from './unrolled.js';

/** G(z) = zA + c (2-D), D(x) = tanh(xW + b)·v: small enough for finite differences over every generator scalar. */
function tinyModel(seed: number): GanModel {
  const rng = new Rng(seed);
  const generatorParams = new ParamStore();
  generatorParams.create('A', rng.normalTensor([2, 2], 0, 0.8));
  generatorParams.create('c', rng.normalTensor([2], 0, 0.5));
  const discriminatorParams = new ParamStore();
  discriminatorParams.create('W', rng.normalTensor([2, 3], 0, 0.8));
  discriminatorParams.create('b', rng.normalTensor([3], 0, 0.3));
  discriminatorParams.create('v', rng.normalTensor([3, 1], 0, 0.8));
  return {
    generatorParams,
    discriminatorParams,
    latentDim: 2,
    generate: (p, z) => tf.add(tf.matMul(z as tf.Tensor2D, p.get('A') as tf.Tensor2D), p.get('c')),
    discriminate: (p, x) =>
      tf.reshape(
        tf.matMul(tf.tanh(tf.add(tf.matMul(x as tf.Tensor2D, p.get('W') as tf.Tensor2D), p.get('b'))) as tf.Tensor2D, p.get('v') as tf.Tensor2D),
        [-1],
      ),
  };
}

const LR = 0.5;
const N = 6;
const objective = objectiveOf('minimax');

/** Fixed batches: real and latent for each of k surrogate steps, then the generator step's. */
function batches(k: number) {
  const rng = new Rng(7);
  return Array.from({ length: k + 1 }, () => ({ real: rng.normalTensor([N, 2], 1, 0.5), z: rng.normalTensor([N, 2]) }));
}

/** The generator loss through k explicit steps of tfjs's SGD optimizer on a copy of D, as a number. */
function explicitLoss(model: GanModel, data: ReturnType<typeof batches>, k: number): number {
  const d = model.discriminatorParams.clone();
  const sgd = tf.train.sgd(LR);
  for (let i = 0; i < k; i++) {
    const { real, z } = data[i] as (typeof data)[0];
    sgd.minimize(
      () => {
        const fake = model.generate(model.generatorParams, z, { training: true });
        return objective.discriminatorLoss(model.discriminate(d, real, { training: true }), model.discriminate(d, fake, { training: true }));
      },
      false,
      d.trainableVariables(),
    );
  }
  const { real, z } = data[k] as (typeof data)[0];
  const loss = tf.tidy(() => {
    const fake = model.generate(model.generatorParams, z, { training: true });
    return objective.generatorLoss(model.discriminate(d, fake, { training: true }), model.discriminate(d, real, { training: true }));
  });
  const out = loss.dataSync()[0] as number;
  loss.dispose();
  sgd.dispose();
  d.dispose();
  return out;
}

/** ∂L_G/∂θ_G through k unrolled steps by autograd (unrollDiscriminator inside variableGrads). */
function unrolledGradient(model: GanModel, data: ReturnType<typeof batches>, k: number): Record<string, number[]> {
  let i = 0;
  const { grads, value } = tf.variableGrads(() => {
    i = 0;
    const d = unrollDiscriminator(model, objective, {
      steps: k,
      learningRate: LR,
      batchSize: N,
      sampleReal: () => (data[i] as (typeof data)[0]).real,
      latent: () => (data[i++] as (typeof data)[0]).z,
      options: { training: true },
    });
    const { real, z } = data[k] as (typeof data)[0];
    const fake = model.generate(model.generatorParams, z, { training: true });
    return objective.generatorLoss(model.discriminate(d, fake, { training: true }), model.discriminate(d, real, { training: true }));
  }, model.generatorParams.trainableVariables());
  const named = model.generatorParams.byName(grads);
  const out = Object.fromEntries(Object.entries(named).map(([name, g]) => [name, Array.from(g.dataSync())]));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

function finiteDifferences(model: GanModel, data: ReturnType<typeof batches>, k: number, h = 1e-2): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const name of model.generatorParams.names()) {
    const v = model.generatorParams.get(name);
    const base = Array.from(v.dataSync());
    out[name] = base.map((_, j) => {
      const at = (delta: number) => {
        const values = base.slice();
        values[j] = (values[j] as number) + delta;
        tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
        return explicitLoss(model, data, k);
      };
      const g = (at(h) - at(-h)) / (2 * h);
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
      return g;
    });
  }
  return out;
}

const flat = (g: Record<string, number[]>) =>
  Object.keys(g)
    .sort()
    .flatMap((name) => g[name] as number[]);

describe('Unrolled GAN (Metz et al. 2017)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  for (const k of [1, 2]) {
    it(`k = ${k}: the generator gradient through the unrolled steps equals central differences of L_G after ${k} explicit SGD steps of D`, () => {
      const model = tinyModel(3);
      const data = batches(k);
      const autograd = flat(unrolledGradient(model, data, k));
      const numeric = flat(finiteDifferences(model, data, k));
      const scale = Math.max(...numeric.map(Math.abs));
      for (const [j, g] of autograd.entries()) expect(Math.abs(g - (numeric[j] as number))).toBeLessThan(2e-3 + 1e-2 * scale);
      // Not the first-order gradient (D's unrolled parameters held fixed): the second-order term matters here.
      const d = model.discriminatorParams.clone();
      const frozen = tf.train.sgd(LR);
      for (let i = 0; i < k; i++) {
        const { real, z } = data[i] as (typeof data)[0];
        frozen.minimize(
          () => {
            const fake = model.generate(model.generatorParams, z, { training: true });
            return objective.discriminatorLoss(model.discriminate(d, real, { training: true }), model.discriminate(d, fake, { training: true }));
          },
          false,
          d.trainableVariables(),
        );
      }
      const { real, z } = data[k] as (typeof data)[0];
      const { grads, value } = tf.variableGrads(() => {
        const fake = model.generate(model.generatorParams, z, { training: true });
        return objective.generatorLoss(model.discriminate(d, fake, { training: true }), model.discriminate(d, real, { training: true }));
      }, model.generatorParams.trainableVariables());
      const firstOrder = flat(Object.fromEntries(Object.entries(model.generatorParams.byName(grads)).map(([n, g]) => [n, Array.from(g.dataSync())])));
      const gap = Math.max(...firstOrder.map((g, j) => Math.abs(g - (numeric[j] as number))));
      expect(gap).toBeGreaterThan(10 * (2e-3 + 1e-2 * scale));
      tf.dispose([value, ...Object.values(grads)]);
      frozen.dispose();
      d.dispose();
      tf.dispose(data.flatMap((b) => [b.real, b.z]));
    });
  }

  const sgd = { name: 'sgd', lr: 0.1, momentum: 0 } as const;
  const trainerConfig = (overrides: Partial<GanTrainerConfig>): GanTrainerConfig => ({
    objective,
    nDisc: 1,
    batchSize: N,
    optimizer: sgd,
    discriminatorOptimizer: sgd,
    ...overrides,
  });
  const realStream = (seed: number) => {
    const rng = new Rng(seed);
    return (n: number) => rng.normalTensor([n, 2], 1, 0.5);
  };
  const weights = (model: GanModel) =>
    [model.generatorParams, model.discriminatorParams].flatMap((store) => store.names().flatMap((name) => Array.from(store.get(name).dataSync())));

  it('k = 0 is bit for bit the plain trainer', () => {
    const run = (overrides: Partial<GanTrainerConfig>) => {
      const model = tinyModel(5);
      const trainer = createGanTrainer(model, trainerConfig(overrides), new Rng(1));
      const sample = realStream(2);
      const losses = Array.from({ length: 4 }, () => trainer.step(sample));
      trainer.dispose();
      return { losses, weights: weights(model) };
    };
    expect(run({ unrolledSteps: 0 })).toEqual(run({}));
    // …and k > 0 changes the generator's step, not the discriminator's.
    expect(run({ unrolledSteps: 2 }).weights).not.toEqual(run({}).weights);
  });

  it('the real D takes its normal single step; tensors do not leak across unrolled steps', () => {
    const plain = tinyModel(5);
    const unrolled = tinyModel(5);
    const a = createGanTrainer(plain, trainerConfig({}), new Rng(1));
    const b = createGanTrainer(unrolled, trainerConfig({ unrolledSteps: 3 }), new Rng(1));
    a.step(realStream(2));
    b.step(realStream(2));
    // The first discriminator step comes before any unrolling, on the same draws: the same D.
    expect(unrolled.discriminatorParams.get('W').dataSync()).toEqual(plain.discriminatorParams.get('W').dataSync());
    const sample = realStream(4);
    b.step(sample);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) b.step(sample);
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
  });

  it('validates k and the regularizers before any work, naming the field, the value and what is allowed', () => {
    expect(() => validateUnrolledSteps(-1, objective)).toThrow(/training\.unrolledSteps: -1 is not allowed; must be an integer ≥ 0/);
    expect(() => validateUnrolledSteps(1.5, objective)).toThrow(/training\.unrolledSteps: 1\.5 is not allowed/);
    expect(() => validateUnrolledSteps(0, objectiveOf('minimax', 'gradient-penalty'))).not.toThrow();
    expect(() => validateUnrolledSteps(5, objectiveOf('minimax', 'gradient-penalty'))).toThrow(
      /training\.unrolledSteps: 5 cannot be combined with regularizers\[0\] 'gradient-penalty' \(a penalty\); allowed with unrolled steps: a loss, label smoothing/,
    );
    expect(() => validateUnrolledSteps(5, objectiveOf('minimax', 'spectral'))).toThrow(/cannot be combined with normalization 'spectral'/);
    expect(() => validateUnrolledSteps(5, objectiveOf('minimax', 'label-smoothing'))).not.toThrow();
    expect(() => createGanTrainer(tinyModel(0), trainerConfig({ unrolledSteps: -2 }), new Rng(0))).toThrow(/training\.unrolledSteps: -2/);
  });
});
