import { initBackend } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIRAC_DEFAULTS, runDirac } from './dirac.js';
import { MIXTURE_DEFAULTS, validateMixtureConfig } from './mixture.js';

// DiffAugment augments images; the toys' data are points, so it fails at validation, before any step.
describe('diffaugment on the toy problems', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('the 2-D mixture toy refuses it, naming the field, the value and what is allowed', () => {
    expect(() => validateMixtureConfig({ ...MIXTURE_DEFAULTS, dataset: 'grid', regularizers: [{ name: 'diffaugment', params: {} }] })).toThrow(
      "regularizers[0]: 'diffaugment' augments images, and dataset 'grid' (2-D points) has none; allowed: an image dataset (mnist, fashion-mnist, cifar10, folder)",
    );
  });

  it('the Dirac-GAN refuses it', () => {
    expect(() => runDirac({ ...DIRAC_DEFAULTS, regularizer: { name: 'diffaugment', params: {} } })).toThrow(
      "regularizers[0]: 'diffaugment' augments images, and the Dirac-GAN (1-D points) has none; allowed: an image dataset (mnist, fashion-mnist, cifar10, folder)",
    );
  });
});
