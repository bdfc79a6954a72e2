import * as tf from '@tensorflow/tfjs-core';

export interface GradientCheck {
  /** coordinates checked, each as [autograd, central difference] */
  pairs: [number, number][];
  /** max |autograd − numeric| / max(1, |numeric|) over the checked coordinates */
  maxError: number;
}

/**
 * Central finite differences (f(x + h eᵢ) − f(x − h eᵢ)) / 2h of a scalar function of several
 * tensors, against tf.grads, on up to `maxCoordinates` evenly spaced coordinates of each input.
 * Evaluations run in float32 on the current backend, so h trades truncation for rounding error.
 */
export function checkGradients(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: { shape: number[]; values: Float32Array }[],
  options: { h?: number; maxCoordinates?: number } = {},
): GradientCheck {
  const h = options.h ?? 1e-2;
  const maxCoordinates = options.maxCoordinates ?? 24;
  const tensors = inputs.map((x) => tf.tensor(x.values, x.shape));
  try {
    const analytic = tf.tidy(() =>
      tf
        .grads(f)(tensors)
        .map((g) => g.dataSync() as Float32Array),
    );
    const pairs: [number, number][] = [];
    let maxError = 0;
    inputs.forEach((input, k) => {
      const n = input.values.length;
      const step = Math.max(1, Math.floor(n / maxCoordinates));
      for (let i = 0; i < n; i += step) {
        const at = (delta: number) =>
          tf.tidy(() => {
            const shifted = input.values.slice();
            shifted[i] = (shifted[i] as number) + delta;
            const args = tensors.map((t, j) => (j === k ? tf.tensor(shifted, input.shape) : t));
            return f(...args).dataSync()[0] as number;
          });
        const numeric = (at(h) - at(-h)) / (2 * h);
        const auto = (analytic[k] as Float32Array)[i] as number;
        pairs.push([auto, numeric]);
        maxError = Math.max(maxError, Math.abs(auto - numeric) / Math.max(1, Math.abs(numeric)));
      }
    });
    return { pairs, maxError };
  } finally {
    tf.dispose(tensors);
  }
}

/** Deterministic test values in [low, high) that keep away from [−gap, gap], where piecewise ops have kinks. */
export function testValues(size: number, seed: number, low = -1, high = 1, gap = 0): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    let v = low + ((high - low) * s) / 4294967296;
    if (Math.abs(v) < gap) v = v < 0 ? v - gap : v + gap;
    out[i] = v;
  }
  return out;
}
