import { describe, expect, it } from 'vitest';
import { areaWeights, bilinearWeights, resampleHwc, resizePlan } from '../index.js';

function resize(method: 'area' | 'bilinear', src: number[], h: number, w: number, c: number, oh: number, ow: number): number[] {
  const out = new Float64Array(oh * ow * c);
  resampleHwc(src, c, resizePlan(method, h, w, oh, ow), out);
  return Array.from(out);
}

function rowSums(weights: ReturnType<typeof areaWeights>): number[] {
  const sums: number[] = [];
  for (let o = 0; o + 1 < weights.start.length; o++) {
    let s = 0;
    for (let k = weights.start[o] as number; k < (weights.start[o + 1] as number); k++) s += weights.weight[k] as number;
    sums.push(s);
  }
  return sums;
}

describe('resize', () => {
  it('area 4 → 2 averages pairs; 2 × 2 blocks in 2-D', () => {
    expect(resize('area', [0, 2, 4, 8], 1, 4, 1, 1, 2)).toEqual([1, 6]);
    const img = [1, 3, 5, 7, 1, 3, 5, 7, 0, 0, 8, 8, 0, 0, 8, 8];
    expect(resize('area', img, 4, 4, 1, 2, 2)).toEqual([2, 6, 0, 8]);
  });

  it('area 3 → 2 weighs partial overlaps (1 and ½ of a pixel)', () => {
    expect(resize('area', [0, 3, 6], 1, 3, 1, 1, 2)).toEqual([1, 5]);
  });

  it('bilinear uses half-pixel centres: 2 → 4 gives ¾/¼ blends, edges clamped', () => {
    expect(resize('bilinear', [0, 4], 1, 2, 1, 1, 4)).toEqual([0, 1, 3, 4]);
  });

  it('same size is the identity for both methods; channels stay apart', () => {
    const rgb = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    expect(resize('bilinear', rgb, 2, 2, 3, 2, 2)).toEqual(rgb);
    expect(resize('area', rgb, 2, 2, 3, 2, 2)).toEqual(rgb);
  });

  it('weights sum to 1 for every output, up or down, so a constant image stays constant', () => {
    for (const [a, b] of [
      [28, 32],
      [32, 28],
      [7, 3],
      [3, 7],
      [100, 64],
    ] as const) {
      for (const s of rowSums(areaWeights(a, b))) expect(s).toBeCloseTo(1, 12);
      for (const s of rowSums(bilinearWeights(a, b))) expect(s).toBeCloseTo(1, 12);
    }
    for (const v of resize('area', new Array(5 * 7).fill(0.25), 5, 7, 1, 3, 4)) expect(v).toBeCloseTo(0.25, 12);
  });
});
