import { createArchitecture, dcganReferenceZName, type GanNetworks } from '@ganbench/architectures';
import { initBackend, Rng, tf } from '@ganbench/core';
import { describe, expect, it } from 'vitest';
import { createGanTrainer, type GanTrainer } from './ganTrainer.js';
import { objectiveOf } from './testing/objective.js';

const BATCH = 3;
const ADAM = { name: 'adam', lr: 1e-3, beta1: 0.5, beta2: 0.999 } as const;
const OPTIONS = { width: 2, latentDim: 3, generatorVirtualBatchNorm: true, virtualBatchSize: 4 };

const buildModel = (seed: number): GanNetworks => createArchitecture('dcgan', OPTIONS, { dataShape: [28, 28, 1] }, new Rng(seed).fork('model'));
const trainerFor = (model: GanNetworks, seed: number): GanTrainer =>
  createGanTrainer(
    model,
    { objective: objectiveOf('non-saturating', 'r1', { gamma: 1 }), nDisc: 1, batchSize: BATCH, optimizer: ADAM, discriminatorOptimizer: ADAM },
    new Rng(seed).fork('train'),
  );
/** Real batches from a counter, so a resumed run can draw the same ones. */
function dataStream(start = 0) {
  let drawn = start;
  return { next: (n: number) => new Rng(1000 + drawn++).uniformTensor([n, 28, 28, 1], -1, 1), drawn: () => drawn };
}

describe('DCGAN with virtual batch norm in G resumes bit for bit (cpu)', () => {
  it('the reference batch is saved with G and a restored trainer continues exactly as the uninterrupted one', async () => {
    await initBackend('cpu');
    const run = (trainer: GanTrainer, data: ReturnType<typeof dataStream>, steps: number) =>
      Array.from({ length: steps }, () => {
        const { dLoss, gLoss, penalty } = trainer.step(data.next);
        return [dLoss, gLoss, penalty];
      });
    const first = buildModel(0);
    const name = dcganReferenceZName('g');
    const reference = Array.from(first.generatorParams.get(name).dataSync());
    const trainer = trainerFor(first, 0);
    const data = dataStream();
    run(trainer, data, 2);
    // not trained: the reference batch is the one drawn at the start
    expect(Array.from(first.generatorParams.get(name).dataSync())).toEqual(reference);
    const saved = { state: await trainer.state(), g: await first.generatorParams.values(), d: await first.discriminatorParams.values(), drawn: data.drawn() };
    expect(saved.g.map((a) => a.name)).toContain(name);
    const uninterrupted = run(trainer, data, 2);

    const second = buildModel(1); // another seed: another reference batch and other weights, all overwritten by the checkpoint
    expect(Array.from(second.generatorParams.get(name).dataSync())).not.toEqual(reference);
    for (const [store, arrays] of [
      [second.generatorParams, saved.g],
      [second.discriminatorParams, saved.d],
    ] as const) {
      for (const a of arrays) tf.tidy(() => store.get(a.name).assign(tf.tensor(a.data, a.shape)));
    }
    const resumedTrainer = trainerFor(second, 1);
    await resumedTrainer.restore(saved.state);
    const resumed = run(resumedTrainer, dataStream(saved.drawn), 2);
    expect(resumed).toEqual(uninterrupted);
    expect(uninterrupted.flat().every(Number.isFinite)).toBe(true);
    for (const t of [trainer, resumedTrainer]) t.dispose();
    for (const m of [first, second]) {
      m.generatorParams.dispose();
      m.discriminatorParams.dispose();
    }
  });
});
