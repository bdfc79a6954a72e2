/** @ganbench/metrics — sample-quality metrics on plain arrays: mixture coverage, Fréchet distance, divergences. */
export { type Atoms, alignSupports } from './divergences/distribution.js';
export { jsDivergence } from './divergences/js.js';
export { klDivergence } from './divergences/kl.js';
export { wasserstein1 } from './divergences/wasserstein1.js';
export { frechetDistance, frechetDistanceOfSamples, type SquareMatrix } from './frechet/frechetDistance.js';
export { type GaussianStatistics, gaussianStatistics } from './frechet/statistics.js';
export { type CoverageOptions, highQualityFraction, type MixtureCoverage, type MixtureLike, mixtureCoverage, modesCovered } from './mixture/coverage.js';
export type { Points2D, Samples } from './points.js';
