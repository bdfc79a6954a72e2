import { initBackend, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRegularizer } from '../registry.js';
import type { PenaltyContext } from '../types.js';
import { LECAM_DECAY, leCamCarried, leCamPenalty, leCamRegularization } from './leCam.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const REAL = [1.5, -0.5, 2, 0.25];
const FAKE = [-1, 0.25, 0.75, -2];

function penalty(real: number[], fake: number[], anchors: { real: number; fake: number }, hinged = false): number {
  return tf.tidy(() => leCamPenalty(tf.tensor1d(real), tf.tensor1d(fake), anchors, hinged).dataSync()[0] as number);
}

describe('LeCam regularization (Tseng et al. 2021)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('is E[(D(x) − α_F)²] + E[(D(G(z)) − α_R)²] (Eq. 3); hinged, the released code’s one-sided form', () => {
    const anchors = { real: 0.7, fake: -0.3 };
    expect(penalty(REAL, FAKE, anchors)).toBeCloseTo(mean(REAL.map((r) => (r + 0.3) ** 2)) + mean(FAKE.map((f) => (f - 0.7) ** 2)), 5);
    const relu = (x: number) => Math.max(0, x);
    expect(penalty(REAL, FAKE, anchors, true)).toBeCloseTo(mean(REAL.map((r) => relu(r + 0.3) ** 2)) + mean(FAKE.map((f) => relu(0.7 - f) ** 2)), 5);
    // Zero when D outputs the other side's anchor everywhere.
    expect(penalty([-0.3, -0.3], [0.7, 0.7], anchors)).toBe(0);
  });

  it('gradients in the logits match finite differences (anchors are constants)', () => {
    const anchors = { real: 0.4, fake: -0.2 };
    for (const hinged of [false, true]) {
      const check = checkGradients(
        (r, f) => leCamPenalty(r as tf.Tensor, f as tf.Tensor, anchors, hinged),
        [
          { shape: [6], values: testValues(6, 5, -2, 2) },
          { shape: [6], values: testValues(6, 6, -2, 2) },
        ],
      );
      expect(check.maxError).toBeLessThan(1e-3);
    }
  });

  it('the carried anchors start at the first batch means, then follow α ← 0.99 α + 0.01 m; no tensors leak', () => {
    const carried = leCamCarried({ decay: LECAM_DECAY, start: 1 });
    expect(carried.initial).toEqual({ real: 0, fake: 0 });
    let state: Record<string, tf.Scalar> = { real: tf.scalar(0), fake: tf.scalar(0) };
    const expected = { real: 0, fake: 0 };
    const before = tf.memory().numTensors;
    for (let step = 0; step < 6; step++) {
      const real = Array.from(testValues(5, 10 + step, -2, 3));
      const fake = Array.from(testValues(5, 20 + step, -3, 1));
      const [r, f] = [tf.tensor1d(real), tf.tensor1d(fake)];
      const next = carried.update(state, { realLogits: r, fakeLogits: f, step }) as Record<string, tf.Scalar>;
      tf.dispose([r, f, ...Object.values(state)]);
      const d = step === 0 ? 0 : 0.99;
      expected.real = d * expected.real + (1 - d) * mean(real);
      expected.fake = d * expected.fake + (1 - d) * mean(fake);
      expect((next.real as tf.Scalar).dataSync()[0]).toBeCloseTo(expected.real, 6);
      expect((next.fake as tf.Scalar).dataSync()[0]).toBeCloseTo(expected.fake, 6);
      if (step === 0) expect((next.real as tf.Scalar).dataSync()[0]).toBe(Math.fround(mean(real)));
      state = next;
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(state));
  });

  it('`start` steps set the anchors to the batch means before the moving average begins', () => {
    const carried = leCamCarried({ decay: 0.5, start: 3 });
    let state: Record<string, tf.Scalar> = { real: tf.scalar(0), fake: tf.scalar(0) };
    const means = [1, 2, 4, 8];
    for (const [step, m] of means.entries()) {
      const logits = tf.fill([2], m);
      const next = carried.update(state, { realLogits: logits, fakeLogits: logits, step }) as Record<string, tf.Scalar>;
      tf.dispose([logits, ...Object.values(state)]);
      state = next;
      expect((state.real as tf.Scalar).dataSync()[0]).toBe(step < 3 ? m : 0.5 * 4 + 0.5 * 8);
    }
    tf.dispose(Object.values(state));
  });

  it('the registered penalty is λ·R_LC with the anchors updated by this step first; its gradient in D is that of R_LC with those anchors held constant', () => {
    const bound = createRegularizer('lecam', { lambda: 0.5 });
    expect(bound.params).toEqual({ lambda: 0.5, decay: 0.99, start: 1, hinged: false });
    if (bound.kind !== 'penalty') throw new Error('lecam is a penalty');
    const x = tf.tensor2d(testValues(8, 31, -1, 1), [4, 2]);
    const g = tf.tensor2d(testValues(8, 32, -1, 1), [4, 2]);
    const state = { real: tf.scalar(0.3), fake: tf.scalar(-0.4) };
    const w0 = testValues(2, 33, -1, 1);
    const d = (w: tf.Tensor) => (input: tf.Tensor) => tf.reshape(tf.matMul(input as tf.Tensor2D, tf.reshape(w, [2, 1]) as tf.Tensor2D), [-1]);
    const context = (w: tf.Tensor): PenaltyContext => ({
      discriminator: d(w),
      real: x,
      fake: g,
      rng: undefined as never,
      step: 5,
      realLogits: d(w)(x),
      fakeLogits: d(w)(g),
      state,
    });
    const w = tf.tensor1d(w0);
    const realLogits = Array.from(d(w)(x).dataSync());
    const fakeLogits = Array.from(d(w)(g).dataSync());
    const anchors = { real: 0.99 * 0.3 + 0.01 * mean(realLogits), fake: 0.99 * -0.4 + 0.01 * mean(fakeLogits) };
    const byHand = 0.5 * (mean(realLogits.map((r) => (r - anchors.fake) ** 2)) + mean(fakeLogits.map((f) => (f - anchors.real) ** 2)));
    expect((bound.penalty(context(w)) as tf.Scalar).dataSync()[0]).toBeCloseTo(byHand, 5);
    const gradient = Array.from(
      tf
        .grad((v: tf.Tensor) => bound.penalty(context(v)) as tf.Scalar)(w)
        .dataSync(),
    );
    const fixed = Array.from(
      tf
        .grad((v: tf.Tensor) => tf.mul(0.5, leCamPenalty(d(v)(x), d(v)(g), anchors)) as tf.Scalar)(w)
        .dataSync(),
    );
    for (const [i, v] of gradient.entries()) expect(v).toBeCloseTo(fixed[i] as number, 5);
    const check = checkGradients((v) => tf.mul(0.5, leCamPenalty(d(v)(x), d(v)(g), anchors)) as tf.Scalar, [{ shape: [2], values: w0 }]);
    expect(check.maxError).toBeLessThan(1e-3);
    // Without the stop-gradient the anchors' own dependence on D would change it.
    const moving = Array.from(
      tf
        .grad((v: tf.Tensor) => {
          const [r, f] = [d(v)(x), d(v)(g)];
          const live = { real: tf.add(0.99 * 0.3, tf.mul(0.01, tf.mean(r))) as tf.Scalar, fake: tf.add(0.99 * -0.4, tf.mul(0.01, tf.mean(f))) as tf.Scalar };
          return tf.mul(0.5, leCamPenalty(r, f, live)) as tf.Scalar;
        })(w)
        .dataSync(),
    );
    expect(Math.max(...moving.map((v, i) => Math.abs(v - (gradient[i] as number))))).toBeGreaterThan(1e-4);
    expect(() => leCamRegularization({ ...context(w), state: {} }, 1, false, { decay: 0.99, start: 1 })).toThrow('lecam: the anchors are carried state');
    tf.dispose([x, g, w, state.real, state.fake]);
  });
});
