/** @ganbench/data — datasets behind one interface; for now the 2-D Gaussian mixtures of the mode-collapse studies. */
export { GRID, gridModes } from './mixtures/grid.js';
export { getMixture, isMixtureName, MIXTURE_NAMES, MIXTURES } from './mixtures/registry.js';
export { RING, ringModes } from './mixtures/ring.js';
export { type LabelledSamples, sampleMixture, sampleMixtureLabelled, sampleMixturePoints } from './mixtures/sample.js';
export type { GaussianMixture } from './mixtures/types.js';
