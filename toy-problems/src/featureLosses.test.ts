import { initBackend, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MIXTURE_DEFAULTS, type MixtureConfig, runMixture } from './mixture.js';

/* Feature matching and the loss-sensitive GAN on the 8-mode ring, end to end through the mixture toy's mlp. */

const short = (overrides: Partial<MixtureConfig>): MixtureConfig => ({
  ...MIXTURE_DEFAULTS,
  steps: 90,
  snapshots: 3,
  batchSize: 64,
  evalSamples: 300,
  architecture: { gWidth: 64, gLayers: 2, dWidth: 64, dLayers: 2 },
  ...overrides,
});

describe('losses that read more than the logits, on the mixture toy', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it.each([
    ['feature-matching', { loss: { name: 'feature-matching', params: {} } }],
    [
      'loss-sensitive + gradient-penalty',
      { loss: { name: 'loss-sensitive', params: { marginScale: 1 } }, regularizers: [{ name: 'gradient-penalty', params: { lambda: 1 } }] },
    ],
  ] as const)('%s: a 2×64 MLP trains on the ring, logs finite losses and distances, and leaves no tensors behind', (_, overrides) => {
    const before = tf.memory().numTensors;
    const run = runMixture(short(overrides as Partial<MixtureConfig>));
    expect(tf.memory().numTensors).toBe(before);
    expect(run.snapshots.map((s) => s.step)).toEqual([30, 60, 90]);
    for (const s of run.snapshots) {
      expect([s.d_loss, s.g_loss, s.frechet, s.high_quality].every(Number.isFinite)).toBe(true);
      expect(s.fake.flat().every(Number.isFinite)).toBe(true);
    }
  });
});
