import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSelfAttention, selfAttention, selfAttentionWeights } from './index.js';

const N = 2;
const H = 2;
const W = 3;
const C = 16; // query and key C/8 = 2 channels, value C/2 = 8

/** An attention block whose kernels are N(0, 1) (far from their small initial scale) and whose γ is `gamma`. */
function block(gamma: number, seed = 1): ParamStore {
  const params = new ParamStore();
  initSelfAttention(params, 'a', C, new Rng(seed));
  const rng = new Rng(seed + 100);
  tf.tidy(() => {
    for (const name of ['query', 'key', 'value', 'out']) {
      const kernel = params.get(`a/${name}/kernel`);
      kernel.assign(rng.normalTensor(kernel.shape as number[]));
    }
    params.get('a/gamma').assign(tf.scalar(gamma));
  });
  return params;
}

/** A 1×1 kernel [1, 1, in, out] as a row-major in × out matrix of float64. */
const matrix = (params: ParamStore, name: string) => {
  const k = params.get(`a/${name}/kernel`);
  return { data: Float64Array.from(k.dataSync()), in: k.shape[2] as number, out: k.shape[3] as number };
};

/** x_p W for one position p: Σ_c x[p, c] W[c, o]. */
function project(x: Float64Array, offset: number, m: { data: Float64Array; in: number; out: number }): number[] {
  return Array.from({ length: m.out }, (_, o) => {
    let s = 0;
    for (let c = 0; c < m.in; c++) s += (x[offset + c] as number) * (m.data[c * m.out + o] as number);
    return s;
  });
}

/**
 * Zhang et al. 2019, Eqs. 1–3 with explicit loops in float64: s_ji = q_j · k_i, β_ji = exp(s_ji)/Σ_i exp(s_ji),
 * o_j = W_out Σ_i β_ji v_i, y_j = x_j + γ o_j; positions j, i run over all H·W cells of one sample.
 */
function loopAttention(params: ParamStore, x: tf.Tensor): { beta: number[][][]; y: number[] } {
  const data = Float64Array.from(x.dataSync());
  const [q, k, v, out] = ['query', 'key', 'value', 'out'].map((name) => matrix(params, name)) as [
    ReturnType<typeof matrix>,
    ReturnType<typeof matrix>,
    ReturnType<typeof matrix>,
    ReturnType<typeof matrix>,
  ];
  const gamma = params.get('a/gamma').dataSync()[0] as number;
  const positions = H * W;
  const y = Array.from(data);
  const beta: number[][][] = [];
  for (let n = 0; n < N; n++) {
    const at = (p: number) => (n * positions + p) * C;
    const queries = Array.from({ length: positions }, (_, p) => project(data, at(p), q));
    const keys = Array.from({ length: positions }, (_, p) => project(data, at(p), k));
    const values = Array.from({ length: positions }, (_, p) => project(data, at(p), v));
    const rows: number[][] = [];
    for (let j = 0; j < positions; j++) {
      const s = keys.map((key) => key.reduce((acc, ki, c) => acc + ki * ((queries[j] as number[])[c] as number), 0));
      const top = Math.max(...s);
      const e = s.map((si) => Math.exp(si - top));
      const total = e.reduce((a, b) => a + b, 0);
      const row = e.map((ei) => ei / total);
      rows.push(row);
      const mixed = Array.from({ length: v.out }, (_, c) => row.reduce((acc, b, i) => acc + b * ((values[i] as number[])[c] as number), 0));
      const o = project(Float64Array.from(mixed), 0, out);
      for (let c = 0; c < C; c++) y[at(j) + c] = (y[at(j) + c] as number) + gamma * (o[c] as number);
    }
    beta.push(rows);
  }
  return { beta, y };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - (b[i] as number))));

describe('SAGAN self-attention (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  const input = () => new Rng(7).normalTensor([N, H, W, C]) as tf.Tensor4D;

  it('query and key have C/8 channels, value C/2, out maps back to C, no biases; γ starts at 0', () => {
    const params = new ParamStore();
    initSelfAttention(params, 'a', C, new Rng(0));
    expect(params.get('a/query/kernel').shape).toEqual([1, 1, C, 2]);
    expect(params.get('a/key/kernel').shape).toEqual([1, 1, C, 2]);
    expect(params.get('a/value/kernel').shape).toEqual([1, 1, C, 8]);
    expect(params.get('a/out/kernel').shape).toEqual([1, 1, 8, C]);
    expect(params.names().filter((n) => n.endsWith('/bias'))).toEqual([]);
    expect(params.get('a/gamma').dataSync()[0]).toBe(0);
  });

  it('attention weights are a distribution over all H·W positions: in [0, 1], summing to 1 for every query position', () => {
    const params = block(0.5);
    const beta = selfAttentionWeights(params, 'a', input());
    expect(beta.shape).toEqual([N, H * W, H * W]);
    const values = beta.dataSync();
    expect(values.every((b) => b >= 0 && b <= 1)).toBe(true);
    const sums = tf.sum(beta, -1).dataSync();
    expect(maxAbsDiff(sums, new Array(N * H * W).fill(1))).toBeLessThan(1e-6);
    // N(0, 1) kernels make the weights far from uniform: attention is not an average
    expect(Math.max(...values)).toBeGreaterThan(2 / (H * W));
  });

  it('with γ = 0 the block is the identity, whatever the kernels', () => {
    const params = block(0);
    const x = input();
    const y = selfAttention(params, 'a', x);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('with γ ≠ 0 it equals the explicit loop over positions (Eqs. 1–3), weights and output', () => {
    const params = block(0.7);
    const x = input();
    const want = loopAttention(params, x);
    expect(maxAbsDiff(selfAttentionWeights(params, 'a', x).dataSync(), want.beta.flat(2))).toBeLessThan(1e-5);
    const y = selfAttention(params, 'a', x).dataSync();
    const scale = Math.max(...want.y.map(Math.abs));
    expect(maxAbsDiff(y, want.y)).toBeLessThan(1e-5 * scale);
    // the attention term is not negligible next to x
    expect(maxAbsDiff(y, x.dataSync())).toBeGreaterThan(0.1);
  });

  it('at γ = 0 the block still learns: ∂ Σy/∂γ = Σo, the attention output the loop computes', () => {
    const params = block(0);
    const x = input();
    const gamma = params.get('a/gamma');
    // Σy is linear in γ: its derivative is (Σ y(γ=1)) − (Σ x)
    const atOne = block(1);
    const want = loopAttention(atOne, x).y.reduce((a, b) => a + b, 0) - Array.from(x.dataSync()).reduce((a, b) => a + b, 0);
    const { grads } = tf.variableGrads(() => tf.sum(selfAttention(params, 'a', x)) as tf.Scalar, [gamma]);
    const got = (grads[gamma.name] as tf.Tensor).dataSync()[0] as number;
    expect(Math.abs(got - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
    expect(Math.abs(want)).toBeGreaterThan(1e-2);
  });
});
