import { createArchitecture } from '@ganbench/architectures';
import { initBackend, Rng, tf } from '@ganbench/core';
import { NO_REGULARIZER } from '@ganbench/regularizers';
import { describe, expect, it } from 'vitest';
import { createGanTrainer } from './ganTrainer.js';
import { objectiveOf } from './testing/objective.js';

const STEPS = 3;
const BATCH = 4;
/** R1 has no default γ (it depends on the data); 10 is Mescheder et al.'s value for images. */
const REGULARIZER_PARAMS: Record<string, Record<string, unknown>> = { r1: { gamma: 10 } };

type Case = [string, Record<string, unknown>, string, string];
/** Cases whose last entry is a normalization of D rather than a regularizer. */
const NORMALIZATION_CASES = ['spectral', 'layer', 'batch'];

/** Both losses with both penalties on each architecture, plus dcgan's weight-transform and D batch-norm paths. */
const WASM_CASES: Case[] = [
  ['dcgan', { width: 8 }, 'non-saturating', 'r1'],
  ['dcgan', { width: 8 }, 'wasserstein', 'gradient-penalty'],
  ['dcgan', { width: 8 }, 'non-saturating', 'spectral'],
  ['dcgan', { width: 8 }, 'wasserstein', 'layer'],
  ['dcgan', { width: 8, discriminatorBatchNorm: true }, 'non-saturating', NO_REGULARIZER],
  ['sndcgan', { width: 8 }, 'non-saturating', 'r1'],
  ['sndcgan', { width: 8 }, 'wasserstein', 'gradient-penalty'],
];

/**
 * tfjs-backend-cpu computes Conv2DBackpropFilter as a scalar loop (≈ 0.5 µs per multiply-add on a
 * busy 2-core machine; SNDCGAN at width 8 takes ≈ 10 s per step there), so cpu runs one case per
 * architecture and loss, SNDCGAN at width 2: the same layers and paths with fewer channels.
 */
const CPU_CASES: Case[] = [
  ['dcgan', { width: 8 }, 'wasserstein', 'gradient-penalty'],
  ['sndcgan', { width: 2 }, 'non-saturating', 'r1'],
];

for (const [backend, cases] of [
  ['cpu', CPU_CASES],
  ['wasm', WASM_CASES],
] as const) {
  describe(`DCGAN and SNDCGAN train with createGanTrainer on ${backend} (28 px, batch ${BATCH})`, () => {
    it.each(cases)('%s %o, %s loss, %s: finite losses, flat tensor count', async (name, options, lossName, regName) => {
      await initBackend(backend);
      const rng = new Rng(0);
      const net = createArchitecture(
        name,
        { latentDim: 16, ...options },
        { dataShape: [28, 28, 1], normalization: NORMALIZATION_CASES.includes(regName) ? regName : 'none' },
        rng.fork('model'),
      );
      const adam = { name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 } as const;
      const trainer = createGanTrainer(
        net,
        {
          objective: objectiveOf(
            lossName,
            NORMALIZATION_CASES.includes(regName) && regName !== 'spectral' ? NO_REGULARIZER : regName,
            REGULARIZER_PARAMS[regName],
          ),
          nDisc: 1,
          batchSize: BATCH,
          optimizer: adam,
          discriminatorOptimizer: adam,
        },
        rng.fork('train'),
      );
      const dataRng = rng.fork('data');
      const real = (n: number) => dataRng.uniformTensor([n, 28, 28, 1], -1, 1);
      const counts: number[] = [];
      for (let step = 1; step <= STEPS; step++) {
        const { dLoss, gLoss, penalty } = trainer.step(real);
        expect([dLoss, gLoss, penalty].every(Number.isFinite), `step ${step}: ${dLoss}, ${gLoss}, ${penalty}`).toBe(true);
        counts.push(tf.memory().numTensors);
      }
      // the optimizers' slots and lazily created state exist after the first step; from then on nothing accumulates
      expect(counts.slice(1)).toEqual(new Array(STEPS - 1).fill(counts[1]));
      const samples = trainer.sample(BATCH);
      expect(samples.shape).toEqual([BATCH, 28, 28, 1]);
      const values = samples.dataSync();
      expect(values.every((v) => Number.isFinite(v) && v >= -1 && v <= 1)).toBe(true);
      samples.dispose();
      trainer.dispose();
      net.generatorParams.dispose();
      net.discriminatorParams.dispose();
    });
  });
}
