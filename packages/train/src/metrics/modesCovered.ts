import { defineMetric } from './metric.js';

/** Modes with at least 1% of the samples within 3σ (Metz et al. 2017, Srivastava et al. 2017). */
export const modesCovered = defineMetric({
  name: 'modes_covered',
  goal: 'max',
  appliesTo: 'mixture',
  description: 'modes of the mixture holding ≥ 1% of the generated samples within 3σ',
  compute: (data) => data.coverage().modesCovered,
});
