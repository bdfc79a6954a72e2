import { distributionPair } from './distribution.js';
import { klOfNormalized } from './kl.js';

/**
 * Jensen–Shannon divergence JSD(p‖q) = ½ KL(p‖m) + ½ KL(q‖m), m = (p + q)/2 (Lin 1991), natural log:
 * finite for any pair, in [0, log 2], log 2 exactly for disjoint supports — the value the original
 * GAN objective saturates at (Goodfellow et al. 2014, Thm. 1; Arjovsky et al. 2017, Example 1).
 * It is scipy's jensenshannon squared. Results are clamped to [0, log 2]: outside is round-off.
 */
export function jsDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const [pn, qn] = distributionPair(p, q);
  const m = pn.map((pi, i) => (pi + (qn[i] as number)) / 2);
  const jsd = 0.5 * klOfNormalized(pn, m) + 0.5 * klOfNormalized(qn, m);
  return Math.min(Math.LN2, Math.max(0, jsd));
}
