import { getArchitecture, resolveArchitectureOptions } from '@ganbench/architectures';
import { initBackend, Rng, tf } from '@ganbench/core';
import { getMixture, sampleMixture } from '@ganbench/data';
import { describe, expect, it } from 'vitest';
import { createGanTrainer, type GanTrainer, type GanTrainerConfig, type StepLosses } from './ganTrainer.js';
import { SQUARED_NORM, squaredGlobalNorm, squaredGlobalNormUnfused } from './squaredNorm.js';
import { createReferenceGanTrainer } from './testing/ganTrainerReference.js';
import { objectiveOf } from './testing/objective.js';

const bits = (x: number) => new Float64Array([x])[0];

/** The quick study's MLP GAN on the ring, trained `steps` steps by `create`; every logged number of every step. */
async function losses(
  create: typeof createGanTrainer,
  config: Omit<GanTrainerConfig, 'objective'> & { loss: string; regularizer: string },
  steps: number,
  async: boolean,
): Promise<StepLosses[]> {
  const rng = new Rng(7);
  const options = resolveArchitectureOptions('mlp', { latentDim: 16, gWidth: 32, gLayers: 2, dWidth: 32, dLayers: 2 });
  const model = getArchitecture('mlp').build(options, { dataShape: [2] }, rng.fork('model'));
  const { loss, regularizer, ...rest } = config;
  const trainer: GanTrainer = create(
    model,
    { ...rest, objective: objectiveOf(loss, regularizer, regularizer === 'r1' ? { gamma: 0.1 } : {}) },
    rng.fork('train'),
  );
  const ring = getMixture('ring');
  const dataRng = rng.fork('data');
  const sample = (n: number) => sampleMixture(ring, n, dataRng);
  const out: StepLosses[] = [];
  for (let i = 0; i < steps; i++) out.push(async ? await trainer.stepAsync(sample) : trainer.step(sample));
  trainer.dispose();
  model.generatorParams.dispose();
  model.discriminatorParams.dispose();
  return out;
}

const adam = { name: 'adam', lr: 1e-3, beta1: 0.5, beta2: 0.999 } as const;
const CASES = [
  { name: 'non-saturating, n_disc 1 (the quick study)', loss: 'non-saturating', regularizer: 'none', nDisc: 1 },
  { name: 'hinge + R1, n_disc 2 (a penalty logged)', loss: 'hinge', regularizer: 'r1', nDisc: 2 },
] as const;

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`the trainer's logged numbers are the pre-issue-18 trainer's, bit for bit (${backend})`, () => {
    for (const c of CASES)
      for (const async of [false, true])
        it(`${c.name}, ${async ? 'stepAsync' : 'step'}`, async () => {
          await initBackend(backend, { threads: 1 });
          const config = { loss: c.loss, regularizer: c.regularizer, nDisc: c.nDisc, batchSize: 64, optimizer: adam, discriminatorOptimizer: adam };
          const before = tf.memory().numTensors;
          const current = await losses(createGanTrainer, config, 4, async);
          expect(tf.memory().numTensors).toBe(before);
          const reference = await losses(createReferenceGanTrainer, config, 4, async);
          expect(current.length).toBe(4);
          for (let i = 0; i < current.length; i++)
            for (const key of Object.keys(reference[i] as StepLosses) as (keyof StepLosses)[]) {
              const [a, b] = [(current[i] as StepLosses)[key], (reference[i] as StepLosses)[key]];
              expect(Object.is(bits(a), bits(b)), `step ${i} ${key}: ${a} against ${b}`).toBe(true);
            }
          if (c.regularizer === 'r1') expect((current[0] as StepLosses).penalty).toBeGreaterThan(0);
        });

    it('the fused squared norm is addN(sum(square(g))) bit for bit, in one kernel', async () => {
      await initBackend(backend, { threads: 1 });
      const rng = new Rng(3);
      const shapes = [[1], [7], [64], [2, 64], [64, 64], [333, 17], [3, 3, 8, 16]];
      for (let trial = 0; trial < 5; trial++) {
        const scale = 10 ** (trial * 3 - 6);
        const tensors = shapes.map((s) => tf.mul(rng.normalTensor(s), scale));
        const fused = squaredGlobalNorm(tensors);
        const unfused = squaredGlobalNormUnfused(tensors);
        expect(fused.dataSync()[0]).toBe(unfused.dataSync()[0]);
        const profile = await tf.profile(() => squaredGlobalNorm(tensors));
        expect(profile.kernels.map((k) => k.name)).toEqual([SQUARED_NORM]);
        tf.dispose([...tensors, fused, unfused, profile.result as tf.Tensor]);
      }
    });
  });
}
