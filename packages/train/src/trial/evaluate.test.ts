import { initBackend, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDataSource } from './dataSource.js';
import { createEvaluator, evaluationSampler } from './evaluate.js';

describe('evaluation samples', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const draw = (n: number, latents: Rng) => latents.normalTensor([n, 4]);

  it('a sampler continues one latent stream across calls, and a new one starts it again', () => {
    const sampler = evaluationSampler(draw, 7);
    const [first, second] = [sampler(3), sampler(3)];
    const again = evaluationSampler(draw, 7)(3);
    expect(Array.from(first.dataSync())).toEqual(Array.from(again.dataSync()));
    expect(Array.from(second.dataSync())).not.toEqual(Array.from(first.dataSync()));
    tf.dispose([first, second, again]);
  });

  // The evaluator draws its samples in batches of 250: a sampler that restarted its latents at every batch made 8
  // copies of 250 images out of 2,000, every fake's 3rd nearest fake was a copy at distance 0, and recall was 0.
  it('real images drawn batch after batch score the precision and recall of real data against real data', async () => {
    const source = await openDataSource({ name: 'fashion-mnist', resolution: 28 }, new Rng(0));
    const evaluator = await createEvaluator('fashion-mnist', source, ['precision', 'recall'], 1000, new Rng(1));
    try {
      const metrics = await evaluator.evaluate((n) => source.sample(n));
      expect(metrics.precision).toBeGreaterThan(0.6);
      expect(metrics.recall).toBeGreaterThan(0.6);
      const repeated = source.sample(250);
      const copies = await evaluator.evaluate(() => repeated.clone());
      repeated.dispose();
      expect(copies.recall).toBe(0);
    } finally {
      evaluator.dispose();
    }
  }, 120_000);
});
