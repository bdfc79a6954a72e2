import { distributionPair } from './distribution.js';

/** Σ pᵢ log(pᵢ/qᵢ) over pᵢ > 0, for distributions already checked and normalized. */
export function klOfNormalized(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] as number;
    if (pi === 0) continue; // 0 log 0 = 0
    const qi = q[i] as number;
    if (qi === 0) return Number.POSITIVE_INFINITY; // p puts mass where q has none
    kl += pi * Math.log(pi / qi);
  }
  return kl;
}

/**
 * Kullback–Leibler divergence KL(p‖q) = Σ pᵢ log(pᵢ/qᵢ) (Kullback & Leibler 1951), natural log, on a
 * common support; Infinity where p has mass that q lacks. Inputs are normalized first, as in scipy.stats.entropy.
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const [pn, qn] = distributionPair(p, q);
  return klOfNormalized(pn, qn);
}
