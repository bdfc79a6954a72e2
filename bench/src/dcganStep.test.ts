import { initBackend, Rng, tf } from '@ganbench/core';
import { describe, expect, it } from 'vitest';
import { createDcganTrainer, type DcganStepConfig } from './dcganStep.js';
import { profileDcganStep } from './runBench.js';

// The benchmark's DCGAN at a width and batch small enough for CI; same layers, same loop.
const SMALL: DcganStepConfig = { batch: 8, zDim: 16, width: 8, penalty: 'gp', gpWeight: 10 };

// The pure-JS cpu backend is ~100× slower than wasm: fewer steps there (a leak shows from step 3 on).
const LEAK_CHECK_STEPS = { wasm: 20, cpu: 5 } as const;
const REPEATED_STEPS = { wasm: 3, cpu: 2 } as const;

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`a small conv GAN training on ${backend}`, () => {
    it('the same seed gives bit-identical losses for the first steps', async () => {
      await initBackend(backend);
      const run = () => {
        const trainer = createDcganTrainer(SMALL, new Rng(42));
        const losses = Array.from({ length: REPEATED_STEPS[backend] }, () => trainer.step());
        trainer.dispose();
        return losses;
      };
      const a = run();
      expect(run()).toEqual(a);
      const other = createDcganTrainer(SMALL, new Rng(43));
      expect(other.step()).not.toEqual(a[0]);
      other.dispose();
    });

    it(`tensor count is the same after step 2 and step ${LEAK_CHECK_STEPS[backend]} (no leaks, WGAN-GP included)`, async () => {
      await initBackend(backend);
      const trainer = createDcganTrainer(SMALL, new Rng(1));
      const counts: number[] = [];
      for (let step = 1; step <= LEAK_CHECK_STEPS[backend]; step++) {
        const { dLoss, gLoss } = trainer.step();
        expect(Number.isFinite(dLoss) && Number.isFinite(gLoss)).toBe(true);
        counts.push(tf.memory().numTensors);
      }
      expect(counts.at(-1)).toBe(counts[1]);
      trainer.dispose();
    });

    it('the profile splits the whole step over the kernels it ran, convolutions among them, with their GFLOP/s and the time outside them', async () => {
      await initBackend(backend);
      const profile = await profileDcganStep(SMALL, 1, 1);
      const { kernels } = profile;
      expect(kernels.map((k) => k.kernel)).toEqual(expect.arrayContaining(['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']));
      expect(kernels.reduce((s, k) => s + k.share, 0)).toBeCloseTo(1, 2);
      expect(kernels.every((k, i) => i === 0 || k.ms_per_step <= (kernels[i - 1]?.ms_per_step as number))).toBe(true);
      for (const k of kernels.filter((k) => k.kernel.startsWith('Conv2D'))) expect(k.gflop_per_step).toBeGreaterThan(0);
      expect(kernels.find((k) => k.kernel === 'Add')?.gflop_per_s ?? null).toBeNull();
      expect(profile.outside_ms).toBeCloseTo(profile.profiled_step_ms - profile.kernel_ms, 1);
      expect(profile.kernel_ms).toBeGreaterThan(0);
    });
  });
}
