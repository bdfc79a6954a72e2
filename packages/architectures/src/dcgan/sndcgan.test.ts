import { largestSingularValue } from '@ganbench/architectures/testing';
import { initBackend, type ParamStore, Rng, tf, type WeightTransform } from '@ganbench/core';
import { createNormalization } from '@ganbench/regularizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createArchitecture, SNDCGAN_SPECTRAL_NORM_CONFLICT, sndcganSpectralNorm, sndcganStateName } from '../index.js';

const kernels = (params: ParamStore) => params.names().filter((n) => n.endsWith('/kernel'));

describe('SNDCGAN spectral normalization (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  const build = (normalization?: string) =>
    createArchitecture(
      'sndcgan',
      { width: 2, latentDim: 4 },
      { dataShape: [28, 28, 1], ...(normalization === undefined ? {} : { normalization }) },
      new Rng(7),
    );
  const images = () => new Rng(8).uniformTensor([2, 28, 28, 1], -1, 1);

  it('the Jacobi reference agrees with a closed form: σ_max of diag(3, −5, 2) padded with a zero row is 5', () => {
    const m = tf.tensor2d([
      [3, 0, 0],
      [0, -5, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    expect(largestSingularValue(m)).toBeCloseTo(5, 10);
    // [[1, 1], [0, 1]] has σ_max = the golden ratio
    expect(
      largestSingularValue(
        tf.tensor2d([
          [1, 1],
          [0, 1],
        ]),
      ),
    ).toBeCloseTo((1 + Math.sqrt(5)) / 2, 10);
  });

  it('after the power iteration converges, every transformed D weight has largest singular value 1 (SVD reference)', () => {
    const net = build();
    const x = images();
    // each training forward pass advances every layer's u by one step (Miyato et al. 2018, Algorithm 1)
    for (let i = 0; i < 60; i++) tf.dispose(net.discriminate(net.discriminatorParams, x, { training: true }));
    const names = kernels(net.discriminatorParams);
    expect(names).toEqual(['d/conv1/kernel', 'd/conv2/kernel', 'd/conv3/kernel', 'd/conv4/kernel', 'd/conv5/kernel', 'd/fc/kernel']);
    const transform = sndcganSpectralNorm(net.discriminatorParams, 1, false);
    for (const name of names) {
      const raw = net.discriminatorParams.get(name);
      const normalized = transform(raw, name);
      // N(0, 0.02²) weights are far from σ = 1, so this is not true of the raw weights
      expect(largestSingularValue(raw), name).toBeLessThan(0.5);
      expect(Math.abs(largestSingularValue(normalized) - 1), name).toBeLessThan(1e-4);
      normalized.dispose();
    }
  });

  it('every D kernel goes through the normalization: scaling all kernels by 3 leaves the logits unchanged', () => {
    const net = build();
    const x = images();
    const before = net.discriminate(net.discriminatorParams, x, { training: false });
    for (const name of kernels(net.discriminatorParams)) tf.tidy(() => net.discriminatorParams.get(name).assign(tf.mul(net.discriminatorParams.get(name), 3)));
    const after = net.discriminate(net.discriminatorParams, x, { training: false });
    const scale = Math.max(...Array.from(before.dataSync()).map(Math.abs));
    expect(Math.max(...Array.from(tf.sub(before, after).dataSync()).map(Math.abs))).toBeLessThan(1e-5 * Math.max(1, scale));
    // logits away from 0, so equality is not 0 = 0 (unnormalized, the bias-free path alone would scale them by 3⁶)
    expect(scale).toBeGreaterThan(1e-4);
  });

  it('u advances in training mode only', () => {
    const net = build();
    const x = images();
    const u = net.discriminatorParams.get(sndcganStateName('d/conv2/kernel'));
    const start = u.clone();
    tf.dispose(net.discriminate(net.discriminatorParams, x, { training: false }));
    expect(Array.from(u.dataSync())).toEqual(Array.from(start.dataSync()));
    tf.dispose(net.discriminate(net.discriminatorParams, x, { training: true }));
    expect(Array.from(u.dataSync())).not.toEqual(Array.from(start.dataSync()));
    // u stays a unit vector
    expect(tf.norm(u).dataSync()[0]).toBeCloseTo(1, 5);
  });

  it('a transform passed in runs first, on every kernel, and the architecture normalizes its result', () => {
    const net = build();
    const x = images();
    const seen: string[] = [];
    const doubling: WeightTransform = (w, name) => {
      seen.push(name);
      return tf.mul(w, 2);
    };
    const plain = net.discriminate(net.discriminatorParams, x, { training: false });
    const composed = net.discriminate(net.discriminatorParams, x, { training: false, weightTransform: doubling });
    expect(seen).toEqual(kernels(net.discriminatorParams));
    expect(Math.max(...Array.from(tf.sub(plain, composed).dataSync()).map(Math.abs))).toBeLessThan(1e-5);
    // the architecture normalizes what the transform returns: −W has the same σ, so negating the last kernel negates the logits
    const negating: WeightTransform = (w, name) => (name === 'd/fc/kernel' ? tf.neg(w) : tf.clone(w));
    const negated = net.discriminate(net.discriminatorParams, x, { training: false, weightTransform: negating });
    expect(Math.max(...Array.from(tf.add(plain, negated).dataSync()).map(Math.abs))).toBeLessThan(1e-6);
    expect(Math.abs(plain.dataSync()[0] as number)).toBeGreaterThan(1e-4);
  });

  it('normalization spectral on top is refused, before building and, if it slips through, on the first forward pass', () => {
    expect(() => build('spectral')).toThrow(SNDCGAN_SPECTRAL_NORM_CONFLICT);
    const net = build('gradient-penalty');
    const sn = createNormalization('spectral').reparametrization;
    if (sn === null) throw new Error('spectral normalization is a reparametrization');
    const weightTransform = sn.weightTransform(net.discriminatorParams, { training: true, rng: new Rng(1) });
    const x = images();
    const before = tf.memory().numTensors;
    expect(() => net.discriminate(net.discriminatorParams, x, { training: true, weightTransform })).toThrow(SNDCGAN_SPECTRAL_NORM_CONFLICT);
    // the regularizer's u for the first kernel is the only thing left behind
    expect(tf.memory().numTensors).toBe(before + 1);
  });
});
