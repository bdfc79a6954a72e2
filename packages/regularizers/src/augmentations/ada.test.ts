import { initBackend, Rng, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADA_TARGET, AdaController, adaAdjust, adaOverfitting, adaPixelBlit, applyBlits, type Blit, sampleBlits } from './ada.js';

const SHAPE = [4, 6, 6, 2] as const;
const [N, S, , C] = SHAPE;
const VALUES = testValues(N * S * S * C, 61);

/** The source pixel of out[i, j] under T(R^k(F(·))), written out from the definitions, with reflection at the border. */
function reference(values: Float32Array, blits: Blit[]): number[] {
  const reflect = (i: number) => (i < 0 ? -i : i >= S ? 2 * (S - 1) - i : i);
  return Array.from(values, (_, idx) => {
    const [b, i, j, k] = [Math.floor(idx / (S * S * C)), Math.floor(idx / (S * C)) % S, Math.floor(idx / C) % S, idx % C];
    const blit = blits[b] as Blit;
    let [r, c] = [reflect(i - blit.shiftRows), reflect(j - blit.shiftColumns)];
    for (let t = 0; t < blit.rotations; t++) [r, c] = [c, S - 1 - r];
    if (blit.flip) c = S - 1 - c;
    return values[((b * S + r) * S + c) * C + k] as number;
  });
}

const BLITS: Blit[] = [
  { flip: false, rotations: 0, shiftRows: 0, shiftColumns: 0 },
  { flip: true, rotations: 1, shiftRows: 2, shiftColumns: -1 },
  { flip: false, rotations: 3, shiftRows: -3, shiftColumns: 0 },
  { flip: true, rotations: 2, shiftRows: 1, shiftColumns: 5 },
];

describe('ADA: the p controller (Karras et al. 2020)', () => {
  it('r_t = E[sign(D_train)]', () => {
    expect(adaOverfitting([2, -1, 0.5, 3])).toBe(0.5);
    expect(adaOverfitting([1, 1, 1, 1, -2])).toBeCloseTo(0.6, 12);
  });

  it('p ← clamp(p + sign(r_t − 0.6)·batch·interval/(500·1000), 0, 1)', () => {
    const step = (64 * 4) / 500_000;
    expect(adaAdjust(0.5, 0.9, { batchSize: 64 })).toBeCloseTo(0.5 + step, 15);
    expect(adaAdjust(0.5, 0.1, { batchSize: 64 })).toBeCloseTo(0.5 - step, 15);
    expect(adaAdjust(0.5, ADA_TARGET, { batchSize: 64 })).toBe(0.5);
    expect(adaAdjust(0, -1, { batchSize: 64 })).toBe(0);
    expect(adaAdjust(0.9999, 1, { batchSize: 64 })).toBe(1);
    expect(adaAdjust(0.2, 0.7, { batchSize: 10, interval: 2, kimg: 1, target: 0.5 })).toBeCloseTo(0.22, 15);
  });

  it('the controller adjusts every interval with that window’s r_t, and its state survives JSON bit for bit', () => {
    const options = { batchSize: 8, interval: 2, kimg: 0.1 };
    const a = new AdaController(options);
    expect(a.observe([1, 1, 1, -1])).toBe(0); // first step of the window: no adjustment yet
    expect(a.observe([1, 1, 1, 1])).toBeCloseTo(0.16, 12); // r_t = 6/8 > 0.6: p + 8·2/100
    expect(a.observe([-1, -1])).toBeCloseTo(0.16, 12);
    expect(a.observe([-1, 1])).toBe(0); // r_t = −0.5: p − 0.16, clamped
    for (let i = 0; i < 5; i++) a.observe([1, 2, -3, 4]);
    const b = AdaController.fromState(options, JSON.parse(JSON.stringify(a.state())));
    expect(b.state()).toEqual(a.state());
    for (let i = 0; i < 6; i++) expect(b.observe([i - 2, 1, 1])).toBe(a.observe([i - 2, 1, 1]));
    expect(() => AdaController.fromState(options, { p: 2, signSum: 0, signCount: 0, steps: 0 })).toThrow('ada state.p: 2 is not in [0, 1]');
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`ADA pixel blitting on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('x-flip, quarter turns and reflected integer shifts move pixels as their definitions say; no tensors leak', () => {
      const x = tf.tensor4d(VALUES, [...SHAPE]);
      const before = tf.memory().numTensors;
      const out = applyBlits(x, BLITS);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(Array.from(out.dataSync())).toEqual(reference(VALUES, BLITS).map((v) => Math.fround(v)));
      // Four quarter turns, or two flips, are the identity.
      const turned = applyBlits(applyBlits(x, Array(N).fill({ ...BLITS[0], rotations: 3 })), Array(N).fill({ ...BLITS[0], rotations: 1 }));
      expect(Array.from(turned.dataSync())).toEqual(Array.from(VALUES));
      tf.dispose([x, out, turned]);
    });

    it('is differentiable with respect to the images: gradients match central differences', () => {
      const s = tf.tensor(testValues(N * S * S * C, 62), [...SHAPE]);
      const check = checkGradients((x) => tf.sum(tf.mul(s, applyBlits(x as tf.Tensor4D, BLITS))) as tf.Scalar, [{ shape: [...SHAPE], values: VALUES }], {
        maxCoordinates: 40,
      });
      expect(check.maxError).toBeLessThan(2e-3);
      tf.dispose(s);
    });

    it('p = 0 is the identity; the same seed gives the same augmentation', () => {
      const x = tf.tensor4d(VALUES, [...SHAPE]);
      const identity = adaPixelBlit(x, new Rng(1), 0);
      expect(Array.from(identity.dataSync())).toEqual(Array.from(VALUES));
      const [a, b] = [adaPixelBlit(x, new Rng(9), 0.8), adaPixelBlit(x, new Rng(9), 0.8)];
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([x, identity, a, b]);
    });
  });
}

describe('ADA blit sampling', () => {
  it('applies each transformation with probability p per image (the flip then flips with probability ½, the turn is uniform)', () => {
    const n = 20_000;
    for (const p of [0, 0.3, 1]) {
      const blits = sampleBlits(new Rng(17), n, [32, 32], p);
      const rate = (f: (b: Blit) => boolean) => blits.filter(f).length / n;
      expect(rate((b) => b.flip)).toBeCloseTo(p / 2, 1);
      expect(rate((b) => b.rotations !== 0)).toBeCloseTo((3 * p) / 4, 1);
      expect(Math.abs(rate((b) => b.flip) - p / 2)).toBeLessThan(0.015);
      expect(Math.abs(rate((b) => b.rotations !== 0) - (3 * p) / 4)).toBeLessThan(0.015);
      // Shifts within ±round(0.125·32) = ±4 pixels, non-zero only for kept translations.
      expect(Math.max(...blits.map((b) => Math.max(Math.abs(b.shiftRows), Math.abs(b.shiftColumns))))).toBe(p === 0 ? 0 : 4);
    }
    expect(() => sampleBlits(new Rng(1), 2, [4, 6], 0.5)).toThrow('ada: the 90° rotations need square images; got 4×6');
    expect(() => sampleBlits(new Rng(1), 2, [4, 4], 1.5)).toThrow('ada: p = 1.5 is not in [0, 1]');
  });
});
