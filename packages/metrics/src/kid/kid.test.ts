import { readFileSync } from 'node:fs';
import { Rng } from '@ganbench/core';
import { describe, expect, it } from 'vitest';
import { kernelInceptionDistance } from './kernelInceptionDistance.js';
import { polynomialMmd2 } from './polynomialMmd.js';

interface KidReference {
  real: number[][];
  fake: number[][];
  same: number[][];
  subsets: { real: number[]; fake: number[]; mmd2: number }[];
  subsetMean: number;
  subsetStd: number;
  whole: number;
  wholeSame: number;
  unequal: number;
}

const reference = JSON.parse(readFileSync(new URL('../../fixtures/quality_reference.json', import.meta.url), 'utf8')) as { kid: KidReference };
const kid = reference.kid;

const relativeError = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('KID', () => {
  it("matches torch-fidelity's unbiased MMD² (numpy, float64) on the same subsets", () => {
    const values = kid.subsets.map((s) => {
      const v = polynomialMmd2(kid.real, kid.fake, { realIndices: s.real, fakeIndices: s.fake });
      expect(relativeError(v, s.mmd2)).toBeLessThan(1e-9);
      return v;
    });
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(relativeError(mean, kid.subsetMean)).toBeLessThan(1e-9);
    expect(relativeError(std, kid.subsetStd)).toBeLessThan(1e-9);
  });

  it('whole sets: kernelInceptionDistance with subsets as large as the sets gives the full estimate, std 0', () => {
    const result = kernelInceptionDistance(kid.real, kid.fake);
    expect(result.subsetSize).toBe(200);
    expect(result.values).toHaveLength(100);
    expect(relativeError(result.mean, kid.whole)).toBeLessThan(1e-9);
    expect(result.std).toBeLessThan(1e-12 * result.mean);
    expect(relativeError(kernelInceptionDistance(kid.real, kid.same, { subsets: 1 }).mean, kid.wholeSame)).toBeLessThan(1e-9);
    // unequal sizes: Σ k(xᵢ,xⱼ)/(m(m−1)) + Σ k(yᵢ,yⱼ)/(n(n−1)) − 2 Σ k(xᵢ,yⱼ)/(mn)
    expect(relativeError(polynomialMmd2(kid.real, kid.fake.slice(0, 150)), kid.unequal)).toBeLessThan(1e-9);
  });

  it('is about 0 for two samples of one distribution (unbiased: either sign) and clearly positive for a shift', () => {
    const rng = new Rng(11);
    const dim = 8;
    const a = { data: rng.normalArray(600 * dim), dim };
    const b = { data: rng.normalArray(600 * dim), dim };
    const shifted = { data: rng.normalArray(600 * dim, 0.5), dim };
    const same = kernelInceptionDistance(a, b, { subsetSize: 200 });
    const apart = kernelInceptionDistance(a, shifted, { subsetSize: 200 });
    // measured: same 0.0143 ± 0.0225, shifted 1.06 ± 0.15
    // each subset's value is an unbiased estimate of 0 with spread `std`; subsets overlap, so their mean is no tighter
    expect(Math.abs(same.mean)).toBeLessThan(same.std);
    expect(same.values.some((v) => v < 0)).toBe(true);
    expect(apart.mean).toBeGreaterThan(20 * Math.abs(same.mean));
    expect(apart.mean - 5 * apart.std).toBeGreaterThan(0);
  });

  it('draws subsets from the seed: same seed, same values; another seed, other values', () => {
    const a = kernelInceptionDistance(kid.real, kid.fake, { subsets: 5, subsetSize: 50, seed: 3 });
    expect(a).toEqual(kernelInceptionDistance(kid.real, kid.fake, { subsets: 5, subsetSize: 50, seed: 3 }));
    expect(a.values).not.toEqual(kernelInceptionDistance(kid.real, kid.fake, { subsets: 5, subsetSize: 50, seed: 4 }).values);
    expect(a.subsetSize).toBe(50);
  });

  it('rejects bad input naming the field, the value and what is allowed', () => {
    const x = [
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    expect(() => kernelInceptionDistance(x, [[0, 1, 2]])).toThrow("fake: dimension 3 does not match real's 2");
    expect(() =>
      kernelInceptionDistance(x, [
        [0, Number.NaN],
        [1, 1],
      ]),
    ).toThrow('fake[0][1]: NaN is not a finite number');
    expect(() => kernelInceptionDistance(x, [[0, 1]])).toThrow('real/fake: 3 and 1 samples; a KID subset needs at least 2 of each');
    expect(() => kernelInceptionDistance(x, x, { subsetSize: 1 })).toThrow('subsetSize: 1 is not allowed; use an integer ≥ 2');
    expect(() => kernelInceptionDistance(x, x, { subsets: 0 })).toThrow('subsets: 0 is not allowed; use an integer ≥ 1');
    expect(() => kernelInceptionDistance(x, x, { seed: 1.5 })).toThrow('seed: 1.5 is not allowed; use an integer in [0, 4294967295]');
    expect(() => polynomialMmd2(x, x, { realIndices: [0, 3] })).toThrow('realIndices[1]: 3 is not allowed; use a row index in [0, 2]');
    expect(() => polynomialMmd2(x, x, { fakeIndices: [1, 1] })).toThrow('fakeIndices[1]: row 1 appears twice');
    expect(() => polynomialMmd2(x, x, { fakeIndices: [1] })).toThrow('fakeIndices: 1 index(es); the unbiased MMD needs at least 2');
    expect(() => polynomialMmd2([[1, 2]], x)).toThrow('real: 1 sample(s); the unbiased MMD needs at least 2');
  });
});
