import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainer, type StepLosses } from './ganTrainer.js';
import { compileObjective } from './objective.js';
import { compareResumed, disposeAll } from './testing/resume.js';

/*
 * LeCam (Tseng et al. 2021) in the trainer: the anchors are carried on the device, updated on each discriminator step
 * with that step's mean logits before the penalty uses them, checkpointed and logged as lecam.real and lecam.fake.
 */

const named = (name: string, params: Record<string, number | string | boolean> = {}) => ({ name, params });
const [LATENT, HIDDEN, BATCH] = [2, 5, 8];

/** G(z) = z·W + b on 2-D points; D(x) = softplus(x·A)·v. */
function tinyModel(seed: number): GanModel {
  const rng = new Rng(seed);
  const generatorParams = new ParamStore();
  generatorParams.create('g/W', rng.normalTensor([LATENT, 2], 0, 0.8));
  generatorParams.create('g/b', rng.normalTensor([2], 0, 0.3));
  const discriminatorParams = new ParamStore();
  discriminatorParams.create('d/A', rng.normalTensor([2, HIDDEN], 0, 0.8));
  discriminatorParams.create('d/v', rng.normalTensor([HIDDEN, 1], 0, 0.8));
  return {
    generatorParams,
    discriminatorParams,
    latentDim: LATENT,
    generate: (p, z) => tf.add(tf.matMul(z as tf.Tensor2D, p.get('g/W') as tf.Tensor2D), p.get('g/b')),
    discriminate: (p, x) => tf.reshape(tf.matMul(tf.softplus(tf.matMul(x as tf.Tensor2D, p.get('d/A') as tf.Tensor2D)), p.get('d/v') as tf.Tensor2D), [-1]),
  };
}

/** Real points: the same batch each call, two clusters. */
const realPoints = (n: number) =>
  tf.tidy(() =>
    tf.add(new Rng(99).normalTensor([n, 2], 0, 0.1), tf.tensor2d(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? [1, 1] : [-1, 0.5])).flat(), [n, 2])),
  );
const adam = { name: 'adam', lr: 0.01, beta1: 0.5, beta2: 0.999 } as const;
const LECAM = named('lecam', { lambda: 0.3 });

function trainer(model: GanModel, seed: number): GanTrainer {
  const objective = compileObjective({ loss: named('hinge'), regularizers: [LECAM] }, { description: "dataset 'ring' (2-D points)", images: false });
  return createGanTrainer(model, { objective, nDisc: 1, batchSize: BATCH, optimizer: adam, discriminatorOptimizer: adam }, new Rng(seed));
}

describe('lecam in the trainer', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('the logged anchors are the moving averages of the logged mean logits: α₀ = m₀, α_k = 0.99·α_{k−1} + 0.01·m_k (float32)', () => {
    const model = tinyModel(1);
    const t = trainer(model, 3);
    const steps: StepLosses[] = Array.from({ length: 8 }, () => t.step(realPoints));
    const f = Math.fround;
    let [real, fake] = [0, 0];
    for (const [k, s] of steps.entries()) {
      const d = k === 0 ? 0 : f(0.99);
      const rest = k === 0 ? 1 : f(1 - 0.99);
      real = f(f(real * d) + f(s.dReal * rest));
      fake = f(f(fake * d) + f(s.dFake * rest));
      expect(s.carried['lecam.real']).toBe(real);
      expect(s.carried['lecam.fake']).toBe(fake);
    }
    // The anchors did move away from the first batch's means.
    expect(steps[7]?.carried['lecam.real']).not.toBe(steps[0]?.dReal);
    disposeAll(model, t);
  });

  it("the first step's logged penalty is λ·(E(D(x) − mean D(G(z)))² + E(D(G(z)) − mean D(x))²) on its batches", () => {
    const seed = 7;
    const model = tinyModel(2);
    const expected = tf.tidy(() => {
      const z = new Rng(seed).fork('latent').normalTensor([BATCH, LATENT]);
      const d = (x: tf.Tensor) => Array.from(model.discriminate(model.discriminatorParams, x, { training: true }).dataSync());
      const real = d(realPoints(BATCH));
      const fake = d(model.generate(model.generatorParams, z, { training: true }));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return 0.3 * (mean(real.map((r) => (r - mean(fake)) ** 2)) + mean(fake.map((g) => (g - mean(real)) ** 2)));
    });
    const t = trainer(model, seed);
    const first = t.step(realPoints);
    expect(first.penalty).toBeCloseTo(expected, 5);
    expect(first.penalty).toBeGreaterThan(1e-3);
    disposeAll(model, t);
  });

  it('a run checkpointed mid-way and resumed gives the same logged values (anchors included) and weights bit for bit; the tensor count stays flat', async () => {
    const { straight, resumed, carried, leaked } = await compareResumed({ model: tinyModel, trainer: (m, s) => trainer(m, s), real: realPoints }, 13, 6, 3);
    expect(carried).toEqual(['carried/lecam.real', 'carried/lecam.fake']);
    expect(leaked).toBe(0);
    expect(resumed.losses).toEqual(straight.losses.slice(3));
    expect(resumed.weights).toEqual(straight.weights);
  });
});
