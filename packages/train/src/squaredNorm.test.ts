import { initBackend, Rng, tf } from '@ganbench/core';
import { describe, expect, it } from 'vitest';
import { SQUARED_NORM, squaredGlobalNorm, squaredGlobalNormUnfused } from './squaredNorm.js';

// The fused kernel must round as the three kernels it replaces, so that logged gradient norms (and a divergence
// check on them) are the same bits as before; the step's other numbers are read as they were, only in one download.
for (const backend of ['cpu', 'wasm'] as const) {
  describe(`the trainer's squared gradient norm (${backend})`, () => {
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
