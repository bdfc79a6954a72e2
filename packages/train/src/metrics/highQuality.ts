import { defineMetric } from './metric.js';

/** Fraction of samples within 3σ of some mode (Srivastava et al. 2017, "high-quality samples"). */
export const highQuality = defineMetric({
  name: 'high_quality',
  goal: 'max',
  appliesTo: 'mixture',
  description: 'fraction of generated samples within 3σ of a mode',
  compute: (data) => data.coverage().highQualityFraction,
});
