import { CLASSIFIER_FEATURES, frechetDistanceOfStatistics, gaussianStatistics } from '@ganbench/metrics';
import { defineMetric } from './metric.js';

/** Classifier-FID: the Fréchet distance (Heusel et al. 2017) in the project's own classifier's feature space, not Inception's. */
export const fid = defineMetric({
  name: 'fid',
  goal: 'min',
  appliesTo: 'image',
  description: "Fréchet distance of real and generated images in the shipped classifier's 128-d feature space",
  compute: (data) => frechetDistanceOfStatistics(data.realStatistics, gaussianStatistics({ data: data.fake.features, dim: CLASSIFIER_FEATURES })),
});
