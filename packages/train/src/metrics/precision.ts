import { defineMetric } from './metric.js';

/** Improved precision (Kynkäänniemi et al. 2019): generated features inside the real k-NN manifold. */
export const precision = defineMetric({
  name: 'precision',
  goal: 'max',
  appliesTo: 'image',
  description: 'fraction of generated features inside the real k-NN manifold (k = 3)',
  compute: (data) => data.precisionRecall().precision,
});
