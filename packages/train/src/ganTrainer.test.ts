import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { createLoss } from '@ganbench/losses';
import { createRegularizer } from '@ganbench/regularizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainerConfig } from './ganTrainer.js';

/** The Dirac-GAN as a model: G(z) = θ for every z, D(x) = ψ·x with ψ a 1×1 matrix (so spectral norm applies). */
function diracModel(theta: number, psi: number): GanModel {
  const generatorParams = new ParamStore();
  generatorParams.create('theta', tf.scalar(theta));
  const discriminatorParams = new ParamStore();
  discriminatorParams.create('psi', tf.tensor2d([[psi]]));
  return {
    generatorParams,
    discriminatorParams,
    latentDim: 1,
    generate: (p, z) => tf.add(tf.mul(z, 0), p.get('theta')),
    discriminate: (p, x, options) => {
      const w = options.weightTransform === undefined ? p.get('psi') : options.weightTransform(p.get('psi'), 'psi');
      return tf.reshape(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), [-1]);
    },
  };
}

const value = (store: ParamStore, name: string) => store.get(name).dataSync()[0] as number;
const adam = { lr: 0.1, beta1: 0.5, beta2: 0.999 };
const config = (overrides: Partial<GanTrainerConfig>): GanTrainerConfig => ({
  loss: createLoss('wasserstein'),
  regularizer: null,
  dSteps: 1,
  batchSize: 4,
  generatorOptimizer: adam,
  discriminatorOptimizer: adam,
  ...overrides,
});
const realAt = (realValue: number) => (n: number) => tf.fill([n, 1], realValue);

describe('one GAN training loop for every loss × regularizer', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('a step is n_disc Adam steps on ψ, then one on θ at the new ψ: the first Adam step moves by lr·sign(gradient)', () => {
    // WGAN on the Dirac-GAN: ∂ψ L_D = θ − x_real, ∂θ L_G = −ψ. Adam's first step is lr·g/(|g| + ε).
    const model = diracModel(1, 0.5);
    const trainer = createGanTrainer(model, config({ dSteps: 2 }), new Rng(0));
    const losses = trainer.step(realAt(3));
    // D: ψ moves up twice (θ − 3 < 0), by lr each time (the second Adam step with a constant gradient is lr as well).
    expect(value(model.discriminatorParams, 'psi')).toBeCloseTo(0.5 + 2 * 0.1, 4);
    expect(value(model.generatorParams, 'theta')).toBeCloseTo(1 + 0.1, 4);
    expect(losses.dLoss).toBeCloseTo(0.6 * 1 - 0.6 * 3, 5);
    expect(losses.gLoss).toBeCloseTo(-0.7 * 1, 5);
    trainer.dispose();
  });

  it('a penalty is added to the discriminator loss and reported: R1 = γ/2·ψ² on the Dirac-GAN', () => {
    const model = diracModel(1, 0.5);
    const trainer = createGanTrainer(model, config({ regularizer: createRegularizer('r1', { gamma: 2 }) }), new Rng(0));
    expect(trainer.step(realAt(0)).penalty).toBeCloseTo(0.25, 5);
    trainer.dispose();
  });

  it('a constraint runs after each discriminator step: weight clipping keeps |ψ| ≤ c', () => {
    const model = diracModel(1, 0.05);
    const trainer = createGanTrainer(model, config({ regularizer: createRegularizer('weight-clipping', { c: 0.1 }), dSteps: 3 }), new Rng(0));
    trainer.step(realAt(3));
    expect(value(model.discriminatorParams, 'psi')).toBeCloseTo(0.1, 6);
    trainer.dispose();
  });

  it('the tensor count is flat across steps with every kind of regularizer', () => {
    for (const [name, params] of [
      ['gradient-penalty', { lambda: 1 }],
      ['spectral-norm', {}],
      ['instance-noise', { sigma: 0.1 }],
      ['weight-clipping', { c: 1 }],
    ] as const) {
      const model = diracModel(1, 0.5);
      const trainer = createGanTrainer(model, config({ loss: createLoss('non-saturating'), regularizer: createRegularizer(name, params) }), new Rng(0));
      trainer.step(realAt(0));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) trainer.step(realAt(0));
      expect(tf.memory().numTensors, name).toBe(before);
      trainer.dispose();
    }
  });
});
