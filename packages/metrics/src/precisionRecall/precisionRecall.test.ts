import { readFileSync } from 'node:fs';
import { Rng } from '@ganbench/core';
import { describe, expect, it } from 'vitest';
import { createDotKernel } from './dotKernel.js';
import { kthNeighbourSquaredDistances } from './knnRadii.js';
import { precisionRecall } from './precisionRecall.js';

interface PrCase {
  name: string;
  real: number[][];
  fake: number[][];
  k: Record<string, { precision: number; recall: number }>;
  density: number;
  coverage: number;
}

const reference = JSON.parse(readFileSync(new URL('../../fixtures/quality_reference.json', import.meta.url), 'utf8')) as { precisionRecall: PrCase[] };

const relativeError = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

function gaussian(rng: Rng, n: number, dim: number, shift = 0): { data: Float32Array; dim: number } {
  return { data: rng.normalArray(n * dim, shift, 1), dim };
}

describe('precisionRecall', () => {
  for (const c of reference.precisionRecall) {
    it(`matches the official algorithms run in numpy: ${c.name}`, () => {
      for (const [k, expected] of Object.entries(c.k)) {
        const result = precisionRecall(c.real, c.fake, { k: Number(k) });
        expect([k, result.precision, result.recall]).toEqual([k, expected.precision, expected.recall]);
      }
      const dc = precisionRecall(c.real, c.fake, { densityCoverage: true });
      expect(dc.precision).toBe(c.k['3']?.precision);
      expect(relativeError(dc.density as number, c.density)).toBeLessThan(1e-12);
      expect(dc.coverage).toBe(c.coverage);
    });
  }

  it('gives the same answer whatever the block size (edges, padding, diagonal blocks)', () => {
    const c = reference.precisionRecall[0] as PrCase;
    const whole = precisionRecall(c.real, c.fake, { densityCoverage: true });
    for (const blockSize of [1, 5, 64, 299, 300, 4096]) {
      expect(precisionRecall(c.real, c.fake, { densityCoverage: true, blockSize })).toEqual(whole);
      // without density every pair need not be seen: blocks whose rows and columns are all inside are skipped
      expect(precisionRecall(c.real, c.fake, { blockSize })).toEqual({ precision: whole.precision, recall: whole.recall });
      expect(precisionRecall(c.real, c.real, { blockSize })).toEqual({ precision: 1, recall: 1 });
    }
  });

  it('k-NN radii by blocks equal a brute-force sort of all distances', () => {
    const rng = new Rng(3);
    const n = 157;
    const dim = 7;
    const data = Float64Array.from(rng.normalArray(n * dim));
    const norms = new Float64Array(n);
    const brute = Array.from({ length: n }, (_, i) => {
      const d: number[] = [];
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        let s = 0;
        for (let t = 0; t < dim; t++) s += ((data[i * dim + t] as number) - (data[j * dim + t] as number)) ** 2;
        d.push(s);
      }
      return d.sort((a, b) => a - b);
    });
    for (let i = 0; i < n; i++) for (let t = 0; t < dim; t++) norms[i] = (norms[i] as number) + (data[i * dim + t] as number) ** 2;
    const [r1, r3, r5] = kthNeighbourSquaredDistances({ data, n, dim }, norms, [1, 3, 5], 16) as Float64Array[];
    for (let i = 0; i < n; i++) {
      expect(relativeError(r1?.[i] as number, brute[i]?.[0] as number)).toBeLessThan(1e-10);
      expect(relativeError(r3?.[i] as number, brute[i]?.[2] as number)).toBeLessThan(1e-10);
      expect(relativeError(r5?.[i] as number, brute[i]?.[4] as number)).toBeLessThan(1e-10);
    }
  });

  it('identical sets have precision = recall = coverage = 1; far-apart clusters have 0 everywhere', () => {
    const rng = new Rng(1);
    const a = gaussian(rng, 500, 16);
    const same = precisionRecall(a, a, { densityCoverage: true });
    expect(same.precision).toBe(1);
    expect(same.recall).toBe(1);
    expect(same.coverage).toBe(1);
    expect(same.density).toBeGreaterThan(0.9);
    const far = gaussian(rng, 400, 16, 100);
    expect(precisionRecall(a, far, { densityCoverage: true })).toEqual({ precision: 0, recall: 0, density: 0, coverage: 0 });
  });

  it('a generator that drops half the modes keeps precision and loses recall', () => {
    const rng = new Rng(2);
    const modes = [-20, -10, 10, 20];
    const mixture = (n: number, use: number[]) =>
      Array.from({ length: n }, () => Array.from({ length: 8 }, (_, t) => (t === 0 ? (use[rng.int(use.length)] as number) : 0) + rng.normal()));
    const result = precisionRecall(mixture(800, modes), mixture(800, modes.slice(0, 2)));
    // same-distribution precision in 8-D with k = 3 is about 0.85 (measured 0.851); half the real modes unreached: recall 0.494
    expect(result.precision).toBeGreaterThan(0.8);
    expect(result.recall).toBeGreaterThan(0.35);
    expect(result.recall).toBeLessThan(0.55);
  });

  it('the WebAssembly SIMD kernel and the JS kernel give the same bits, upper-triangle and chunk offsets included', () => {
    const rng = new Rng(4);
    const dim = 9;
    const rows = 12;
    const floats = 2 * rows * dim + rows * rows;
    const simd = createDotKernel(floats);
    const js = createDotKernel(floats, { simd: false });
    expect(js.simd).toBe(false);
    const panels = rng.normalArray(2 * rows * dim);
    for (const kernel of [simd, js]) {
      kernel.heap.set(panels);
      kernel.heap.fill(Number.NaN, 2 * rows * dim);
    }
    for (const [upper, c0] of [
      [false, 0],
      [true, 0],
      [true, 4],
    ] as const) {
      simd.dot(0, rows, rows * dim + c0 * dim, rows - c0, dim, 2 * rows * dim + c0, rows, upper, c0);
      js.dot(0, rows, rows * dim + c0 * dim, rows - c0, dim, 2 * rows * dim + c0, rows, upper, c0);
      expect(Array.from(simd.heap.subarray(2 * rows * dim, floats))).toEqual(Array.from(js.heap.subarray(2 * rows * dim, floats)));
    }
  });

  it('rejects bad input naming the field, the value and what is allowed', () => {
    const rng = new Rng(5);
    const a = gaussian(rng, 10, 4);
    const b = gaussian(rng, 10, 3);
    expect(() => precisionRecall(a, b)).toThrow("fake: dimension 3 does not match real's 4");
    expect(() =>
      precisionRecall(
        [
          [0, 1],
          [Number.NaN, 2],
          [1, 1],
          [2, 2],
        ],
        a,
      ),
    ).toThrow('real[1][0]: NaN is not a finite number');
    expect(() => precisionRecall(a, { data: [0, 0, 0, Number.POSITIVE_INFINITY, 1, 1, 1, 1], dim: 4 })).toThrow('fake[0][3]: Infinity is not a finite number');
    expect(() => precisionRecall(gaussian(rng, 3, 4), a)).toThrow('real: 3 samples; k = 3 nearest neighbours (self excluded) need at least 4');
    expect(() => precisionRecall(a, gaussian(rng, 3, 4))).toThrow('fake: 3 samples; k = 3 nearest neighbours (self excluded) need at least 4');
    expect(() => precisionRecall(gaussian(rng, 5, 4), a, { densityCoverage: true })).toThrow('real: 5 samples; k = 5 nearest neighbours');
    expect(() => precisionRecall(a, a, { k: 0 })).toThrow('k: 0 is not allowed; use an integer ≥ 1');
    expect(() => precisionRecall(a, a, { blockSize: 2.5 })).toThrow('blockSize: 2.5 is not allowed; use an integer ≥ 1');
    expect(() => precisionRecall([], a)).toThrow('real: no samples');
  });
});
