import { initBackend, Rng, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { cutoutMask, diffAugment, randBrightness, randContrast, randCutout, randSaturation, randTranslation } from './diffAugment.js';

const SHAPE = [3, 8, 8, 3] as const;
const [N, H, W, C] = SHAPE;
const at = (b: number, i: number, j: number, k: number) => ((b * H + i) * W + j) * C + k;

/** The authors' ops written out in float64 on flat NHWC arrays, drawing from `rng` in the same order. */
const REFERENCE = {
  brightness(x: number[], rng: Rng): number[] {
    const u = Array.from({ length: N }, () => rng.uniform());
    return x.map((v, idx) => v + (u[Math.floor(idx / (H * W * C))] as number) - 0.5);
  },
  saturation(x: number[], rng: Rng): number[] {
    const u = Array.from({ length: N }, () => rng.uniform());
    return x.map((v, idx) => {
      const pixel = Math.floor(idx / C) * C;
      const m = x.slice(pixel, pixel + C).reduce((a, b) => a + b, 0) / C;
      return (v - m) * 2 * (u[Math.floor(idx / (H * W * C))] as number) + m;
    });
  },
  contrast(x: number[], rng: Rng): number[] {
    const u = Array.from({ length: N }, () => rng.uniform());
    const size = H * W * C;
    return x.map((v, idx) => {
      const b = Math.floor(idx / size);
      const m = x.slice(b * size, (b + 1) * size).reduce((a, c) => a + c, 0) / size;
      return (v - m) * ((u[b] as number) + 0.5) + m;
    });
  },
  translation(x: number[], rng: Rng): number[] {
    const s = Math.floor(H * 0.125 + 0.5);
    const th = Array.from({ length: N }, () => rng.int(2 * s + 1) - s);
    const tw = Array.from({ length: N }, () => rng.int(2 * s + 1) - s);
    return x.map((_, idx) => {
      const [b, i, j, k] = [Math.floor(idx / (H * W * C)), Math.floor(idx / (W * C)) % H, Math.floor(idx / C) % W, idx % C];
      const [si, sj] = [i + (th[b] as number), j + (tw[b] as number)];
      return si < 0 || si >= H || sj < 0 || sj >= W ? 0 : (x[at(b, si, sj, k)] as number);
    });
  },
  cutout(x: number[], rng: Rng): number[] {
    const side = Math.floor(H * 0.5 + 0.5);
    const oh = Array.from({ length: N }, () => rng.int(H + (1 - (side % 2))));
    const ow = Array.from({ length: N }, () => rng.int(W + (1 - (side % 2))));
    return x.map((v, idx) => {
      const [b, i, j] = [Math.floor(idx / (H * W * C)), Math.floor(idx / (W * C)) % H, Math.floor(idx / C) % W];
      const top = (oh[b] as number) - Math.floor(side / 2);
      const left = (ow[b] as number) - Math.floor(side / 2);
      return i >= top && i < top + side && j >= left && j < left + side ? 0 : v;
    });
  },
};

const VALUES = testValues(N * H * W * C, 51);
const OPS = { brightness: randBrightness, saturation: randSaturation, contrast: randContrast, translation: randTranslation, cutout: randCutout };

function run(f: (x: tf.Tensor4D, rng: Rng) => tf.Tensor4D, seed: number): number[] {
  return tf.tidy(() => Array.from(f(tf.tensor4d(VALUES, [...SHAPE]), new Rng(seed)).dataSync()));
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`DiffAugment (Zhao et al. 2020) on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it.each(Object.keys(OPS) as (keyof typeof OPS)[])('%s matches the authors’ definition in float64 with the same draws', (name) => {
      const got = run(OPS[name], 7);
      const expected = REFERENCE[name](Array.from(VALUES), new Rng(7));
      for (const [i, v] of expected.entries()) expect(got[i]).toBeCloseTo(v, 5);
    });

    it('diffAugment is color, then translation, then cutout; the same seed gives the same images, another seed others; no tensors leak', () => {
      const before = tf.memory().numTensors;
      const got = run((x, rng) => diffAugment(x, rng), 11);
      expect(tf.memory().numTensors).toBe(before);
      const rng = new Rng(11);
      let expected = Array.from(VALUES);
      for (const op of ['brightness', 'saturation', 'contrast', 'translation', 'cutout'] as const) expected = REFERENCE[op](expected, rng);
      for (const [i, v] of expected.entries()) expect(got[i]).toBeCloseTo(v, 5);
      expect(run((x, r) => diffAugment(x, r), 11)).toEqual(got);
      expect(run((x, r) => diffAugment(x, r), 12)).not.toEqual(got);
      const onlyCutout = run((x, r) => diffAugment(x, r, ['cutout']), 11);
      // x·0 is −0 for negative x: compare with + 0.
      expect(onlyCutout.map((v) => v + 0)).toEqual(REFERENCE.cutout(Array.from(VALUES), new Rng(11)).map((v) => Math.fround(v)));
      expect(() => diffAugment(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, new Rng(1), ['flip' as 'color'])).toThrow(
        "diffAugment: unknown policy 'flip'; allowed: color, translation, cutout",
      );
    });

    it('is differentiable with respect to the images: gradients match central differences', () => {
      const shape = [2, 4, 4, 3];
      const s = tf.tensor(testValues(96, 53), shape);
      const check = checkGradients((x) => tf.sum(tf.mul(s, diffAugment(x as tf.Tensor4D, new Rng(5)))) as tf.Scalar, [{ shape, values: testValues(96, 52) }], {
        maxCoordinates: 32,
      });
      expect(check.maxError).toBeLessThan(2e-3);
      tf.dispose(s);
    });
  });
}

describe('cutout mask', () => {
  it('removes a square of half the side, clipped at the border, per image', () => {
    const rng = new Rng(3);
    const mask = cutoutMask(rng, [200, 8, 8]);
    const zeros = Array.from({ length: 200 }, (_, b) => mask.slice(b * 64, (b + 1) * 64).filter((v) => v === 0).length);
    expect(Math.max(...zeros)).toBe(16);
    expect(Math.min(...zeros)).toBeGreaterThan(0);
    expect(zeros.some((z) => z < 16)).toBe(true);
  });
});
