import { flatPoints2D, type Points2D } from '../points.js';

/** What the coverage metrics need of a mixture; @ganbench/data's GaussianMixture fits it. */
export interface MixtureLike {
  modes: readonly (readonly [number, number])[];
  std: number;
}

export interface CoverageOptions {
  /** A sample is high quality within this many σ of a mode; 3 by Srivastava et al. 2017. */
  stdMultiple?: number;
  /** A mode is covered when at least this fraction of all samples are high quality near it; 0.01 by convention. */
  minFraction?: number;
}

export interface MixtureCoverage {
  /** Number of samples scored. */
  total: number;
  /** High-quality samples assigned to each mode (nearest mode, within stdMultiple·σ). */
  counts: number[];
  /** Per mode: did it get at least minFraction of all samples? */
  covered: boolean[];
  modesCovered: number;
  /** Fraction of samples within stdMultiple·σ of some mode. */
  highQualityFraction: number;
}

function checkOptions(options: CoverageOptions): Required<CoverageOptions> {
  const { stdMultiple = 3, minFraction = 0.01 } = options;
  if (!(stdMultiple > 0) || !Number.isFinite(stdMultiple)) throw new Error(`stdMultiple: ${stdMultiple} is not allowed; use a number > 0`);
  if (!(minFraction > 0 && minFraction <= 1)) throw new Error(`minFraction: ${minFraction} is not allowed; use a number in (0, 1]`);
  return { stdMultiple, minFraction };
}

/**
 * Mode coverage and sample quality on a known mixture (Srivastava et al. 2017, VEEGAN, Sec. 5.1;
 * the ring/grid protocol of Metz et al. 2017): each sample goes to its nearest mode and counts
 * when within 3σ of it; a mode is covered when it holds at least 1% of all samples. A sample
 * that is NaN or infinite (a diverged generator) lies near no mode and so counts against quality.
 */
export function mixtureCoverage(samples: Points2D, mixture: MixtureLike, options: CoverageOptions = {}): MixtureCoverage {
  const { stdMultiple, minFraction } = checkOptions(options);
  const points = flatPoints2D(samples, 'samples');
  const total = points.length / 2;
  if (total === 0) throw new Error('samples: no samples to score');
  if (mixture.modes.length === 0) throw new Error('mixture.modes: the mixture has no modes');
  const radiusSq = (stdMultiple * mixture.std) ** 2;
  const counts = new Array<number>(mixture.modes.length).fill(0);
  let highQuality = 0;
  for (let i = 0; i < total; i++) {
    const x = points[2 * i] as number;
    const y = points[2 * i + 1] as number;
    let best = -1;
    let bestSq = Number.POSITIVE_INFINITY;
    mixture.modes.forEach(([mx, my], k) => {
      const dSq = (x - mx) ** 2 + (y - my) ** 2;
      if (dSq < bestSq) {
        bestSq = dSq;
        best = k;
      }
    });
    if (best >= 0 && bestSq <= radiusSq) {
      counts[best] = (counts[best] as number) + 1;
      highQuality++;
    }
  }
  // c/total is correctly rounded, so exactly 1% (10 of 1000) rounds to the same double as 0.01 and counts
  const covered = counts.map((c) => c / total >= minFraction);
  return { total, counts, covered, modesCovered: covered.filter(Boolean).length, highQualityFraction: highQuality / total };
}

/** Number of modes holding at least 1% of the samples within 3σ (see mixtureCoverage). */
export function modesCovered(samples: Points2D, mixture: MixtureLike, options: CoverageOptions = {}): number {
  return mixtureCoverage(samples, mixture, options).modesCovered;
}

/** Fraction of samples within 3σ of some mode (see mixtureCoverage). */
export function highQualityFraction(samples: Points2D, mixture: MixtureLike, options: CoverageOptions = {}): number {
  return mixtureCoverage(samples, mixture, options).highQualityFraction;
}
