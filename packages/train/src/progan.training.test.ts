import { proganArchitecture, proganPhase, resolveProganConfig, resolveProganOptions } from '@ganbench/architectures';
import { initBackend, type ParamStore, Rng, tf } from '@ganbench/core';
import { describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainer } from './ganTrainer.js';
import { objectiveOf } from './testing/objective.js';

const BATCH = 4;
/** 6 images per half-phase at batch 4: steps 0–1 at 4×4, step 2 fades in 8×8 (α = 2/6), 3–4 stable 8×8, 5 fades in 16×16 (α = 2/6). */
const IMAGES_PER_PHASE = 6;
/** Steps 0–3: both boundaries of the 8×8 fade-in (the 8×8 layers join; the 4×4 toRGB/fromRGB leave). */
const STEPS = 4;
const REGULARIZER_PARAMS: Record<string, Record<string, unknown>> = { 'gradient-penalty': { lambda: 10, drift: 0.001 }, r1: { gamma: 1 }, spectral: {} };
/** Karras et al. 2018's Adam. */
const ADAM = { name: 'adam', lr: 1e-3, beta1: 0, beta2: 0.99 } as const;

type Case = [string, string, number];

const WASM_CASES: Case[] = [
  ['wasserstein', 'gradient-penalty', 3],
  ['non-saturating', 'gradient-penalty', 1],
  ['wasserstein', 'r1', 1],
  ['non-saturating', 'r1', 3],
  ['wasserstein', 'spectral', 3],
  ['non-saturating', 'spectral', 1],
];

/** tfjs-backend-cpu's conv gradients are scalar loops: one case at width 2. */
const CPU_CASES: Case[] = [['wasserstein', 'gradient-penalty', 1]];

function buildModel(width: number, channels: number, regularizer: string, seed = 0): GanModel {
  const options = resolveProganOptions({ width, latentDim: 8, batchSize: BATCH, imagesPerPhase: IMAGES_PER_PHASE });
  return proganArchitecture.build(
    options,
    { dataShape: [32, 32, channels], normalization: regularizer === 'spectral' ? 'spectral' : 'none' },
    new Rng(seed).fork('model'),
  );
}

function trainerFor(model: GanModel, lossName: string, regName: string, seed = 0): GanTrainer {
  return createGanTrainer(
    model,
    {
      objective: objectiveOf(lossName, regName, REGULARIZER_PARAMS[regName]),
      nDisc: 1,
      batchSize: BATCH,
      optimizer: ADAM,
      discriminatorOptimizer: ADAM,
    },
    new Rng(seed).fork('train'),
  );
}

const snapshot = (store: ParamStore, name: string) => Array.from(store.get(name).dataSync());

/** Real batches from a counter, so a resumed run can draw the same ones. */
function dataStream(channels: number, start = 0) {
  let drawn = start;
  return { next: (n: number) => new Rng(1000 + drawn++).uniformTensor([n, 32, 32, channels], -1, 1), drawn: () => drawn };
}

for (const [backend, cases, width] of [
  ['cpu', CPU_CASES, 2],
  ['wasm', WASM_CASES, 4],
] as const) {
  describe(`ProGAN trains with createGanTrainer across growth phases on ${backend} (32 px, batch ${BATCH}, width ${width})`, () => {
    it.each(cases)(
      '%s loss, %s, %i channel(s): finite losses, flat tensor count, grown layers train and later ones wait',
      async (lossName, regName, channels) => {
        await initBackend(backend);
        const model = buildModel(width, channels, regName);
        const config = resolveProganConfig({ width, latentDim: 8, batchSize: BATCH, imagesPerPhase: IMAGES_PER_PHASE }, [32, 32, channels]);
        expect([1, 2, 3, 5].map((s) => proganPhase(config, s))).toEqual([
          { level: 0, alpha: 1, images: 4 },
          { level: 1, alpha: 2 / 6, images: 8 },
          { level: 1, alpha: 1, images: 12 },
          { level: 2, alpha: 2 / 6, images: 20 },
        ]);
        const trainer = trainerFor(model, lossName, regName);
        const data = dataStream(channels);
        const initial = {
          g8: snapshot(model.generatorParams, 'g/8x8/conv0/kernel'),
          d8: snapshot(model.discriminatorParams, 'd/8x8/conv1/kernel'),
          g32: snapshot(model.generatorParams, 'g/32x32/conv1/kernel'),
          d32: snapshot(model.discriminatorParams, 'd/32x32/fromrgb/kernel'),
        };
        const counts: number[] = [];
        for (let step = 1; step <= STEPS; step++) {
          const { dLoss, gLoss, penalty } = trainer.step(data.next);
          expect([dLoss, gLoss, penalty].every(Number.isFinite), `step ${step}: ${dLoss}, ${gLoss}, ${penalty}`).toBe(true);
          counts.push(tf.memory().numTensors);
        }
        // Every parameter has a gradient from the first step (see inactiveTerm): optimizer slots and spectral-norm state exist from then on.
        expect(counts).toEqual(new Array(STEPS).fill(counts[0]));
        // The 8×8 layers grew in at step 2 and have trained since; the 32×32 ones have not been used yet and are untouched.
        expect(snapshot(model.generatorParams, 'g/8x8/conv0/kernel')).not.toEqual(initial.g8);
        expect(snapshot(model.discriminatorParams, 'd/8x8/conv1/kernel')).not.toEqual(initial.d8);
        expect(snapshot(model.generatorParams, 'g/32x32/conv1/kernel')).toEqual(initial.g32);
        expect(snapshot(model.discriminatorParams, 'd/32x32/fromrgb/kernel')).toEqual(initial.d32);
        const samples = trainer.sample(BATCH);
        expect(samples.shape).toEqual([BATCH, 32, 32, channels]);
        expect(Array.from(samples.dataSync()).every(Number.isFinite)).toBe(true);
        samples.dispose();
        trainer.dispose();
        model.generatorParams.dispose();
        model.discriminatorParams.dispose();
      },
    );
  });
}

describe('ProGAN resumes mid-growth (wasm)', () => {
  it('a trainer restored in the middle of a fade-in continues exactly as the uninterrupted one', async () => {
    await initBackend('wasm');
    const lossName = 'wasserstein';
    const regName = 'gradient-penalty';
    const run = (trainer: GanTrainer, data: ReturnType<typeof dataStream>, steps: number) =>
      Array.from({ length: steps }, () => {
        const { dLoss, gLoss, penalty } = trainer.step(data.next);
        return [dLoss, gLoss, penalty];
      });
    const first = buildModel(4, 1, regName);
    const trainer = trainerFor(first, lossName, regName);
    const data = dataStream(1);
    run(trainer, data, 2); // 2 generator steps done: the next is step 2, 8×8 at α = 1/3
    const saved = { state: await trainer.state(), g: await first.generatorParams.values(), d: await first.discriminatorParams.values(), drawn: data.drawn() };
    const uninterrupted = run(trainer, data, 4); // through the fade-in and stabilization into the next fade-in (step 5)

    const second = buildModel(4, 1, regName, 1); // different initial weights, overwritten by the checkpoint
    for (const [store, arrays] of [
      [second.generatorParams, saved.g],
      [second.discriminatorParams, saved.d],
    ] as const) {
      for (const a of arrays) tf.tidy(() => store.get(a.name).assign(tf.tensor(a.data, a.shape)));
    }
    const resumedTrainer = trainerFor(second, lossName, regName, 1);
    await resumedTrainer.restore(saved.state);
    const resumed = run(resumedTrainer, dataStream(1, saved.drawn), 4);
    expect(resumed).toEqual(uninterrupted);
    for (const t of [trainer, resumedTrainer]) t.dispose();
    for (const m of [first, second]) {
      m.generatorParams.dispose();
      m.discriminatorParams.dispose();
    }
  });
});
