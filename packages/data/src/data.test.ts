import { initBackend, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRID, getMixture, MIXTURE_NAMES, RING, sampleMixture, sampleMixtureLabelled, sampleMixturePoints } from './index.js';

describe('mixture definitions', () => {
  it('ring: 8 distinct modes on a circle of radius 2, σ = 0.02', () => {
    expect(RING.modes).toHaveLength(8);
    expect(RING.std).toBe(0.02);
    for (const [x, y] of RING.modes) expect(Math.hypot(x, y)).toBeCloseTo(2, 12);
    const keys = new Set(RING.modes.map(([x, y]) => `${x.toFixed(6)},${y.toFixed(6)}`));
    expect(keys.size).toBe(8);
    // neighbours are 2·2·sin(π/8) apart
    const [a, b] = RING.modes as [[number, number], [number, number]];
    expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeCloseTo(4 * Math.sin(Math.PI / 8), 12);
  });

  it('grid: 25 modes at every pair of −4, −2, 0, 2, 4, σ = 0.05', () => {
    expect(GRID.modes).toHaveLength(25);
    expect(GRID.std).toBe(0.05);
    const expected = [-4, -2, 0, 2, 4].flatMap((x) => [-4, -2, 0, 2, 4].map((y) => [x, y]));
    expect(GRID.modes.map(([x, y]) => [x, y])).toEqual(expected);
  });

  it('getMixture finds by name and names the field and the choices for an unknown one', () => {
    expect(MIXTURE_NAMES).toEqual(['ring', 'grid']);
    expect(getMixture('grid')).toBe(GRID);
    expect(() => getMixture('rin')).toThrow("dataset: 'rin' is not allowed; allowed: ring, grid");
  });
});

describe('sampling', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('the same seed gives the same points; another seed does not', () => {
    const a = sampleMixturePoints(RING, 100, new Rng(7));
    expect(sampleMixturePoints(RING, 100, new Rng(7))).toEqual(a);
    expect(sampleMixturePoints(RING, 100, new Rng(8))).not.toEqual(a);
  });

  it('the tensor holds the float64 points rounded to float32', () => {
    const points = sampleMixturePoints(GRID, 64, new Rng(3));
    const t = sampleMixture(GRID, 64, new Rng(3));
    expect(t.shape).toEqual([64, 2]);
    expect(t.dtype).toBe('float32');
    expect(t.dataSync()).toEqual(Float32Array.from(points));
    t.dispose();
  });

  it('modes are chosen uniformly and each point lies near its mode with the stated σ', () => {
    const n = 40_000;
    const { points, modeIndex } = sampleMixtureLabelled(RING, n, new Rng(11));
    const counts = new Array<number>(8).fill(0);
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const k = modeIndex[i] as number;
      counts[k] = (counts[k] as number) + 1;
      const [cx, cy] = RING.modes[k] as readonly [number, number];
      sumSq += ((points[2 * i] as number) - cx) ** 2 + ((points[2 * i + 1] as number) - cy) ** 2;
    }
    // each count is Binomial(n, 1/8): sd ≈ 66, so 5 sd is ≈ 330
    for (const c of counts) expect(Math.abs(c - n / 8)).toBeLessThan(330);
    expect(Math.sqrt(sumSq / (2 * n))).toBeCloseTo(0.02, 3);
  });

  it('sampling leaves no tensors behind but the one returned', () => {
    const before = tf.memory().numTensors;
    const t = sampleMixture(RING, 10, new Rng(1));
    expect(tf.memory().numTensors).toBe(before + 1);
    t.dispose();
  });

  it('rejects a non-positive or fractional n, naming it', () => {
    expect(() => sampleMixturePoints(RING, 0, new Rng(1))).toThrow('n: 0 is not allowed');
    expect(() => sampleMixturePoints(RING, 2.5, new Rng(1))).toThrow('n: 2.5 is not allowed');
  });
});
