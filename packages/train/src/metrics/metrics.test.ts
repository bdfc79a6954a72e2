import { initBackend, Rng, tf } from '@ganbench/core';
import { getMixture, sampleMixturePoints } from '@ganbench/data';
import { frechetDistanceOfSamples } from '@ganbench/metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from '../trial/dataSource.js';
import { createEvaluator } from '../trial/evaluate.js';
import { getMetric, METRIC_NAMES, METRICS, metricsFor } from './registry.js';

describe('the metric registry', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('names each metric once, with a goal and the data it applies to', () => {
    expect(new Set(METRIC_NAMES).size).toBe(METRICS.length);
    expect(metricsFor('mixture')).toEqual(['modes_covered', 'high_quality', 'frechet_2d']);
    expect(metricsFor('image')).toEqual(['fid', 'kid', 'is', 'precision', 'recall']);
    expect(METRICS.map((m) => [m.name, m.goal])).toEqual([
      ['modes_covered', 'max'],
      ['high_quality', 'max'],
      ['frechet_2d', 'min'],
      ['fid', 'min'],
      ['kid', 'min'],
      ['is', 'max'],
      ['precision', 'max'],
      ['recall', 'max'],
    ]);
    expect(() => getMetric('sharpness')).toThrow(
      "metric 'sharpness' is not allowed; allowed: modes_covered, high_quality, frechet_2d, fid, kid, is, precision, recall",
    );
  });

  it('evaluates a ring generator that puts its samples exactly on 6 of the 8 modes: 6 covered, all high quality, and the 2-D Fréchet distance of the points', async () => {
    const ring = getMixture('ring');
    const source: DataSource = { shape: [2], mixture: ring, images: null, pad: 0, rng: new Rng(0), sample: () => tf.zeros([1, 2]) };
    const evaluator = await createEvaluator('ring', source, ['frechet_2d', 'modes_covered', 'high_quality'], 600, new Rng(5));
    const modes = ring.modes.slice(0, 6);
    const fake = Array.from({ length: 600 }, (_, i) => modes[i % 6] as readonly number[]).flat();
    // The generator hands back float32, as a network would.
    const metrics = await evaluator.evaluate((n) => tf.tensor2d(fake.slice(0, 2 * n), [n, 2]));
    const real = sampleMixturePoints(ring, 600, new Rng(5).fork('real'));
    expect(metrics).toEqual({
      frechet_2d: frechetDistanceOfSamples({ data: Float32Array.from(fake), dim: 2 }, { data: real, dim: 2 }),
      modes_covered: 6,
      high_quality: 1,
    });
    await expect(createEvaluator('ring', source, ['modes_covered', 'fid'], 10, new Rng(0))).rejects.toThrow(
      "evaluation.metrics[1]: 'fid' is not allowed for this dataset; use modes_covered, high_quality, frechet_2d",
    );
    evaluator.dispose();
  });
});
