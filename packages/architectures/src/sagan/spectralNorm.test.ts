import { largestSingularValue } from '@ganbench/architectures/testing';
import { initBackend, type ParamStore, Rng, resolveOptions, tf, type WeightTransform } from '@ganbench/core';
import { createNormalization } from '@ganbench/regularizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAGAN_OPTIONS, SAGAN_SPECTRAL_NORM_CONFLICT, saganArchitecture, saganSpectralNorm, saganStateName } from './index.js';

const kernels = (params: ParamStore) => params.names().filter((n) => n.endsWith('/kernel'));

const build = (options: Record<string, unknown> = {}, normalization?: string) =>
  saganArchitecture.build(
    resolveOptions('architecture sagan', SAGAN_OPTIONS, { width: 2, latentDim: 6, ...options }),
    { dataShape: [32, 32, 3], ...(normalization === undefined ? {} : { normalization }) },
    new Rng(7),
  );

const maxAbs = (t: tf.Tensor) => Math.max(...Array.from(t.dataSync()).map(Math.abs));

describe('SAGAN spectral normalization in G and D (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  const z = () => new Rng(8).normalTensor([2, 6]);
  const images = () => new Rng(9).uniformTensor([2, 32, 32, 3], -1, 1);

  it('the Jacobi reference agrees with closed forms: σ_max(diag(3, −5, 2) padded) = 5, σ_max([[1, 1], [0, 1]]) = golden ratio', () => {
    const padded = tf.tensor2d([
      [3, 0, 0],
      [0, -5, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    expect(largestSingularValue(padded)).toBeCloseTo(5, 10);
    expect(largestSingularValue(tf.transpose(padded))).toBeCloseTo(5, 10);
    expect(
      largestSingularValue(
        tf.tensor2d([
          [1, 1],
          [0, 1],
        ]),
      ),
    ).toBeCloseTo((1 + Math.sqrt(5)) / 2, 10);
  });

  it('every G and D kernel has a u and goes through the normalization on each forward pass', () => {
    const net = build();
    for (const params of [net.generatorParams, net.discriminatorParams]) {
      for (const name of kernels(params)) expect(params.has(saganStateName(name)), name).toBe(true);
    }
    const seen: string[] = [];
    const recording: WeightTransform = (w, name) => {
      seen.push(name);
      return tf.clone(w);
    };
    const x = net.generate(net.generatorParams, z(), { training: false, weightTransform: recording });
    expect([...seen].sort()).toEqual(kernels(net.generatorParams).sort());
    seen.length = 0;
    tf.dispose(net.discriminate(net.discriminatorParams, x, { training: false, weightTransform: recording }));
    expect([...seen].sort()).toEqual(kernels(net.discriminatorParams).sort());
  });

  it('after the power iteration converges, every normalized G and D weight has largest singular value 1 (Jacobi reference)', () => {
    const net = build({ powerIterations: 100 });
    const latent = z();
    const x = images();
    // each training pass advances every layer's u by `powerIterations` steps (Miyato et al. 2018, Algorithm 1)
    for (let i = 0; i < 1; i++) {
      tf.dispose(net.generate(net.generatorParams, latent, { training: true }));
      tf.dispose(net.discriminate(net.discriminatorParams, x, { training: true }));
    }
    for (const params of [net.generatorParams, net.discriminatorParams]) {
      const transform = saganSpectralNorm(params, 1, false);
      for (const name of kernels(params)) {
        const raw = params.get(name);
        const normalized = transform(raw, name);
        // Glorot-initialized weights are not normalized to begin with (a 1-column kernel is a vector: σ is its norm)
        expect(Math.abs(largestSingularValue(raw) - 1), name).toBeGreaterThan(0.05);
        expect(Math.abs(largestSingularValue(normalized) - 1), name).toBeLessThan(1e-3);
        normalized.dispose();
      }
    }
  });

  it('scaling every kernel by 3 leaves G’s images and D’s logits unchanged', () => {
    const net = build();
    const latent = z();
    const x = images();
    const g0 = net.generate(net.generatorParams, latent, { training: false });
    const d0 = net.discriminate(net.discriminatorParams, x, { training: false });
    for (const params of [net.generatorParams, net.discriminatorParams]) {
      for (const name of kernels(params)) tf.tidy(() => params.get(name).assign(tf.mul(params.get(name), 3)));
    }
    const g1 = net.generate(net.generatorParams, latent, { training: false });
    const d1 = net.discriminate(net.discriminatorParams, x, { training: false });
    expect(maxAbs(tf.sub(g0, g1))).toBeLessThan(1e-5);
    expect(maxAbs(tf.sub(d0, d1))).toBeLessThan(1e-5 * Math.max(1, maxAbs(d0)));
    // outputs away from 0, so equality is not 0 = 0
    expect(maxAbs(g0)).toBeGreaterThan(1e-3);
    expect(maxAbs(d0)).toBeGreaterThan(1e-4);
  });

  it('u advances in training mode only and stays a unit vector', () => {
    const net = build();
    const u = net.generatorParams.get(saganStateName('g/block1/conv1/kernel'));
    const start = u.clone();
    tf.dispose(net.generate(net.generatorParams, z(), { training: false }));
    expect(Array.from(u.dataSync())).toEqual(Array.from(start.dataSync()));
    tf.dispose(net.generate(net.generatorParams, z(), { training: true }));
    expect(Array.from(u.dataSync())).not.toEqual(Array.from(start.dataSync()));
    expect(tf.norm(u).dataSync()[0]).toBeCloseTo(1, 5);
  });

  it('a transform passed in runs first and the architecture normalizes its result', () => {
    const net = build();
    const x = images();
    const plain = net.discriminate(net.discriminatorParams, x, { training: false });
    const doubling: WeightTransform = (w) => tf.mul(w, 2);
    expect(maxAbs(tf.sub(plain, net.discriminate(net.discriminatorParams, x, { training: false, weightTransform: doubling })))).toBeLessThan(
      1e-5 * Math.max(1, maxAbs(plain)),
    );
    // −W has the same σ, so negating the last kernel (and nothing else) negates the logits up to fc's zero bias
    const negating: WeightTransform = (w, name) => (name === 'd/fc/kernel' ? tf.neg(w) : tf.clone(w));
    const negated = net.discriminate(net.discriminatorParams, x, { training: false, weightTransform: negating });
    expect(maxAbs(tf.add(plain, negated))).toBeLessThan(1e-6 * Math.max(1, maxAbs(plain)));
    expect(maxAbs(plain)).toBeGreaterThan(1e-4);
  });

  it('normalization spectral on top is refused, before building and, if it slips through, on the first forward pass', () => {
    expect(() => build({}, 'spectral')).toThrow(SAGAN_SPECTRAL_NORM_CONFLICT);
    const net = build({}, 'gradient-penalty');
    const sn = createNormalization('spectral').reparametrization;
    if (sn === null) throw new Error('spectral normalization is a reparametrization');
    const x = images();
    const before = tf.memory().numTensors;
    const weightTransform = sn.weightTransform(net.discriminatorParams, { training: true, rng: new Rng(1) });
    expect(() => net.discriminate(net.discriminatorParams, x, { training: true, weightTransform })).toThrow(SAGAN_SPECTRAL_NORM_CONFLICT);
    // the regularizer's u for the first kernel is the only thing left behind
    expect(tf.memory().numTensors).toBe(before + 1);
  });
});
