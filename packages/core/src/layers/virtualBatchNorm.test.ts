import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGradients, testValues } from '@ganbench/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { ParamStore } from '../params.js';
import { initVirtualBatchNorm, recordVirtualBatchNormReference, virtualBatchNorm, virtualBatchNormReference } from './virtualBatchNorm.js';

const [N_REF, H, W, C] = [4, 2, 3, 2];
const PIXELS = H * W;

/** Normalizes `x` (one example, [H·W·C]) with the moments, per channel, of the pooled pixels of `pool` (examples), in float64. */
function normalizeBy(pool: Float32Array[], x: Float32Array, gamma: number[], beta: number[], epsilon = 1e-5): number[] {
  return Array.from(x, (v, k) => {
    const ch = k % C;
    const values = pool.flatMap((e) => Array.from({ length: PIXELS }, (_, p) => e[p * C + ch] as number));
    const mu = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mu) ** 2, 0) / values.length;
    return ((gamma[ch] as number) * (v - mu)) / Math.sqrt(variance + epsilon) + (beta[ch] as number);
  });
}

const examples = (values: Float32Array, n: number) => Array.from({ length: n }, (_, i) => values.slice(i * PIXELS * C, (i + 1) * PIXELS * C));

describe('virtual batch normalization (Salimans et al. 2016, Sec. 3.4)', () => {
  const params = new ParamStore();
  const refValues = testValues(N_REF * PIXELS * C, 41, -1, 2);
  const xValues = testValues(3 * PIXELS * C, 42, -2, 1);
  let dir = '';

  beforeAll(async () => {
    await initBackend('wasm');
    initVirtualBatchNorm(params, 'd/vbn', C);
    params.get('d/vbn/gamma').assign(tf.tensor1d([1.5, 0.5]));
    params.get('d/vbn/beta').assign(tf.tensor1d([0.1, -0.2]));
    dir = await mkdtemp(join(tmpdir(), 'ganbench-vbn-'));
  });

  afterAll(async () => {
    params.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('the reference batch is normalized with its own statistics and they are recorded as state', () => {
    const reference = tf.tensor4d(refValues, [N_REF, H, W, C]);
    const before = tf.memory().numTensors;
    const out = recordVirtualBatchNormReference(params, 'd/vbn', reference);
    expect(tf.memory().numTensors).toBe(before + 1);
    const data = Array.from(out.dataSync());
    const refs = examples(refValues, N_REF);
    const expected = refs.flatMap((e) => normalizeBy(refs, e, [1.5, 0.5], [0.1, -0.2]));
    for (const [i, v] of expected.entries()) expect(data[i]).toBeCloseTo(v, 4);
    expect(Array.from(params.get('d/vbn/reference_size').dataSync())).toEqual([N_REF]);
    tf.dispose([reference, out]);
  });

  it('each example is normalized with the statistics of the reference batch plus itself, never with its batchmates', () => {
    const x = tf.tensor4d(xValues, [3, H, W, C]);
    const before = tf.memory().numTensors;
    const out = virtualBatchNorm(params, 'd/vbn', x);
    expect(tf.memory().numTensors).toBe(before + 1);
    const data = Array.from(out.dataSync());
    const refs = examples(refValues, N_REF);
    const expected = examples(xValues, 3).flatMap((e) => normalizeBy([...refs, e], e, [1.5, 0.5], [0.1, -0.2]));
    for (const [i, v] of expected.entries()) expect(data[i]).toBeCloseTo(v, 4);
    // The same example alone gives the same output.
    const alone = virtualBatchNorm(params, 'd/vbn', x.slice([1, 0, 0, 0], [1, H, W, C]));
    expect(Array.from(alone.dataSync())).toEqual(data.slice(PIXELS * C, 2 * PIXELS * C));
    tf.dispose([x, out, alone]);
  });

  it('gradients in the input, γ, β and (in the paper’s live form) the reference batch match central differences', () => {
    const s = tf.tensor(testValues(2 * PIXELS * C, 43), [2, H, W, C]);
    const live = (x: tf.Tensor, reference: tf.Tensor) =>
      tf.sum(tf.mul(s, virtualBatchNorm(params, 'd/vbn', x, { reference: virtualBatchNormReference(reference) }))) as tf.Scalar;
    const check = checkGradients(live, [
      { shape: [2, H, W, C], values: testValues(2 * PIXELS * C, 44) },
      { shape: [N_REF, H, W, C], values: refValues },
    ]);
    expect(check.maxError).toBeLessThan(5e-3);
    const x = tf.tensor(testValues(2 * PIXELS * C, 44), [2, H, W, C]);
    const grads = tf.variableGrads(
      () => tf.sum(tf.mul(s, virtualBatchNorm(params, 'd/vbn', x))) as tf.Scalar,
      [params.get('d/vbn/gamma'), params.get('d/vbn/beta')],
    );
    // β's gradient is Σ s per channel; the recorded statistics are not trained.
    const sValues = Array.from(s.dataSync());
    const betaGrad = [0, 1].map((ch) => sValues.filter((_, k) => k % C === ch).reduce((a, b) => a + b, 0));
    const gotBeta = Array.from((grads.grads[params.get('d/vbn/beta').name] as tf.Tensor).dataSync());
    for (const [ch, v] of betaGrad.entries()) expect(gotBeta[ch]).toBeCloseTo(v, 4);
    expect(params.get('d/vbn/reference_mean').trainable).toBe(false);
    tf.dispose([s, x, grads.value, ...Object.values(grads.grads)]);
  });

  it('the recorded reference statistics are saved and restored bit for bit, and give the same outputs', async () => {
    const path = join(dir, 'd.safetensors');
    await params.save(path);
    const restored = new ParamStore();
    initVirtualBatchNorm(restored, 'd/vbn', C);
    await restored.load(path);
    for (const name of ['reference_mean', 'reference_mean_square', 'reference_size', 'gamma', 'beta']) {
      expect(Array.from(restored.get(`d/vbn/${name}`).dataSync())).toEqual(Array.from(params.get(`d/vbn/${name}`).dataSync()));
    }
    const x = tf.tensor4d(xValues, [3, H, W, C]);
    const [a, b] = [virtualBatchNorm(params, 'd/vbn', x), virtualBatchNorm(restored, 'd/vbn', x)];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    restored.dispose();
  });

  it('works on dense features [N, C] too (no per-example axes)', () => {
    const store = new ParamStore();
    initVirtualBatchNorm(store, 'vbn', 2);
    const ref = tf.tensor2d([0, 1, 2, 3, 4, 5], [3, 2]);
    tf.dispose(recordVirtualBatchNormReference(store, 'vbn', ref));
    const x = tf.tensor2d([6, 7], [1, 2]);
    const out = virtualBatchNorm(store, 'vbn', x);
    // Channel 0 pools {0, 2, 4, 6}: μ = 3, σ² = 5.
    expect(out.dataSync()[0]).toBeCloseTo(3 / Math.sqrt(5 + 1e-5), 5);
    tf.dispose([ref, x, out]);
    store.dispose();
  });
});
