import { getArchitecture, resolveArchitectureOptions } from '@ganbench/architectures';
import { initBackend, Rng, tf } from '@ganbench/core';
import { expectClose, webgpuSkipReason } from '@ganbench/core/testing';
import { describe, expect, it } from 'vitest';
import { createGanTrainer, type StepLosses } from './ganTrainer.js';
import { objectiveOf } from './testing/objective.js';

const skipReason = await webgpuSkipReason();

const ADAM = { name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 } as const;
const STEPS = 2;

/** The training loop's DCGAN (28×28×1, width 4, batch 4), hinge loss, WGAN-GP, n_disc 2: every number a step reports. */
async function train(read: 'sync' | 'async'): Promise<{ losses: StepLosses[]; weights: number[][] }> {
  const rng = new Rng(2);
  const options = resolveArchitectureOptions('dcgan', { width: 4, latentDim: 8 });
  const model = getArchitecture('dcgan').build(options, { dataShape: [28, 28, 1] }, rng.fork('model'));
  const trainer = createGanTrainer(
    model,
    {
      objective: objectiveOf('hinge', 'gradient-penalty'),
      nDisc: 2,
      batchSize: 4,
      optimizer: ADAM,
      discriminatorOptimizer: ADAM,
    },
    rng.fork('train'),
  );
  const data = rng.fork('data');
  const sampleReal = (n: number) => data.uniformTensor([n, 28, 28, 1], -1, 1);
  const losses: StepLosses[] = [];
  for (let step = 0; step < STEPS; step++) losses.push(read === 'sync' ? trainer.step(sampleReal) : await trainer.stepAsync(sampleReal));
  const weights: number[][] = [];
  for (const v of [...model.discriminatorParams.trainableVariables(), ...model.generatorParams.trainableVariables()]) weights.push(Array.from(await v.data()));
  trainer.dispose();
  model.generatorParams.dispose();
  model.discriminatorParams.dispose();
  return { losses, weights };
}

describe.skipIf(skipReason !== null)('the training loop on webgpu (stepAsync) agrees with cpu', () => {
  it('on cpu, stepAsync is step: the same numbers bit for bit', async () => {
    await initBackend('cpu');
    expect(await train('async')).toEqual(await train('sync'));
  });

  it('DCGAN, hinge, WGAN-GP, n_disc 2: the same losses, penalties, logits, gradient norms and weights', async () => {
    await initBackend('cpu');
    const cpu = await train('sync');
    await initBackend('webgpu');
    const before = tf.memory().numTensors;
    const webgpu = await train('async');
    expect(tf.memory().numTensors).toBe(before);
    const keys = Object.keys(cpu.losses[0] as StepLosses).filter((k) => k !== 'carried') as Exclude<keyof StepLosses, 'carried'>[];
    expect((cpu.losses[0] as StepLosses).penalty).toBeGreaterThan(0);
    const flat = (r: { losses: StepLosses[] }) => r.losses.flatMap((l) => keys.map((k) => l[k]));
    expectClose(flat(webgpu), flat(cpu), { rtol: 1e-3, atol: 1e-5 }, `${keys.join(', ')} over ${STEPS} steps`);
    for (let i = 0; i < cpu.weights.length; i++)
      expectClose(webgpu.weights[i] as number[], cpu.weights[i] as number[], { rtol: 1e-4, atol: 2e-6 }, `weight ${i}`);
  });
});
