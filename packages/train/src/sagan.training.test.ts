import { SAGAN_OPTIONS, SAGAN_RECOMMENDED, SAGAN_SPECTRAL_NORM_CONFLICT, saganArchitecture } from '@ganbench/architectures';
import { initBackend, Rng, resolveOptions, tf } from '@ganbench/core';
import { NO_REGULARIZER } from '@ganbench/regularizers';
import type { OptimizerConfig } from '@ganbench/study-folder';
import { describe, expect, it } from 'vitest';
import { createGanTrainer } from './ganTrainer.js';
import { objectiveOf } from './testing/objective.js';

const STEPS = 3;
const RESOLUTION = 32;

type Case = [Record<string, unknown>, string, string, number];

/** SAGAN's recommended training (hinge, no regularizer: its spectral norm is built in), and both penalties with the non-saturating loss. */
const WASM_CASES: Case[] = [
  [{ width: 2 }, 'hinge', NO_REGULARIZER, 4],
  [{ width: 2 }, 'non-saturating', 'gradient-penalty', 4],
  [{ width: 2 }, 'non-saturating', 'r1', 4],
];

/** tfjs-backend-cpu's conv gradients and broadcasting ops are scalar loops: one case, width 2 (8 channels), batch 2, same layers and paths. */
const CPU_CASES: Case[] = [[{ width: 2 }, 'hinge', NO_REGULARIZER, 2]];

/** TTUR with Adam β = (0, 0.9) as SAGAN recommends (Zhang et al. 2019, Sec. 5). */
const optimizers = () => ({
  optimizer: SAGAN_RECOMMENDED.optimizer as OptimizerConfig,
  discriminatorOptimizer: SAGAN_RECOMMENDED.discriminatorOptimizer as OptimizerConfig,
});

const build = (options: Record<string, unknown>, normalization: string | undefined, rng: Rng) =>
  saganArchitecture.build(
    resolveOptions('architecture sagan', SAGAN_OPTIONS, { latentDim: 16, ...options }),
    { dataShape: [RESOLUTION, RESOLUTION, 3], ...(normalization === undefined ? {} : { normalization }) },
    rng,
  );

/** R1 at γ = 1 (the contract's value for these smoke runs). */
const objectiveFor = (loss: string, name: string) => objectiveOf(loss, name, name === 'r1' ? { gamma: 1 } : {});

for (const [backend, cases] of [
  ['cpu', CPU_CASES],
  ['wasm', WASM_CASES],
] as const) {
  describe(`SAGAN trains with createGanTrainer on ${backend} (${RESOLUTION} px)`, () => {
    it.each(cases)('%o, %s loss, %s, batch %i: finite losses, flat tensor count, images in [−1, 1]', async (options, lossName, regName, batch) => {
      await initBackend(backend);
      const rng = new Rng(0);
      const net = build(options, undefined, rng.fork('model'));
      const trainer = createGanTrainer(net, { objective: objectiveFor(lossName, regName), nDisc: 1, batchSize: batch, ...optimizers() }, rng.fork('train'));
      const dataRng = rng.fork('data');
      const real = (n: number) => dataRng.uniformTensor([n, RESOLUTION, RESOLUTION, 3], -1, 1);
      const gammaBefore = net.generatorParams.get('g/attention/gamma').dataSync()[0];
      const counts: number[] = [];
      for (let step = 1; step <= STEPS; step++) {
        const { dLoss, gLoss, penalty } = trainer.step(real);
        expect([dLoss, gLoss, penalty].every(Number.isFinite), `step ${step}: ${dLoss}, ${gLoss}, ${penalty}`).toBe(true);
        if (regName !== NO_REGULARIZER) expect(penalty, `step ${step}`).toBeGreaterThan(0);
        counts.push(tf.memory().numTensors);
      }
      // optimizer slots exist after the first step; from then on nothing accumulates
      expect(counts.slice(1)).toEqual(new Array(STEPS - 1).fill(counts[1]));
      // the attention γ starts at 0 and is trained: the generator's gradient reaches it
      expect(net.generatorParams.get('g/attention/gamma').dataSync()[0]).not.toBe(gammaBefore);
      expect(net.discriminatorParams.get('d/attention/gamma').dataSync()[0]).not.toBe(0);
      const samples = trainer.sample(batch);
      expect(samples.shape).toEqual([batch, RESOLUTION, RESOLUTION, 3]);
      expect(samples.dataSync().every((v) => Number.isFinite(v) && v >= -1 && v <= 1)).toBe(true);
      samples.dispose();
      trainer.dispose();
      net.generatorParams.dispose();
      net.discriminatorParams.dispose();
    });
  });
}

describe('SAGAN with normalization spectral (wasm)', () => {
  it('is refused when the network is built for it, and on the first discriminator step if it is trained with it anyway', async () => {
    await initBackend('wasm');
    const rng = new Rng(1);
    expect(() => build({ width: 2 }, 'spectral', rng.fork('model'))).toThrow(SAGAN_SPECTRAL_NORM_CONFLICT);
    const net = build({ width: 2 }, undefined, rng.fork('model'));
    const trainer = createGanTrainer(net, { objective: objectiveOf('hinge', 'spectral'), nDisc: 1, batchSize: 2, ...optimizers() }, rng.fork('train'));
    const dataRng = rng.fork('data');
    expect(() => trainer.step((n) => dataRng.uniformTensor([n, RESOLUTION, RESOLUTION, 3], -1, 1))).toThrow(SAGAN_SPECTRAL_NORM_CONFLICT);
    trainer.dispose();
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });
});
