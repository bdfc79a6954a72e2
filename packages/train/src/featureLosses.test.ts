import { type ArchitectureDefinition, createArchitecture, getArchitecture, registerArchitecture } from '@ganbench/architectures';
import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { exampleTrialConfig } from '@ganbench/study-folder/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainerConfig } from './ganTrainer.js';
import { compileObjective } from './objective.js';
import { diracModel } from './testing/diracModel.js';
import { validateTrial } from './trial/validate.js';

/* The losses that read more than the logits (feature matching: D's features; loss-sensitive: the batches D saw) in the trainer. */

const named = (name: string, params: Record<string, number> = {}) => ({ name, params });
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const adam = { name: 'adam', lr: 0.1, beta1: 0.5, beta2: 0.999 } as const;
const config = (loss: string, params: Record<string, number> = {}): GanTrainerConfig => ({
  objective: compileObjective({ loss: named(loss, params), regularizers: [] }),
  nDisc: 1,
  batchSize: 4,
  optimizer: adam,
  discriminatorOptimizer: adam,
});
const realAt = (v: number) => (n: number) => tf.fill([n, 1], v);

/**
 * G(z) = θ, D's features f(x) = x·W with W = [w₁, w₂] fixed (not trained), D(x) = f(x)·a: the Dirac-GAN with a
 * feature layer, so feature matching's G loss is (x̄ − θ)²‖W‖² in closed form.
 */
function linearModel(theta: number, w: [number, number], withFeatures: boolean): GanModel {
  const generatorParams = new ParamStore();
  generatorParams.create('theta', tf.scalar(theta));
  const discriminatorParams = new ParamStore();
  discriminatorParams.create('W', tf.tensor2d([w]), { trainable: false });
  discriminatorParams.create('a', tf.tensor2d([[0.5], [-0.25]]));
  const features = (p: ParamStore, x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, p.get('W') as tf.Tensor2D);
  return {
    generatorParams,
    discriminatorParams,
    latentDim: 1,
    generate: (p, z) => tf.add(tf.mul(z, 0), p.get('theta')),
    discriminate: (p, x) => tf.reshape(tf.matMul(features(p, x), p.get('a') as tf.Tensor2D), [-1]),
    ...(withFeatures && { features: (p: ParamStore, x: tf.Tensor) => features(p, x) }),
  };
}

const value = (store: ParamStore, name: string) => store.get(name).dataSync()[0] as number;

describe('feature matching and loss-sensitive in the trainer', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('feature matching: G’s loss is (x̄ − θ)²‖W‖² on D’s features, and Adam’s first step moves θ by lr toward x̄', () => {
    const model = linearModel(1, [2, -1], true);
    const trainer = createGanTrainer(model, config('feature-matching'), new Rng(0));
    const losses = trainer.step(realAt(3));
    expect(losses.gLoss).toBeCloseTo((3 - 1) ** 2 * (4 + 1), 4);
    expect(value(model.generatorParams, 'theta')).toBeCloseTo(1 + 0.1, 4);
    // D's own loss is the minimax cross-entropy on its logits f(x)·a = x·(2·0.5 + 1·0.25) = 1.25·x.
    expect(losses.dLoss).toBeCloseTo(softplus(-1.25 * 3) + softplus(1.25 * 1), 4);
    trainer.dispose();
  });

  it('the trainer refuses feature matching with a model that exposes no features, before any step', () => {
    const model = linearModel(1, [2, -1], false);
    expect(() => createGanTrainer(model, config('feature-matching'), new Rng(0))).toThrow(
      "loss 'feature-matching' reads the discriminator's features, and this architecture exposes none",
    );
    expect(value(model.generatorParams, 'theta')).toBe(1);
  });

  it('loss-sensitive: D’s reported loss is −3ψ + λ(τ|3 − 1| − 3ψ + ψ)₊ (L = −logit) and G’s is −ψ′θ at D’s new ψ′', () => {
    const [psi, tau, lambda] = [0.5, 1, 1];
    const model = diracModel(1, psi);
    const trainer = createGanTrainer(model, config('loss-sensitive', { lambda, marginScale: tau }), new Rng(0));
    const losses = trainer.step(realAt(3));
    const hinge = tau * 2 - 3 * psi + psi;
    expect(hinge).toBeGreaterThan(0);
    expect(losses.dLoss).toBeCloseTo(-3 * psi + lambda * hinge, 5);
    // ∂ψ = −3 + λ(−3 + 1) < 0, so Adam's first step raises ψ by lr.
    expect(value(model.discriminatorParams, 'psi')).toBeCloseTo(psi + 0.1, 4);
    expect(losses.gLoss).toBeCloseTo(-(psi + 0.1) * 1, 5);
    trainer.dispose();
  });

  it.each([
    ['feature-matching', {}],
    ['loss-sensitive', { marginScale: 0.1 }],
  ] as const)('%s: a 2×16 MLP on Gaussian points trains a few steps with finite losses and a flat tensor count', (loss, params) => {
    const net = createArchitecture('mlp', { gWidth: 16, gLayers: 2, dWidth: 16, dLayers: 2, latentDim: 2 }, { dataShape: [2] }, new Rng(1));
    const trainer = createGanTrainer(net, { ...config(loss, params), batchSize: 8, nDisc: 2 }, new Rng(2));
    const data = new Rng(3);
    const sample = (n: number) => data.normalTensor([n, 2]);
    trainer.step(sample);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const losses = trainer.step(sample);
      expect([losses.dLoss, losses.gLoss, losses.dGradNorm, losses.gGradNorm].every(Number.isFinite)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });
});

describe('validateTrial refuses feature matching on an architecture without features, before any work', () => {
  it('naming the field, the value and the architectures allowed', () => {
    const mlp = getArchitecture('mlp');
    let built = 0;
    const { features: _exposed, ...rest } = mlp;
    const plain: ArchitectureDefinition = {
      ...rest,
      name: 'mlp-without-features',
      build: (...args) => {
        built++;
        return mlp.build(...args);
      },
    };
    registerArchitecture(plain);
    const problems = validateTrial(exampleTrialConfig({ loss: named('feature-matching'), architecture: { name: 'mlp-without-features', options: {} } }));
    expect(problems).toEqual([
      {
        field: 'architecture',
        message: expect.stringMatching(
          /^'mlp-without-features' exposes no discriminator features, which loss 'feature-matching' reads; allowed with it: an architecture with features \(mlp, dcgan, sndcgan, sagan, progan, stylegan2/,
        ),
      },
    ]);
    expect(built).toBe(0);
    expect(validateTrial(exampleTrialConfig({ loss: named('feature-matching') }))).toEqual([]);
    expect(validateTrial(exampleTrialConfig({ loss: named('loss-sensitive'), architecture: { name: 'mlp-without-features', options: {} } }))).toEqual([]);
  });
});
