// the package index names stylegan2 once it is registered; until then the architecture's own folder
import { pathLengthMeanName, resolveArchitectureOptions, stylegan2Architecture, wAvgName } from '@ganbench/architectures';
import { initBackend, Rng, tf } from '@ganbench/core';
import type { OptimizerConfig } from '@ganbench/study-folder';
import { describe, expect, it } from 'vitest';
import { createGanTrainer } from './ganTrainer.js';
import { objectiveOf } from './testing/objective.js';

const STEPS = 3;
const RESOLUTION = 32;
const BATCH = 4;
/** Small enough for a busy 2-core machine: 2–8 channels per block, 8-dimensional z and w, two mapping layers. */
const TINY = { width: 2, maxChannels: 8, latentDim: 8, wDim: 8, mappingLayers: 2 };

/** [architecture options, loss, regularizer, regularizer params] */
type Case = [Record<string, unknown>, string, string, Record<string, unknown>];

const WASM_CASES: Case[] = [
  // the recommended training: non-saturating, lazy R1 (every 16, here γ = 1) and lazy path length (every 4)
  [TINY, 'non-saturating', 'r1', { gamma: 1, every: 16 }],
  // both lazy penalties on every step, so the flat tensor count is checked on steps that run them
  [{ ...TINY, pathLengthEvery: 1 }, 'non-saturating', 'r1', { gamma: 1, every: 1 }],
  [TINY, 'non-saturating', 'gradient-penalty', {}],
  [TINY, 'non-saturating', 'spectral', {}],
  [TINY, 'wasserstein', 'gradient-penalty', {}],
  [TINY, 'hinge', 'spectral', {}],
];

/** tfjs-backend-cpu's conv gradients are scalar loops: one case, 1–2 channels per block, same layers and paths. */
const CPU_CASES: Case[] = [[{ ...TINY, width: 1, maxChannels: 2 }, 'non-saturating', 'r1', { gamma: 1, every: 16 }]];

const ADAM = stylegan2Architecture.recommended?.optimizer as OptimizerConfig;

for (const [backend, cases] of [
  ['cpu', CPU_CASES],
  ['wasm', WASM_CASES],
] as const) {
  describe(`StyleGAN2 trains with createGanTrainer on ${backend} (${RESOLUTION} px, batch ${BATCH})`, () => {
    it.each(cases)('%o, %s loss, %s %o: finite losses, path length on its steps, flat tensor count', async (options, lossName, regName, regParams) => {
      await initBackend(backend);
      const rng = new Rng(0);
      const net = stylegan2Architecture.build(
        resolveArchitectureOptions('stylegan2', options),
        { dataShape: [RESOLUTION, RESOLUTION, 3], normalization: regName === 'spectral' ? 'spectral' : 'none' },
        rng.fork('model'),
      );
      const trainer = createGanTrainer(
        net,
        {
          objective: objectiveOf(lossName, regName, regParams),
          nDisc: 1,
          batchSize: BATCH,
          optimizer: ADAM,
          discriminatorOptimizer: ADAM,
        },
        rng.fork('train'),
      );
      const dataRng = rng.fork('data');
      const real = (n: number) => dataRng.uniformTensor([n, RESOLUTION, RESOLUTION, 3], -1, 1);
      const every = (options.pathLengthEvery as number | undefined) ?? 4;
      const counts: number[] = [];
      for (let step = 0; step < STEPS; step++) {
        const { dLoss, gLoss, penalty, gPenalty } = trainer.step(real);
        expect([dLoss, gLoss, penalty, gPenalty].every(Number.isFinite), `step ${step}: ${dLoss}, ${gLoss}, ${penalty}, ${gPenalty}`).toBe(true);
        // the path-length penalty joins the generator loss on steps 0, every, 2·every, …
        if (step % every === 0) expect(gPenalty, `step ${step}`).toBeGreaterThan(0);
        else expect(gPenalty, `step ${step}`).toBe(0);
        counts.push(tf.memory().numTensors);
      }
      // optimizer slots and spectral-norm vectors exist after the first step; from then on nothing accumulates
      expect(counts.slice(1)).toEqual(new Array(STEPS - 1).fill(counts[1]));
      // the carried state moved: the path-length mean a and the tracked w̄
      expect(net.generatorParams.get(pathLengthMeanName('g')).dataSync()[0]).toBeGreaterThan(0);
      expect(Array.from(net.generatorParams.get(wAvgName('g')).dataSync()).some((v) => v !== 0)).toBe(true);
      // noise strengths start at 0 and are trained: the generator's gradient reaches them
      expect(Array.from(net.generatorParams.get('g/b32/conv1/noise_strength').dataSync()).some((v) => v !== 0)).toBe(true);
      const samples = trainer.sample(BATCH);
      expect(samples.shape).toEqual([BATCH, RESOLUTION, RESOLUTION, 3]);
      expect(samples.dataSync().every(Number.isFinite)).toBe(true);
      samples.dispose();
      trainer.dispose();
      net.generatorParams.dispose();
      net.discriminatorParams.dispose();
    });
  });
}
