import type { GaussianMixture } from './types.js';

/**
 * `count` modes at angles 2πk/count on a circle. Written with k/count rather than a linspace over
 * [0, 2π], whose last point repeats the first and silently leaves one mode fewer.
 */
export function ringModes(count: number, radius: number): [number, number][] {
  return Array.from({ length: count }, (_, k) => {
    const angle = (2 * Math.PI * k) / count;
    return [radius * Math.cos(angle), radius * Math.sin(angle)] as [number, number];
  });
}

/** Metz et al. 2017 (Unrolled GANs), Sec. 3.1: 8 Gaussians on a circle of radius 2, σ = 0.02. */
export const RING: GaussianMixture = {
  name: 'ring',
  description: '8 Gaussians evenly spaced on a circle of radius 2, σ = 0.02',
  reference: 'Metz, Poole, Pfau, Sohl-Dickstein 2017, Unrolled GANs, Sec. 3.1',
  modes: ringModes(8, 2),
  std: 0.02,
};
