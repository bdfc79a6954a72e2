import { readFileSync } from 'node:fs';
import { Rng } from '@ganbench/core';
import { describe, expect, it } from 'vitest';
import { inceptionScore } from './inceptionScore.js';

interface InceptionCase {
  name: string;
  fromLogits: boolean;
  splits: number;
  input: number[][];
  mean: number;
  std: number;
  scores: number[];
}

const reference = JSON.parse(readFileSync(new URL('../../fixtures/quality_reference.json', import.meta.url), 'utf8')) as { inception: InceptionCase[] };

const relativeError = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('inceptionScore', () => {
  for (const c of reference.inception) {
    it(`matches torch-fidelity's formula in numpy: ${c.name}`, () => {
      const result = inceptionScore(c.input, { splits: c.splits, fromLogits: c.fromLogits });
      expect(relativeError(result.mean, c.mean)).toBeLessThan(1e-12);
      expect(relativeError(result.std, c.std)).toBeLessThan(1e-9);
      for (const [i, s] of result.scores.entries()) expect(relativeError(s, c.scores[i] as number)).toBeLessThan(1e-12);
    });
  }

  it('is 1 for uniform predictions and C for one-hot predictions spread evenly over C classes', () => {
    const classes = 10;
    const uniform = Array.from({ length: 100 }, () => new Array<number>(classes).fill(1 / classes));
    const u = inceptionScore(uniform);
    expect(Math.abs(u.mean - 1)).toBeLessThan(1e-12);
    expect(u.std).toBeLessThan(1e-12);
    // row i is class i mod 10, so each of the 10 splits of 10 rows holds every class once
    const oneHot = Array.from({ length: 100 }, (_, i) => Array.from({ length: classes }, (_, c) => (c === i % classes ? 1 : 0)));
    const h = inceptionScore(oneHot, { splits: 10 });
    expect(Math.abs(h.mean - classes)).toBeLessThan(1e-12);
    expect(h.std).toBeLessThan(1e-12);
    // the same from logits whose softmax underflows to exact zeros: 0·log 0 counts as 0, not NaN
    const logits = oneHot.map((row) => row.map((v) => (v === 1 ? 0 : -1000)));
    expect(Math.abs(inceptionScore(logits, { fromLogits: true }).mean - classes)).toBeLessThan(1e-12);
  });

  it('takes flat float32 rows (what tensor.data() gives) like rows; std is the population std; splits: 1 has std 0', () => {
    const rng = new Rng(5);
    const logits = rng.normalArray(60 * 4, 0, 2);
    const rows = Array.from({ length: 60 }, (_, i) => Array.from(logits.subarray(4 * i, 4 * i + 4)));
    const flat = inceptionScore({ data: logits, dim: 4 }, { fromLogits: true, splits: 3 });
    expect(flat).toEqual(inceptionScore(rows, { fromLogits: true, splits: 3 }));
    const m = flat.scores.reduce((a, b) => a + b, 0) / 3;
    expect(flat.std).toBeCloseTo(Math.sqrt(flat.scores.reduce((a, b) => a + (b - m) ** 2, 0) / 3), 14);
    expect(inceptionScore(rows, { fromLogits: true, splits: 1 }).std).toBe(0);
  });

  it('shuffles before splitting only when given a seed, reproducibly', () => {
    const rng = new Rng(6);
    const logits = { data: rng.normalArray(100 * 5, 0, 3), dim: 5 };
    const a = inceptionScore(logits, { fromLogits: true, shuffleSeed: 1 });
    expect(a).toEqual(inceptionScore(logits, { fromLogits: true, shuffleSeed: 1 }));
    expect(a.scores).not.toEqual(inceptionScore(logits, { fromLogits: true }).scores);
    // one split sees every row whatever the order
    expect(inceptionScore(logits, { fromLogits: true, splits: 1, shuffleSeed: 1 }).mean).toBeCloseTo(
      inceptionScore(logits, { fromLogits: true, splits: 1 }).mean,
      12,
    );
  });

  it('rejects bad input naming the field, the value and what is allowed', () => {
    const p = [
      [0.5, 0.5],
      [0.25, 0.75],
      [1, 0],
      [0, 1],
    ];
    expect(() =>
      inceptionScore(
        [
          [0.5, 0.5],
          [0.5, Number.NaN],
        ],
        { splits: 1 },
      ),
    ).toThrow('predictions[1][1]: NaN is not a finite number');
    expect(() => inceptionScore(p, { splits: 0 })).toThrow('splits: 0 is not allowed; use an integer in [1, 4]');
    expect(() => inceptionScore(p, { splits: 5 })).toThrow('splits: 5 is not allowed; use an integer in [1, 4]');
    expect(() =>
      inceptionScore(
        [
          [2, -1],
          [0, 1],
        ],
        { splits: 1 },
      ),
    ).toThrow('predictions[0][1]: -1 is not a probability; pass fromLogits: true for logits');
    expect(() =>
      inceptionScore(
        [
          [2, 3],
          [0, 1],
        ],
        { splits: 1 },
      ),
    ).toThrow('predictions[0]: probabilities sum to 5, not 1');
    expect(() => inceptionScore([], { splits: 1 })).toThrow('predictions: no samples');
    expect(() => inceptionScore(p, { splits: 1, shuffleSeed: -1 })).toThrow('shuffleSeed: -1 is not allowed');
  });
});
