import { initBackend, Rng, resolveOptions, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { stylegan2Architecture } from './index.js';

/**
 * Parameter counts written out from the paper's layer list, apart from the code. Channels per
 * resolution for width 4, maxChannels 16: min(4·R/res, 16), spelled out for each case.
 */
const CHANNELS: Record<number, Record<number, number>> = {
  32: { 32: 4, 16: 8, 8: 16, 4: 16 },
  64: { 64: 4, 32: 8, 16: 16, 8: 16, 4: 16 },
};
const LATENT = 6;
const W_DIM = 5;
const MAPPING_LAYERS = 3;

function expectedCounts(resolution: 32 | 64, rgb: number): { generator: number; discriminator: number } {
  const c = CHANNELS[resolution] as Record<number, number>;
  const c4 = c[4] as number;
  // mapping: first layer latent → w, then w → w, each with a bias
  let g = LATENT * W_DIM + W_DIM + (MAPPING_LAYERS - 1) * (W_DIM * W_DIM + W_DIM);
  g += 4 * 4 * c4; // learned constant
  // modulated 3×3 conv: kernel, bias, per-channel noise strength, and the affine w → input channels (weight + bias)
  const conv = (cin: number, cout: number) => 9 * cin * cout + cout + cout + (W_DIM * cin + cin);
  // toRGB: 1×1 kernel, bias, affine
  const toRgb = (cin: number) => cin * rgb + rgb + (W_DIM * cin + cin);
  g += conv(c4, c4) + toRgb(c4);
  for (let res = 8; res <= resolution; res *= 2)
    g += conv(c[res / 2] as number, c[res] as number) + conv(c[res] as number, c[res] as number) + toRgb(c[res] as number);
  // D: fromRGB 1×1; blocks conv 3×3 (c → c), conv 3×3 (c → c/2-res channels), skip 1×1 without bias; epilogue conv over c4 + 1 (stddev), dense 16·c4 → c4, dense → 1
  let d = rgb * (c[resolution] as number) + (c[resolution] as number);
  for (let res = resolution; res >= 8; res /= 2) {
    const [ci, co] = [c[res] as number, c[res / 2] as number];
    d += 9 * ci * ci + ci + 9 * ci * co + co + ci * co;
  }
  d += 9 * (c4 + 1) * c4 + c4 + 16 * c4 * c4 + c4 + c4 + 1;
  return { generator: g, discriminator: d };
}

const build = (resolution: number, channels: number, options: Record<string, unknown> = {}) =>
  stylegan2Architecture.build(
    resolveOptions('architecture stylegan2', stylegan2Architecture.options, {
      width: 4,
      maxChannels: 16,
      latentDim: LATENT,
      wDim: W_DIM,
      mappingLayers: MAPPING_LAYERS,
      ...options,
    }),
    { dataShape: [resolution, resolution, channels] },
    new Rng(1),
  );

describe('StyleGAN2 networks (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it.each([
    [32, 1],
    [32, 3],
    [64, 1],
    [64, 3],
  ] as const)('at %i px, %i channel(s): G gives [N, R, R, C], D gives [N] logits; parameter counts match the layer formula', (resolution, channels) => {
    const net = build(resolution, channels);
    const before = tf.memory().numTensors;
    const z = new Rng(2).normalTensor([4, LATENT]);
    for (const training of [true, false]) {
      const x = net.generate(net.generatorParams, z, { training, rng: new Rng(3) });
      expect(x.shape).toEqual([4, resolution, resolution, channels]);
      const logits = net.discriminate(net.discriminatorParams, x, { training });
      expect(logits.shape).toEqual([4]);
      expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([x, logits]);
    }
    z.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const expected = expectedCounts(resolution, channels);
    expect(net.generatorParams.count()).toBe(expected.generator);
    expect(net.discriminatorParams.count()).toBe(expected.discriminator);
    // carried, not trained: w̄ (wDim) and the path-length mean a
    expect(net.generatorParams.count(true) - net.generatorParams.count()).toBe(W_DIM + 1);
    expect(net.discriminatorParams.count(true)).toBe(net.discriminatorParams.count());
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('G at initialization: noise strengths start at 0, so the output does not depend on the noise draw; it does once they are not 0', () => {
    const net = build(32, 3);
    const z = new Rng(2).normalTensor([2, LATENT]);
    const sample = (seed: number) => net.generate(net.generatorParams, z, { training: false, rng: new Rng(seed) });
    const [a, b] = [sample(1), sample(2)];
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBe(0);
    const strength = net.generatorParams.get('g/b32/conv1/noise_strength');
    tf.tidy(() => strength.assign(tf.onesLike(strength)));
    const [c, d] = [sample(1), sample(2)];
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(c, d))).dataSync()[0])).toBeGreaterThan(1e-3);
    tf.dispose([z, a, b, c, d]);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('a weight transform (spectral norm) sees every D kernel, scaled to the weight the layer uses', () => {
    const net = build(32, 3);
    const seen: string[] = [];
    const x = new Rng(2).normalTensor([2, 32, 32, 3]);
    const logits = net.discriminate(net.discriminatorParams, x, {
      training: true,
      weightTransform: (w, name) => {
        seen.push(name);
        // equalized lr: the stored N(0, 1) weight × 1/√fan_in
        const stored = net.discriminatorParams.get(name);
        expect(
          tf.tidy(() => tf.max(tf.abs(tf.sub(tf.mul(stored, 1 / Math.sqrt(stored.size / (stored.shape.at(-1) as number))), w))).dataSync()[0]),
        ).toBeLessThan(1e-6);
        return w;
      },
    });
    expect(seen.sort()).toEqual(
      net.discriminatorParams
        .names()
        .filter((n) => n.endsWith('/kernel'))
        .sort(),
    );
    tf.dispose([x, logits]);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('bad options, shapes and batches fail naming the field, the value and what is allowed', () => {
    expect(() => build(28, 1)).toThrow(/dataShape \[28, 28, 1\] is not allowed; must be \[R, R, C\].*8, 16, 32, 64, 128/);
    expect(() => build(32, 2)).toThrow(/C one of 1, 3/);
    expect(() => build(32, 3, { styleMixing: 1.5 })).toThrow('architecture stylegan2.styleMixing: 1.5 is not allowed; must be a number ≥ 0 and ≤ 1');
    expect(() => build(32, 3, { mappingLrMul: 0 })).toThrow(/mappingLrMul: 0 is not allowed; must be a number > 0 and ≤ 1/);
    expect(() => build(32, 3, { mappingLayers: 0 })).toThrow(/mappingLayers: 0 is not allowed/);
    const net = build(32, 3);
    const x = tf.zeros([6, 32, 32, 3]);
    expect(() => net.discriminate(net.discriminatorParams, x, { training: true })).toThrow(/batch size 6 is not allowed with mbstdGroupSize 4/);
    const z = tf.zeros([2, LATENT + 1]);
    expect(() => net.generate(net.generatorParams, z, { training: true })).toThrow(`z of shape [2,${LATENT + 1}] is not allowed; must be [N, ${LATENT}]`);
    tf.dispose([x, z]);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('defaults resolve; the recommended training is the paper’s: non-saturating, lazy R1 (γ 10, every 16), Adam 2e-3, β = (0, 0.99)', () => {
    const defaults = resolveOptions('architecture stylegan2', stylegan2Architecture.options, {});
    expect(defaults).toMatchObject({ mappingLayers: 8, mappingLrMul: 0.01, styleMixing: 0.9, truncation: 1, pathLengthWeight: 2, pathLengthEvery: 4 });
    expect(stylegan2Architecture.recommended).toEqual({
      loss: { name: 'non-saturating', params: {} },
      regularizer: { name: 'r1', params: { gamma: 10, every: 16 } },
      optimizer: { name: 'adam', lr: 2e-3, beta1: 0, beta2: 0.99 },
      discriminatorOptimizer: { name: 'adam', lr: 2e-3, beta1: 0, beta2: 0.99 },
    });
  });
});
