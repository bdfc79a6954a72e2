import { frechetDistanceOfSamples } from '@ganbench/metrics';
import { defineMetric } from './metric.js';

/** ‖μr − μg‖² + Tr(Σr + Σg − 2(Σr^½ Σg Σr^½)^½) of the points themselves (Dowson & Landau 1982). */
export const frechet2d = defineMetric({
  name: 'frechet_2d',
  goal: 'min',
  appliesTo: 'mixture',
  description: 'Fréchet distance between Gaussians fitted to the real and generated points',
  compute: (data) => frechetDistanceOfSamples({ data: data.fake, dim: 2 }, { data: data.real, dim: 2 }),
});
