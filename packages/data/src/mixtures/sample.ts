import { type Rng, tf } from '@ganbench/core';
import type { GaussianMixture } from './types.js';

/** Points drawn from a mixture, with the mode each came from. */
export interface LabelledSamples {
  /** Row-major [n, 2]: x₀, y₀, x₁, y₁, … */
  points: Float64Array;
  /** Index into `mixture.modes` for each point. */
  modeIndex: Int32Array;
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`n: ${n} is not allowed; use a positive integer`);
}

/**
 * The one sampling routine the others wrap, so float64 arrays and tensors from the same seed hold
 * the same points. Per point: a uniform mode, then x and y noise, in that order.
 */
export function sampleMixtureLabelled(mixture: GaussianMixture, n: number, rng: Rng): LabelledSamples {
  checkCount(n);
  const points = new Float64Array(2 * n);
  const modeIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = rng.int(mixture.modes.length);
    const [cx, cy] = mixture.modes[k] as readonly [number, number];
    modeIndex[i] = k;
    points[2 * i] = cx + mixture.std * rng.normal();
    points[2 * i + 1] = cy + mixture.std * rng.normal();
  }
  return { points, modeIndex };
}

/** n points as a row-major float64 array [x₀, y₀, x₁, y₁, …]: backend-free, for metrics and tests. */
export function sampleMixturePoints(mixture: GaussianMixture, n: number, rng: Rng): Float64Array {
  return sampleMixtureLabelled(mixture, n, rng).points;
}

/** n points as a float32 tensor of shape [n, 2], the real batch a discriminator sees. */
export function sampleMixture(mixture: GaussianMixture, n: number, rng: Rng): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(sampleMixturePoints(mixture, n, rng)), [n, 2], 'float32');
}
