import { initBackend, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MIXTURE_DEFAULTS, type MixtureConfig, runMixture, validateMixtureConfig } from './mixture.js';

const small = (overrides: Partial<MixtureConfig>): MixtureConfig => ({
  ...MIXTURE_DEFAULTS,
  steps: 6,
  snapshots: 3,
  batchSize: 32,
  evalSamples: 200,
  architecture: { latentDim: 8, gWidth: 16, dWidth: 16 },
  ...overrides,
});

describe('GAN training on 2-D mixtures (Metz et al. 2017)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('the same seed gives the same run; snapshots are evenly spread and end at the last step', () => {
    const a = runMixture(small({ loss: { name: 'non-saturating', params: {} }, regularizers: [{ name: 'r1', params: { gamma: 1 } }] }));
    const b = runMixture(small({ loss: { name: 'non-saturating', params: {} }, regularizers: [{ name: 'r1', params: { gamma: 1 } }] }));
    expect(a.snapshots.map((s) => s.step)).toEqual([2, 4, 6]);
    expect(b.snapshots).toEqual(a.snapshots);
    expect(a.real).toHaveLength(200);
    expect(a.snapshots[2]?.fake).toHaveLength(200);
  });

  it('training leaves no tensors behind, for each kind of regularizer', () => {
    for (const [reg, regParams] of [
      ['none', {}],
      ['spectral', {}],
      ['gradient-penalty', { lambda: 1 }],
      ['weight-clipping', { c: 0.1 }],
      ['instance-noise', { sigma: 0.1 }],
    ] as const) {
      const before = tf.memory().numTensors;
      const setting = { name: reg, params: regParams as Record<string, number> };
      runMixture(
        small({
          loss: { name: 'hinge', params: {} },
          ...(reg === 'spectral' ? { normalization: setting } : { regularizers: reg === 'none' ? [] : [setting] }),
        }),
      );
      expect(tf.memory().numTensors, reg).toBe(before);
    }
  });

  it('bad configuration fails before training, naming the field', () => {
    expect(() => validateMixtureConfig(small({ dataset: 'rings' }))).toThrow("dataset: 'rings' is not allowed; allowed: ring, grid");
    expect(() => validateMixtureConfig(small({ batchSize: 0 }))).toThrow('batchSize: 0 is not allowed');
    expect(() => validateMixtureConfig(small({ beta1: 1 }))).toThrow('beta1: 1 is not allowed; must be in [0, 1)');
    expect(() => validateMixtureConfig(small({ architecture: { activation: 'sigmoid' } }))).toThrow('architecture mlp.activation: "sigmoid" is not allowed');
    expect(() => validateMixtureConfig(small({ loss: { name: 'hinge', params: {} }, regularizers: [{ name: 'label-smoothing', params: {} }] }))).toThrow(
      "regularizers[0]: 'label-smoothing' needs a loss with labels, a sigmoid cross-entropy (minimax, non-saturating); loss 'hinge' has none",
    );
    expect(() => validateMixtureConfig(small({ normalization: { name: 'layer', params: {} } }))).toThrow(
      "architecture mlp: normalization 'layer' is not allowed; mlp takes none, spectral",
    );
    expect(() => validateMixtureConfig(small({ loss: { name: 'began', params: {} } }))).toThrow(
      "loss: 'began' reads −logit as an autoencoder's energy; the mixture toy trains the mlp, which has none",
    );
  });
});

// Minutes of training: run with GANBENCH_SLOW=1 npx vitest run toy-problems/src/mixture.test.ts
describe.skipIf(!process.env.GANBENCH_SLOW)('mode collapse on the ring, at the defaults of `ganbench toy mixture` (slow)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('unregularized minimax covers fewer than 8 modes; non-saturating + R1 (γ = 0.1) covers all 8', () => {
    const last = (run: ReturnType<typeof runMixture>) => run.snapshots[run.snapshots.length - 1];
    expect(last(runMixture(MIXTURE_DEFAULTS))?.modes_covered).toBeLessThan(8);
    expect(
      last(runMixture({ ...MIXTURE_DEFAULTS, loss: { name: 'non-saturating', params: {} }, regularizers: [{ name: 'r1', params: { gamma: 0.1 } }] }))
        ?.modes_covered,
    ).toBe(8);
  }, 1_800_000);
});
