import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds and forks', () => {
    const a = new Rng(7).normalArray(100);
    expect(new Rng(7).normalArray(100)).toEqual(a);
    expect(new Rng(8).normalArray(100)).not.toEqual(a);
    const base = new Rng(7);
    expect(base.fork('g').uniformArray(10)).toEqual(new Rng(7).fork('g').uniformArray(10));
    expect(base.fork('g').uniformArray(10)).not.toEqual(base.fork('d').uniformArray(10));
  });

  it('resumes from a saved state with the same numbers', () => {
    const r = new Rng(3);
    r.normalArray(17);
    const saved = r.state();
    const next = r.normalArray(5);
    expect(new Rng(saved).normalArray(5)).toEqual(next);
  });

  it('draws U(0,1) and N(0,1) with the right moments (n = 200,000; 5σ bounds)', () => {
    const n = 200_000;
    const r = new Rng(11);
    const u = r.uniformArray(n);
    const z = r.normalArray(n);
    const mean = (x: Float32Array) => x.reduce((s, v) => s + v, 0) / x.length;
    const variance = (x: Float32Array) => {
      const m = mean(x);
      return x.reduce((s, v) => s + (v - m) ** 2, 0) / x.length;
    };
    // U(0,1): mean 1/2 (σ of the mean √(1/12n)), variance 1/12; N(0,1): mean 0 (σ 1/√n), variance 1 (σ √(2/n)).
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance(u) - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
    expect(Math.abs(mean(z))).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance(z) - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('permutation is a permutation', () => {
    const p = Array.from(new Rng(5).permutation(1000));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('rejects a seed that is not a 32-bit unsigned integer, naming it', () => {
    expect(() => new Rng(-1)).toThrow('seed: -1 is not allowed; use an integer in [0, 4294967295]');
    expect(() => new Rng(1.5)).toThrow('seed: 1.5');
  });
});
