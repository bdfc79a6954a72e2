/**
 * A tiny seeded generator for bootstrap resampling, local so the report needs no tensor library. Anything with
 * `int(n)` (e.g. @ganbench/core's Rng) can be passed where a `UniformIntSource` is asked for.
 */
export interface UniformIntSource {
  /** An integer uniform on [0, n). */
  int(n: number): number;
}

export interface SeededRng extends UniformIntSource {
  /** Uniform on [0, 1) with 32 random bits. */
  uniform(): number;
}

/** Mulberry32 (Tommy Ettinger, 2017): one 32-bit word of state, plenty for resampling a few thousand trials. */
export function seededRng(seed: number): SeededRng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`seed must be an integer in [0, 4294967295]; got ${seed}`);
  }
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new Error(`n must be a positive integer; got ${n}`);
      return Math.floor(uniform() * n);
    },
  };
}
