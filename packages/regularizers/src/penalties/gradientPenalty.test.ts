import { initBackend, Rng, tf } from '@ganbench/core';
import { testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRegularizer } from '../registry.js';
import { type PenaltyContext, penaltyContext } from '../types.js';

const W = [0.6, -1.2, 0.9];
const NORM = Math.hypot(...W);
const REAL = testValues(15, 41);
const FAKE = testValues(15, 42);

/** Rows of the 5×3 real batch, to write E[D(x)²] and its gradient out by hand. */
const realRows = () => Array.from({ length: 5 }, (_, i) => REAL.slice(3 * i, 3 * i + 3));
const dot = (a: ArrayLike<number>, b: readonly number[]) => b.reduce((s, bi, i) => s + (a[i] as number) * bi, 0);

/** The gradient-penalty regularizer on D(x) = w·x, as a value and its gradient in w. */
function linearPenalty(params: Record<string, unknown>, step = 0): { value: number | null; grad: number[] | null } {
  const regularizer = createRegularizer('gradient-penalty', params);
  if (regularizer.kind !== 'penalty') throw new Error('gradient-penalty is not a penalty');
  const real = tf.tensor2d(REAL, [5, 3]);
  const fake = tf.tensor2d(FAKE, [5, 3]);
  const at = (w: tf.Tensor) => {
    const context: PenaltyContext = penaltyContext({
      discriminator: (x) => tf.reshape(tf.matMul(x, tf.reshape(w, [3, 1])), [-1]),
      real,
      fake,
      rng: new Rng(7),
      step,
    });
    return regularizer.penalty(context);
  };
  const w = tf.tensor1d(W);
  const first = at(w);
  const value = first === null ? null : (first.dataSync()[0] as number);
  first?.dispose();
  const grad =
    value === null
      ? null
      : tf.tidy(() =>
          Array.from(
            tf
              .grad((v: tf.Tensor) => at(v) as tf.Scalar)(w)
              .dataSync(),
          ),
        );
  tf.dispose([real, fake, w]);
  return { value, grad };
}

describe('gradient penalty with the ε-drift term (Karras et al. 2018, App. A.1)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('drift defaults to 0: the penalty is Gulrajani et al.’s alone', () => {
    const base = linearPenalty({ lambda: 3 });
    expect(base.value).toBeCloseTo(3 * (NORM - 1) ** 2, 5);
    expect(linearPenalty({ lambda: 3, drift: 0 })).toEqual(base);
  });

  it('on D(x) = w·x it adds drift·E[(w·x)²] with gradient 2·drift·E[(w·x)·x]', () => {
    const drift = 0.25;
    const rows = realRows();
    const meanSquare = rows.reduce((s, x) => s + dot(x, W) ** 2, 0) / rows.length;
    const driftGrad = W.map((_, j) => (2 * drift * rows.reduce((s, x) => s + dot(x, W) * (x[j] as number), 0)) / rows.length);
    const { value, grad } = linearPenalty({ lambda: 3, drift });
    expect(value).toBeCloseTo(3 * (NORM - 1) ** 2 + drift * meanSquare, 5);
    expect(grad).toEqual(W.map((wi, j) => expect.closeTo((2 * 3 * (NORM - 1) * wi) / NORM + (driftGrad[j] as number), 4)));
    // Only the drift: λ = 0.
    expect(linearPenalty({ lambda: 0, drift }).value).toBeCloseTo(drift * meanSquare, 5);
  });

  it('lazy evaluation scales the drift with λ by the interval', () => {
    const rows = realRows();
    const meanSquare = rows.reduce((s, x) => s + dot(x, W) ** 2, 0) / rows.length;
    expect(linearPenalty({ lambda: 3, drift: 0.25, every: 2 }, 1).value).toBeNull();
    expect(linearPenalty({ lambda: 3, drift: 0.25, every: 2 }, 4).value).toBeCloseTo(2 * (3 * (NORM - 1) ** 2 + 0.25 * meanSquare), 4);
  });

  it('a negative drift is rejected naming the hyperparameter', () => {
    expect(() => createRegularizer('gradient-penalty', { drift: -0.001 })).toThrow(
      'regularizer gradient-penalty.drift: -0.001 is not allowed; must be a number ≥ 0',
    );
  });
});
