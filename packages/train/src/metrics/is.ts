import { inceptionScore } from '@ganbench/metrics';
import { defineMetric } from './metric.js';

/** IS (Salimans et al. 2016): exp E KL(p(y|x) ‖ p(y)) under the shipped classifier. */
export const is = defineMetric({
  name: 'is',
  goal: 'max',
  appliesTo: 'image',
  description: "Inception Score with the shipped classifier's softmax",
  compute: (data) => inceptionScore({ data: data.fake.probabilities, dim: data.fake.classes }, { splits: 1 }).mean,
});
