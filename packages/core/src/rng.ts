import { type Tensor, tensor } from '@tensorflow/tfjs-core';

/** The whole state of an Rng: four 32-bit words, saved with checkpoints so a resumed run draws the same numbers. */
export type RngState = [number, number, number, number];

/** SplitMix32: expands one seed into well-mixed words (Steele, Lea, Flood 2014). */
function splitMix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * One seeded generator every sampler takes: xoshiro128** (Blackman & Vigna 2018). Same seed,
 * same sequence, on every backend, because sampling happens in JavaScript and only the result
 * becomes a tensor.
 */
export class Rng {
  private s: RngState;

  constructor(seed: number | RngState) {
    if (typeof seed === 'number') {
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
        throw new Error(`seed: ${seed} is not allowed; use an integer in [0, 4294967295]`);
      }
      const next = splitMix32(seed);
      this.s = [next(), next(), next(), next()];
    } else {
      this.s = [...seed];
    }
  }

  /** An independent stream derived from this seed and a label (e.g. 'generator-init'); does not advance this one. */
  fork(label: string): Rng {
    const next = splitMix32((this.s[0] ^ hashLabel(label)) >>> 0);
    const mix = splitMix32((this.s[2] ^ Math.imul(hashLabel(label), 0x27d4eb2d)) >>> 0);
    return new Rng([next() ^ mix(), next(), mix(), next() ^ this.s[1]].map((v) => v >>> 0) as RngState);
  }

  state(): RngState {
    return [...this.s];
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal by the Box–Muller transform. */
  normal(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Integer uniform on [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`n: ${n} is not allowed; use a positive integer`);
    return Math.floor(this.uniform() * n);
  }

  uniformArray(size: number, low = 0, high = 1): Float32Array {
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }

  /** Both Box–Muller outputs per pair of uniforms: half the work of `normal()` per value, for large latent batches. */
  normalArray(size: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(size);
    for (let i = 0; i < size; i += 2) {
      let u = this.uniform();
      while (u === 0) u = this.uniform();
      const radius = std * Math.sqrt(-2 * Math.log(u));
      const angle = 2 * Math.PI * this.uniform();
      out[i] = mean + radius * Math.cos(angle);
      if (i + 1 < size) out[i + 1] = mean + radius * Math.sin(angle);
    }
    return out;
  }

  uniformTensor(shape: number[], low = 0, high = 1): Tensor {
    return tensor(this.uniformArray(sizeOf(shape), low, high), shape, 'float32');
  }

  normalTensor(shape: number[], mean = 0, std = 1): Tensor {
    return tensor(this.normalArray(sizeOf(shape), mean, std), shape, 'float32');
  }

  /** Fisher–Yates permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = p[i] as number;
      p[i] = p[j] as number;
      p[j] = tmp;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
