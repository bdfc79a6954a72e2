import { initBackend, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MIXTURE_DEFAULTS, runMixture, validateMixtureConfig } from './mixture.js';

const tiny = { ...MIXTURE_DEFAULTS, steps: 6, snapshots: 2, batchSize: 32, evalSamples: 100, architecture: { gWidth: 16, gLayers: 2, dWidth: 16, dLayers: 1 } };

describe('the mixture toy with unrolled steps (Metz et al. 2017)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('validates unrolledSteps before any work, naming the field, the value and what is allowed', () => {
    expect(() => validateMixtureConfig({ ...tiny, unrolledSteps: -1 })).toThrow(/unrolledSteps: -1 is not allowed; must be an integer ≥ 0/);
    expect(() => validateMixtureConfig({ ...tiny, unrolledSteps: 5, regularizers: [{ name: 'r1', params: { gamma: 1 } }] })).toThrow(
      /unrolledSteps: 5 cannot be combined with regularizers\[0\] 'r1' \(a penalty\)/,
    );
    expect(() => validateMixtureConfig({ ...tiny, unrolledSteps: 5, normalization: { name: 'spectral', params: {} } })).toThrow(
      /cannot be combined with normalization 'spectral'/,
    );
  });

  it('trains with k = 3 and leaves no tensor behind; k = 0 is the plain run', () => {
    const before = tf.memory().numTensors;
    const unrolled = runMixture({ ...tiny, unrolledSteps: 3 });
    expect(tf.memory().numTensors).toBe(before);
    const plain = runMixture({ ...tiny, unrolledSteps: 0 });
    expect(unrolled.snapshots).toHaveLength(2);
    expect(unrolled.snapshots[1]?.fake).not.toEqual(plain.snapshots[1]?.fake);
    expect(runMixture({ ...tiny }).snapshots).toEqual(plain.snapshots);
  });
});
