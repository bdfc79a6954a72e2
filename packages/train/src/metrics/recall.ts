import { defineMetric } from './metric.js';

/** Improved recall (Kynkäänniemi et al. 2019): real features inside the generated k-NN manifold. */
export const recall = defineMetric({
  name: 'recall',
  goal: 'max',
  appliesTo: 'image',
  description: 'fraction of real features inside the generated k-NN manifold (k = 3)',
  compute: (data) => data.precisionRecall().recall,
});
