import { initBackend, type ParamStore, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainerConfig } from './ganTrainer.js';
import { compileObjective } from './objective.js';
import { diracModel } from './testing/diracModel.js';
import { objectiveOf } from './testing/objective.js';

const value = (store: ParamStore, name: string) => store.get(name).dataSync()[0] as number;
const adam = { name: 'adam', lr: 0.1, beta1: 0.5, beta2: 0.999 } as const;
const config = (overrides: Partial<GanTrainerConfig>): GanTrainerConfig => ({
  objective: objectiveOf('wasserstein'),
  nDisc: 1,
  batchSize: 4,
  optimizer: adam,
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
    const trainer = createGanTrainer(model, config({ nDisc: 2 }), new Rng(0));
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
    const trainer = createGanTrainer(model, config({ objective: objectiveOf('wasserstein', 'r1', { gamma: 2 }) }), new Rng(0));
    expect(trainer.step(realAt(0)).penalty).toBeCloseTo(0.25, 5);
    trainer.dispose();
  });

  it('a constraint runs after each discriminator step: weight clipping keeps |ψ| ≤ c', () => {
    const model = diracModel(1, 0.05);
    const trainer = createGanTrainer(model, config({ objective: objectiveOf('wasserstein', 'weight-clipping', { c: 0.1 }), nDisc: 3 }), new Rng(0));
    trainer.step(realAt(3));
    expect(value(model.discriminatorParams, 'psi')).toBeCloseTo(0.1, 6);
    trainer.dispose();
  });

  it('the tensor count is flat across steps with every kind of regularizer', () => {
    for (const [name, params] of [
      ['gradient-penalty', { lambda: 1 }],
      ['spectral', {}],
      ['instance-noise', { sigma: 0.1 }],
      ['weight-clipping', { c: 1 }],
    ] as const) {
      const model = diracModel(1, 0.5);
      const trainer = createGanTrainer(model, config({ objective: objectiveOf('non-saturating', name, params) }), new Rng(0));
      trainer.step(realAt(0));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) trainer.step(realAt(0));
      expect(tf.memory().numTensors, name).toBe(before);
      trainer.dispose();
    }
  });
});

describe('several regularizers in one objective', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('penalties add up on a step (R1 + R2 = (γ₁ + γ₂)/2·ψ² on the Dirac-GAN), a constraint still clips, tensors stay flat with every kind at once', () => {
    const both = compileObjective({
      loss: { name: 'wasserstein', params: {} },
      regularizers: [
        { name: 'r1', params: { gamma: 2 } },
        { name: 'r2', params: { gamma: 1 } },
      ],
    });
    const model = diracModel(1, 0.5);
    const trainer = createGanTrainer(model, config({ objective: both }), new Rng(0));
    expect(trainer.step(realAt(0)).penalty).toBeCloseTo(((2 + 1) / 2) * 0.25, 5);
    trainer.dispose();
    const everything = compileObjective({
      loss: { name: 'non-saturating', params: {} },
      regularizers: [
        { name: 'gradient-penalty', params: { lambda: 1 } },
        { name: 'instance-noise', params: { sigma: 0.1 } },
        { name: 'weight-clipping', params: { c: 0.3 } },
      ],
      normalization: { name: 'spectral', params: {} },
    });
    const clipped = diracModel(1, 0.5);
    const all = createGanTrainer(clipped, config({ objective: everything }), new Rng(0));
    all.step(realAt(0));
    expect(Math.abs(value(clipped.discriminatorParams, 'psi'))).toBeLessThanOrEqual(0.3 + 1e-7);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) all.step(realAt(0));
    expect(tf.memory().numTensors).toBe(before);
    all.dispose();
  });
});

describe('optimizers, EMA, statistics and checkpointed state', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('RMSProp and SGD with momentum take their closed-form first steps; TTUR gives each player its own rate', () => {
    // WGAN on the Dirac-GAN at θ = 1, ψ = 0.5, real at 3: ∂ψ L_D = θ − 3 = −2, ∂θ L_G = −ψ' after D's step.
    // RMSProp (tfjs, ε = 1e-7): v = (1 − ρ)g², step lr·g/√(v + ε); momentum: v = g, step lr·g.
    const rho = 0.9;
    const model = diracModel(1, 0.5);
    const trainer = createGanTrainer(
      model,
      config({ discriminatorOptimizer: { name: 'rmsprop', lr: 0.01, decay: rho }, optimizer: { name: 'sgd', lr: 0.3, momentum: 0.9 } }),
      new Rng(0),
    );
    const losses = trainer.step(realAt(3));
    const psi = 0.5 + (0.01 * 2) / Math.sqrt((1 - rho) * 4 + 1e-7);
    expect(value(model.discriminatorParams, 'psi')).toBeCloseTo(psi, 5);
    expect(value(model.generatorParams, 'theta')).toBeCloseTo(1 + 0.3 * psi, 5);
    // Gradient norms are |∂ψ| and |∂θ|; D's mean logits are ψ·x on each batch.
    expect(losses.dGradNorm).toBeCloseTo(2, 5);
    expect(losses.gGradNorm).toBeCloseTo(psi, 5);
    expect(losses.dReal).toBeCloseTo(0.5 * 3, 5);
    expect(losses.dFake).toBeCloseTo(0.5 * 1, 5);
    trainer.dispose();
  });

  it("an architecture's generator penalty joins the generator's loss, lazily, and forward passes see the generator step", () => {
    // WGAN, SGD lr 0.1: ∂θ L_G = −ψ' and the penalty c·θ² adds 2cθ on the steps it runs (every other one here).
    const model = diracModel(1, 0.5);
    const steps: number[] = [];
    const generate = model.generate;
    model.generate = (p, z, options) => {
      steps.push(options.step ?? -1);
      return generate(p, z, options);
    };
    model.generatorPenalty = (p, _z, { step }) => (step % 2 === 0 ? (tf.mul(0.5, tf.square(p.get('theta'))) as tf.Scalar) : null);
    const sgd = { name: 'sgd', lr: 0.1, momentum: 0 } as const;
    const trainer = createGanTrainer(model, config({ optimizer: sgd, discriminatorOptimizer: sgd }), new Rng(0));
    const first = trainer.step(realAt(3));
    const psi = 0.5 + 0.1 * 2;
    expect(first.gPenalty).toBeCloseTo(0.5, 6);
    expect(value(model.generatorParams, 'theta')).toBeCloseTo(1 + 0.1 * psi - 0.1 * 1, 5);
    const thetaBefore = value(model.generatorParams, 'theta');
    const psiBefore = value(model.discriminatorParams, 'psi');
    const second = trainer.step(realAt(3));
    expect(second.gPenalty).toBe(0);
    const psiAfter = psiBefore + 0.1 * (3 - thetaBefore);
    expect(value(model.generatorParams, 'theta')).toBeCloseTo(thetaBefore + 0.1 * psiAfter, 5);
    // D step then G step of the first iteration see step 0, those of the second step 1.
    expect(steps).toEqual([0, 0, 1, 1]);
    trainer.dispose();
  });

  it('the EMA generator is β·θ_EMA + (1 − β)·θ after each step, and sampling uses it', () => {
    const model = diracModel(1, 0.5);
    const trainer = createGanTrainer(model, config({ emaDecay: 0.9 }), new Rng(0));
    trainer.step(realAt(3));
    const theta1 = value(model.generatorParams, 'theta');
    trainer.step(realAt(3));
    const theta2 = value(model.generatorParams, 'theta');
    const ema = 0.9 * (0.9 * 1 + 0.1 * theta1) + 0.1 * theta2;
    expect(value(trainer.emaParams as ParamStore, 'theta')).toBeCloseTo(ema, 6);
    const sample = trainer.sample(2, new Rng(5));
    expect(Array.from(sample.dataSync())).toEqual([Math.fround(ema), Math.fround(ema)].map((v) => expect.closeTo(v, 6)));
    sample.dispose();
    trainer.dispose();
  });

  it('state() then restore() into a fresh trainer continues exactly as the original (Adam moments, EMA, random streams)', async () => {
    const run = async (interruptAt: number | null, restore = true) => {
      let model = diracModel(1, 0.5);
      const make = (m: GanModel) =>
        createGanTrainer(m, config({ objective: objectiveOf('non-saturating', 'instance-noise', { sigma: 0.3 }), emaDecay: 0.5 }), new Rng(0));
      let trainer = make(model);
      for (let i = 0; i < 6; i++) {
        if (i === interruptAt) {
          const state = await trainer.state();
          const [theta, psi] = [value(model.generatorParams, 'theta'), value(model.discriminatorParams, 'psi')];
          trainer.dispose();
          model = diracModel(theta, psi);
          trainer = make(model);
          if (restore) await trainer.restore(state);
        }
        trainer.step(realAt(2));
      }
      const out = [value(model.generatorParams, 'theta'), value(model.discriminatorParams, 'psi'), value(trainer.emaParams as ParamStore, 'theta')];
      trainer.dispose();
      return out;
    };
    const straight = await run(null);
    expect(await run(3)).toEqual(straight);
    // A fresh trainer without the state (Adam restarts, streams rewind) ends elsewhere: the comparison can fail.
    expect(await run(3, false)).not.toEqual(straight);
  });
});
