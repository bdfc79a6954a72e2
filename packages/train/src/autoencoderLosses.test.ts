import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ArchitectureDefinition, createArchitecture, type GanNetworks, getArchitecture, registerArchitecture } from '@ganbench/architectures';
import { initBackend, type ParamStore, Rng, tf } from '@ganbench/core';
import { pullAwayTerm } from '@ganbench/losses';
import type { TrialConfig } from '@ganbench/study-folder';
import { exampleTrialConfig } from '@ganbench/study-folder/testing';
import { readMetrics } from '@ganbench/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainer, type StepLosses } from './ganTrainer.js';
import { compileObjective } from './objective.js';
import { compareResumed, disposeAll } from './testing/resume.js';
import { runTrial } from './trial/runTrial.js';
import { validateTrial } from './trial/validate.js';

/*
 * EBGAN and BEGAN in the trainer with the autoencoder D: BEGAN's k_t carried on the device from one discriminator
 * step to the next, used in that step's D loss and updated after it, checkpointed and logged; EBGAN's pull-away term
 * on D's embedding of G's batch.
 */

const named = (name: string, params: Record<string, number | string | boolean> = {}) => ({ name, params });
const POINTS = { description: "dataset 'ring' (2-D points)", images: false };
const BATCH = 8;
const LATENT = 3;
const adam = { name: 'adam', lr: 0.01, beta1: 0.5, beta2: 0.999 } as const;

/** The autoencoder architecture on 2-D points, small. */
const autoencoder = (seed: number, reconstruction = 'l1'): GanNetworks =>
  createArchitecture('autoencoder', { width: 8, embedding: 4, latentDim: LATENT, reconstruction }, { dataShape: [2] }, new Rng(seed));
/** Real points far from G's first outputs, so the real energy starts above the fake one and k_t moves off 0. */
const realPoints = (n: number) => tf.tidy(() => tf.add(new Rng(99).normalTensor([n, 2], 0, 0.5), tf.tensor1d([3, -2])));

function trainer(model: GanModel, seed: number, loss = named('began', { gamma: 0.5, lambdaK: 0.05 })): GanTrainer {
  const objective = compileObjective({ loss, regularizers: [] }, POINTS);
  return createGanTrainer(model, { objective, nDisc: 1, batchSize: BATCH, optimizer: adam, discriminatorOptimizer: adam }, new Rng(seed));
}

const root = mkdtempSync(path.join(tmpdir(), 'ganbench-began-'));

describe('began and energy-based with the autoencoder D in the trainer', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("k_t follows clip(k_t + λ_k(γL(x) − L(G(z))), 0, 1) from each step's logged energies, is used in that step's D loss, and M_global is logged", () => {
    const model = autoencoder(1);
    const t = trainer(model, 3);
    const steps: StepLosses[] = Array.from({ length: 10 }, () => t.step(realPoints));
    let k = 0;
    for (const s of steps) {
      // With nDisc 1 the logged mean logits are those of the step's only D step: L(x) = −dReal, L(G(z)) = −dFake.
      const [real, fake] = [-s.dReal, -s.dFake];
      expect(s.dLoss).toBeCloseTo(real - k * fake, 5);
      k = Math.min(1, Math.max(0, k + 0.05 * (0.5 * real - fake)));
      expect(s.carried['began.k']).toBeCloseTo(k, 6);
      k = s.carried['began.k'] as number;
      expect(s.carried['began.convergence']).toBeCloseTo(real + Math.abs(0.5 * real - fake), 5);
      expect(s.gLoss).toBeGreaterThan(0);
    }
    expect(Math.max(...steps.map((s) => s.carried['began.k'] as number))).toBeGreaterThan(0);
    disposeAll(model, t);
  });

  it('a run checkpointed mid-way and resumed gives the same logged values (began.k included) and weights bit for bit; the tensor count stays flat', async () => {
    const { straight, resumed, carried, leaked } = await compareResumed(
      { model: (seed) => autoencoder(seed), trainer: (m, s) => trainer(m, s), real: realPoints },
      13,
      6,
      3,
    );
    expect(carried).toEqual(['carried/began.k']);
    expect(straight.losses.some((s) => (s.carried['began.k'] as number) > 0)).toBe(true);
    expect(leaked).toBe(0);
    expect(resumed.losses).toEqual(straight.losses.slice(3));
    expect(resumed.weights).toEqual(straight.weights);
  });

  it("energy-based with pullAway: G's logged loss is E[−D(G(z))] + λ_PT·f_PT(h(G(z))) on the trainer's z, with D after its step; the tensor count stays flat", () => {
    const seed = 4;
    const model = autoencoder(2, 'mse');
    const t = trainer(model, seed, named('energy-based', { rawEnergy: true, pullAway: 0.1 }));
    // The first step creates Adam's slots; the second is checked, and its tensor count must stay flat.
    t.step(realPoints);
    const generatorBefore: ParamStore = model.generatorParams.clone();
    const count = tf.memory().numTensors;
    const { gLoss } = t.step(realPoints);
    expect(tf.memory().numTensors).toBe(count);
    const expected = tf.tidy(() => {
      const latent = new Rng(seed).fork('latent');
      // The first step's D and G, then this step's D, drew before.
      for (let i = 0; i < 3; i++) latent.normalTensor([BATCH, LATENT]);
      const fake = model.generate(generatorBefore, latent.normalTensor([BATCH, LATENT]), { training: true });
      const energy = tf.neg(tf.mean(model.discriminate(model.discriminatorParams, fake, { training: true })));
      const term = pullAwayTerm(model.features?.(model.discriminatorParams, fake, { training: true }) as tf.Tensor);
      return [energy.dataSync()[0] as number, term.dataSync()[0] as number];
    });
    expect(expected[1]).toBeGreaterThan(0);
    expect(gLoss).toBeCloseTo((expected[0] as number) + 0.1 * (expected[1] as number), 5);
    generatorBefore.dispose();
    disposeAll(model, t);
  });

  it('the trainer refuses pullAway with a model that exposes no features, before any step', () => {
    const model = autoencoder(1);
    const { features: _, ...withoutFeatures } = model;
    expect(() => trainer(withoutFeatures, 1, named('energy-based', { rawEnergy: true, pullAway: 0.1 }))).toThrow(
      "loss 'energy-based' reads the discriminator's features, and this architecture exposes none",
    );
    // Without the term nothing is read.
    disposeAll(withoutFeatures, trainer(withoutFeatures, 1, named('energy-based', { rawEnergy: true })));
  });

  it('validates began and EBGAN with the autoencoder on points and images', () => {
    const ring = exampleTrialConfig({ architecture: { name: 'autoencoder', options: {} }, loss: named('began'), regularizers: [] });
    expect(validateTrial(ring)).toEqual([]);
    const images = exampleTrialConfig({
      dataset: { name: 'fashion-mnist' },
      architecture: { name: 'autoencoder', options: { reconstruction: 'mse' } },
      loss: named('energy-based', { rawEnergy: true, pullAway: 0.1 }),
      regularizers: [],
      evaluation: { every: 50, samples: 100, metrics: [] },
    });
    expect(validateTrial(images)).toEqual([]);
  });

  it('validateTrial refuses began and rawEnergy on a D that is not an autoencoder, and accepts the softplus energy there', () => {
    const energyMessage = (architecture: string, loss: string) =>
      `'${architecture}' has no autoencoder discriminator, whose −logit loss '${loss}' reads as an energy ≥ 0; allowed with it: autoencoder`;
    const began = exampleTrialConfig({ architecture: { name: 'mlp', options: {} }, loss: named('began'), regularizers: [] });
    expect(validateTrial(began)).toEqual([{ field: 'architecture', message: energyMessage('mlp', 'began') }]);
    const raw = exampleTrialConfig({
      dataset: { name: 'fashion-mnist' },
      architecture: { name: 'dcgan', options: {} },
      loss: named('energy-based', { rawEnergy: true }),
      regularizers: [],
      evaluation: { every: 50, samples: 100, metrics: [] },
    });
    expect(validateTrial(raw)).toEqual([{ field: 'architecture', message: energyMessage('dcgan', 'energy-based') }]);
    const softplus = exampleTrialConfig({ architecture: { name: 'mlp', options: {} }, loss: named('energy-based'), regularizers: [] });
    expect(validateTrial(softplus)).toEqual([]);
  });

  it('validateTrial refuses pullAway on an architecture without features before any work, and accepts energy-based without it there', () => {
    const autoencoderDefinition = getArchitecture('autoencoder');
    let built = 0;
    const { features: _exposed, ...rest } = autoencoderDefinition;
    const plain: ArchitectureDefinition = {
      ...rest,
      name: 'autoencoder-without-features',
      build: (...args) => {
        built++;
        return autoencoderDefinition.build(...args);
      },
    };
    registerArchitecture(plain);
    const architecture = { name: 'autoencoder-without-features', options: {} };
    const pullAway = exampleTrialConfig({ architecture, loss: named('energy-based', { rawEnergy: true, pullAway: 0.1 }), regularizers: [] });
    expect(validateTrial(pullAway)).toEqual([
      {
        field: 'architecture',
        message: expect.stringMatching(
          /^'autoencoder-without-features' exposes no discriminator features, which loss 'energy-based' reads; allowed with it: an architecture with features \(.*autoencoder/,
        ),
      },
    ]);
    expect(built).toBe(0);
    expect(validateTrial({ ...pullAway, loss: named('energy-based', { rawEnergy: true, pullAway: 0 }) })).toEqual([]);
  });

  const TRIAL: TrialConfig = {
    ...exampleTrialConfig({
      architecture: { name: 'autoencoder', options: { width: 8, embedding: 4, latentDim: 4 } },
      loss: named('began', { gamma: 0.5, lambdaK: 0.05 }),
      regularizers: [],
    }),
    training: {
      steps: 8,
      batchSize: 16,
      nDisc: 1,
      optimizer: { name: 'adam', lr: 1e-3, beta1: 0.5, beta2: 0.999 },
      discriminatorOptimizer: { name: 'adam', lr: 1e-3, beta1: 0.5, beta2: 0.999 },
      emaDecay: null,
      unrolledSteps: 0,
      checkpointEvery: 4,
    },
    evaluation: { every: 8, samples: 100, metrics: ['modes_covered'] },
    seed: 2,
  };

  it('runTrial on the ring logs began.k and began.convergence each step; interrupted and resumed, its log equals the uninterrupted one bit for bit', async () => {
    const history = async (dir: string) => (await readMetrics(dir)).map(({ key, value, step }) => ({ key, value, step }));
    const straightDir = path.join(root, 'straight');
    expect((await runTrial(TRIAL, straightDir)).status).toBe('finished');
    const logged = await history(straightDir);
    const ks = logged.filter((m) => m.key === 'began.k');
    expect(ks.length).toBe(8);
    expect(logged.filter((m) => m.key === 'began.convergence').length).toBe(8);
    expect(ks.every((m) => m.value >= 0 && m.value <= 1)).toBe(true);

    const resumedDir = path.join(root, 'resumed');
    const controller = new AbortController();
    const first = await runTrial(TRIAL, resumedDir, { signal: controller.signal, onProgress: ({ step }) => step === 5 && controller.abort() });
    expect(first.status).toBe('interrupted');
    expect((await runTrial(TRIAL, resumedDir)).status).toBe('finished');
    expect(await history(resumedDir)).toEqual(logged);
  });
});
