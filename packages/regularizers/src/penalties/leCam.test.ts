import { initBackend, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { LECAM_DECAY, LeCamEma, leCamPenalty } from './leCam.js';

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

  it('the moving averages start at the first batch means, then follow α ← 0.99 α + 0.01 m', () => {
    const ema = new LeCamEma();
    expect(ema.state().decay).toBe(LECAM_DECAY);
    expect(ema.update(1, -1)).toEqual({ real: 1, fake: -1 });
    const second = ema.update(3, 1);
    expect(second.real).toBeCloseTo(0.99 * 1 + 0.01 * 3, 12);
    expect(second.fake).toBeCloseTo(0.99 * -1 + 0.01 * 1, 12);
    const before = tf.memory().numTensors;
    const [real, fake] = [tf.tensor1d(REAL), tf.tensor1d(FAKE)];
    const third = ema.updateFrom(real, fake);
    tf.dispose([real, fake]);
    expect(third.real).toBeCloseTo(0.99 * second.real + 0.01 * mean(REAL), 6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('its state survives a JSON round trip bit for bit and resumes identically', () => {
    const a = new LeCamEma();
    for (let i = 0; i < 7; i++) a.update(Math.sin(i) / 3, Math.cos(i) / 7);
    const b = LeCamEma.fromState(JSON.parse(JSON.stringify(a.state())));
    expect(b.state()).toEqual(a.state());
    for (let i = 0; i < 5; i++) expect(b.update(i / 11, -i / 13)).toEqual(a.update(i / 11, -i / 13));
    expect(() => LeCamEma.fromState({ decay: 0.99, real: Number.NaN, fake: 0, updates: 1 })).toThrow('lecam state.real: NaN is not a finite number');
    expect(() => new LeCamEma(1)).toThrow('lecam decay: 1 is not allowed');
  });
});
