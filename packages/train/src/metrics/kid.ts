import { CLASSIFIER_FEATURES, kernelInceptionDistance } from '@ganbench/metrics';
import { defineMetric } from './metric.js';

/** KID (Bińkowski et al. 2018): unbiased MMD² with the cubic polynomial kernel, mean over 10 subsets. */
export const kid = defineMetric({
  name: 'kid',
  goal: 'min',
  appliesTo: 'image',
  description: 'kernel distance (polynomial MMD²) of real and generated features, mean of 10 subsets',
  compute: (data) =>
    kernelInceptionDistance({ data: data.real.features, dim: CLASSIFIER_FEATURES }, { data: data.fake.features, dim: CLASSIFIER_FEATURES }, { subsets: 10 })
      .mean,
});
