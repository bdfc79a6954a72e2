import { type Atoms, normalizedAtoms } from './distribution.js';

/**
 * Wasserstein-1 (earth mover's) distance between two distributions on the real line given as
 * weighted atoms, exactly: W1 = ∫ |F_a(x) − F_b(x)| dx, the CDFs being step functions
 * (Vallender 1974; Arjovsky et al. 2017, Example 1 gives W1(δ0, δθ) = |θ|). Same convention as
 * scipy.stats.wasserstein_distance: weights default to uniform and are normalized.
 */
export function wasserstein1(a: Atoms, b: Atoms): number {
  const na = normalizedAtoms('a', a);
  const nb = normalizedAtoms('b', b);
  // events: (x, +mass to F_a, +mass to F_b), swept left to right
  const events: [number, number, number][] = [];
  na.values.forEach((x, i) => {
    events.push([x, na.weights[i] as number, 0]);
  });
  nb.values.forEach((x, i) => {
    events.push([x, 0, nb.weights[i] as number]);
  });
  events.sort((e, f) => e[0] - f[0]);
  let fa = 0;
  let fb = 0;
  let distance = 0;
  for (let i = 0; i < events.length; i++) {
    const [x, wa, wb] = events[i] as [number, number, number];
    fa += wa;
    fb += wb;
    const next = events[i + 1];
    if (next !== undefined) distance += Math.abs(fa - fb) * (next[0] - x);
  }
  return distance;
}
