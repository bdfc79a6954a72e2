/** @ganbench/metrics — sample-quality metrics on plain arrays: mixture coverage, Fréchet distance, divergences. */
export { type Atoms, alignSupports } from './divergences/distribution.js';
export { jsDivergence } from './divergences/js.js';
export { klDivergence } from './divergences/kl.js';
export { wasserstein1 } from './divergences/wasserstein1.js';
export { CLASSIFIER_FEATURES, type ClassifierShape, classifierFeatures, classifierLogits, initClassifier } from './features/classifier.js';
export { type ClassifierOutputs, classifierOutputs, classifierOutputsAsync, datasetOutputs, datasetOutputsAsync } from './features/extract.js';
export { type FeatureModel, type LocalFeatureModelOptions, type LocalModelKind, loadLocalFeatureModel, readModelArtifacts } from './features/localModel.js';
export { CLASSIFIER_TRAINING, type ClassifierTraining, classifierAccuracy, trainClassifier } from './features/trainClassifier.js';
export { featureWeightsPath, loadFeatureClassifier } from './features/weights.js';
export { symmetricEigen, symmetricEigenvalues } from './frechet/eigen.js';
export {
  type FrechetOptions,
  fid,
  frechetDistance,
  frechetDistanceOfSamples,
  frechetDistanceOfStatistics,
  type SquareMatrix,
} from './frechet/frechetDistance.js';
export { type GaussianStatistics, gaussianStatistics } from './frechet/statistics.js';
export { loadStatistics, saveStatistics, statisticsFromFile } from './frechet/statisticsFile.js';
export { type TraceSqrtFactor, traceSqrtProduct } from './frechet/traceSqrt.js';
export { type InceptionScore, type InceptionScoreOptions, inceptionScore } from './inception/inceptionScore.js';
export { encodeNpy, type NpyArray, type NpyDtype, parseNpy, readFeatures, readNpy, writeNpy } from './io/npy.js';
export { encodeNpz, type NpzEntry, parseNpz, readNpz, writeNpz } from './io/npz.js';
export { type Kid, type KidOptions, kernelInceptionDistance } from './kid/kernelInceptionDistance.js';
export { type PolynomialMmdOptions, polynomialMmd2 } from './kid/polynomialMmd.js';
export { type CoverageOptions, highQualityFraction, type MixtureCoverage, type MixtureLike, mixtureCoverage, modesCovered } from './mixture/coverage.js';
export type { Points2D, Samples } from './points.js';
export { type PrecisionRecall, type PrecisionRecallOptions, precisionRecall } from './precisionRecall/precisionRecall.js';
