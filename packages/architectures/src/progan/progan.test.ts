import { initBackend, ParamStore, Rng, resolveOptions, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyLayer,
  heScale,
  initProganDiscriminator,
  initProganGenerator,
  PROGAN_OPTIONS,
  type ProganConfig,
  type ProganPhase,
  proganArchitecture,
  proganDiscriminatorAt,
  proganDiscriminatorLayers,
  proganGeneratorAt,
  proganGeneratorLayers,
  proganParameterCount,
  proganPhase,
  resolveProganConfig,
} from './index.js';

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
const maxAbs = (a: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0] as number);

const build = (resolution: number, channels: number, options: Record<string, unknown>, seed = 0) =>
  proganArchitecture.build(resolveOptions('architecture progan', PROGAN_OPTIONS, options), { dataShape: [resolution, resolution, channels] }, new Rng(seed));

/**
 * Trainable scalars, written out from the paper's Table 2 apart from the code's layer table:
 * channels nf(r) = min(W, ⌊32W/r⌋); every level's toRGB/fromRGB exists from the start.
 * G: dense Z→16·nf(4) with one bias per channel, 3×3 conv at 4×4, two 3×3 convs per level, a 1×1 toRGB per level.
 * D: a 1×1 fromRGB per level, two 3×3 convs per level (the second to the next level's channels), at 4×4 a 3×3 conv on
 * nf(4)+1 channels (minibatch stddev), a dense 16·nf(4)→nf(4) and a dense nf(4)→1.
 */
function closedFormCounts(resolution: number, channels: number, latentDim: number, width: number): { generator: number; discriminator: number } {
  const nf = (r: number) => Math.max(1, Math.min(width, Math.floor((32 * width) / r)));
  const conv = (k: number, a: number, b: number) => k * k * a * b + b;
  const resolutions: number[] = [];
  for (let r = 4; r <= resolution; r *= 2) resolutions.push(r);
  let generator = latentDim * 16 * nf(4) + nf(4) + conv(3, nf(4), nf(4));
  let discriminator = conv(3, nf(4) + 1, nf(4)) + (16 * nf(4) * nf(4) + nf(4)) + (nf(4) + 1);
  for (const r of resolutions) {
    generator += conv(1, nf(r), channels);
    discriminator += conv(1, channels, nf(r));
    if (r === 4) continue;
    generator += conv(3, nf(r / 2), nf(r)) + conv(3, nf(r), nf(r));
    discriminator += conv(3, nf(r), nf(r)) + conv(3, nf(r), nf(r / 2));
  }
  return { generator, discriminator };
}

describe('ProGAN networks (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it.each([
    [32, 1],
    [32, 3],
    [64, 1],
    [64, 3],
  ] as const)('fully grown at %i px, %i channel(s): G gives [N, R, R, C], D gives [N]; parameters as the closed form', (resolution, channels) => {
    const net = build(resolution, channels, { width: 8, latentDim: 5 });
    const before = tf.memory().numTensors;
    const z = new Rng(1).normalTensor([4, 5]);
    const x = net.generate(net.generatorParams, z, { training: false });
    expect(x.shape).toEqual([4, resolution, resolution, channels]);
    const logits = net.discriminate(net.discriminatorParams, x, { training: true });
    expect(logits.shape).toEqual([4]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([z, x, logits]);
    expect(tf.memory().numTensors).toBe(before);
    const counts = { generator: net.generatorParams.count(), discriminator: net.discriminatorParams.count() };
    expect(counts).toEqual(closedFormCounts(resolution, channels, 5, 8));
    expect(proganParameterCount(resolveProganConfig({ width: 8, latentDim: 5 }, [resolution, resolution, channels]))).toEqual(counts);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('the closed form, evaluated by hand at 32 and 64 px (width 8, z of 5, RGB)', () => {
    // 32 px, nf = 8 everywhere. G: dense 5·128 + 8 = 648, conv 9·64 + 8 = 584, 3 levels × 2 × 584, 4 toRGB × (8·3 + 3)
    expect(closedFormCounts(32, 3, 5, 8).generator).toBe(648 + 584 + 3 * 2 * 584 + 4 * 27);
    // D: 4 fromRGB × (3·8 + 8), 3 levels × 2 × 584, 4×4 conv 9·9·8 + 8, dense0 128·8 + 8, dense1 8 + 1
    expect(closedFormCounts(32, 3, 5, 8).discriminator).toBe(4 * 32 + 3 * 2 * 584 + 656 + 1032 + 9);
    // 64 px: nf(64) = ⌊256/64⌋ = 4. G adds conv0 9·8·4 + 4, conv1 9·4·4 + 4 and a toRGB 4·3 + 3
    expect(closedFormCounts(64, 3, 5, 8).generator).toBe(648 + 584 + 3 * 2 * 584 + 4 * 27 + 292 + 148 + 15);
    // D adds a fromRGB 3·4 + 4, conv0 9·4·4 + 4 and conv1 9·4·8 + 8
    expect(closedFormCounts(64, 3, 5, 8).discriminator).toBe(4 * 32 + 3 * 2 * 584 + 656 + 1032 + 9 + 16 + 148 + 296);
    // The default network at 32×32×3 (width 64, z of 128), as the benchmark builds it.
    const defaults = resolveProganConfig({}, [32, 32, 3]);
    expect(proganParameterCount(defaults)).toEqual(closedFormCounts(32, 3, 128, 64));
  });

  it('at α = 0 the grown G is the previous level upsampled, and the grown D is the previous D (the downsampled input)', () => {
    const net = build(32, 3, { width: 4, latentDim: 5, batchSize: 2, imagesPerPhase: 4 });
    const config = resolveProganConfig({ width: 4, latentDim: 5, batchSize: 2, imagesPerPhase: 4 }, [32, 32, 3]);
    const z = new Rng(2).normalTensor([2, 5]);
    const x = new Rng(3).uniformTensor([2, 32, 32, 3], -1, 1);
    for (let level = 1; level <= 3; level++) {
      // images 2·step; the fade-in of `level` starts at half-phase 2·level − 1, i.e. step 2·(2·level − 1)
      const fadeStart = 2 * (2 * level - 1);
      expect(proganPhase(config, fadeStart)).toEqual({ level, alpha: 0, images: 2 * fadeStart });
      expect(proganPhase(config, fadeStart - 1)).toMatchObject({ level: level - 1, alpha: 1 });
      const grown = net.generate(net.generatorParams, z, { training: true, step: fadeStart });
      const previous = net.generate(net.generatorParams, z, { training: true, step: fadeStart - 1 });
      expect(maxAbsDiff(grown, previous)).toBe(0);
      expect(maxAbs(previous)).toBeGreaterThan(0);
      const dGrown = net.discriminate(net.discriminatorParams, x, { training: true, step: fadeStart });
      const dPrevious = net.discriminate(net.discriminatorParams, x, { training: true, step: fadeStart - 1 });
      expect(maxAbsDiff(dGrown, dPrevious)).toBe(0);
      // …and the previous D depends on x only through its average-pooled image at the previous level's resolution
      const pooled = tf.tidy(() => {
        const f = 32 / (4 * 2 ** (level - 1));
        return tf.image.resizeNearestNeighbor(tf.avgPool(x as tf.Tensor4D, f, f, 'valid'), [32, 32]);
      });
      const dPooled = net.discriminate(net.discriminatorParams, pooled, { training: true, step: fadeStart - 1 });
      expect(maxAbsDiff(dPooled, dPrevious)).toBeLessThan(1e-5);
      tf.dispose([grown, previous, dGrown, dPrevious, pooled, dPooled]);
    }
    tf.dispose([z, x]);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it("G's image during fade-in is (1 − α)·old + α·new: linear in α", () => {
    const config = resolveProganConfig({ width: 4, latentDim: 5, batchSize: 2 }, [32, 32, 1]);
    const params = new ParamStore();
    initProganGenerator(params, 'g', config, new Rng(5));
    const z = new Rng(6).normalTensor([2, 5]);
    const at = (alpha: number) => proganGeneratorAt(params, 'g', z, config, { level: 2, alpha, images: 0 }, { training: false });
    const [g0, g1, g3] = [at(0), at(1), at(0.3)];
    const blend = tf.add(tf.mul(0.7, g0), tf.mul(0.3, g1));
    expect(maxAbsDiff(g3, blend)).toBeLessThan(1e-5);
    expect(maxAbsDiff(g0, g1)).toBeGreaterThan(1e-3);
    tf.dispose([g0, g1, g3, blend, z]);
    params.dispose();
  });

  it('at α = 1 the old toRGB and fromRGB have no influence; during the fade-in they do', () => {
    const config = resolveProganConfig({ width: 4, latentDim: 5, batchSize: 2 }, [32, 32, 3]);
    const g = new ParamStore();
    const d = new ParamStore();
    initProganGenerator(g, 'g', config, new Rng(7));
    initProganDiscriminator(d, 'd', config, new Rng(8));
    const z = new Rng(9).normalTensor([2, 5]);
    const x = new Rng(10).uniformTensor([2, 32, 32, 3], -1, 1);
    const stable: ProganPhase = { level: 2, alpha: 1, images: 0 };
    const fading: ProganPhase = { level: 2, alpha: 0.5, images: 0 };
    const outputs = () => [
      proganGeneratorAt(g, 'g', z, config, stable, { training: true }),
      proganDiscriminatorAt(d, 'd', x, config, stable, { training: true }),
      proganGeneratorAt(g, 'g', z, config, fading, { training: true }),
      proganDiscriminatorAt(d, 'd', x, config, fading, { training: true }),
    ];
    const before = outputs();
    // Perturb the previous level's (8×8) rgb layers, weights and biases.
    for (const name of ['g/8x8/torgb/kernel', 'g/8x8/torgb/bias', 'd/8x8/fromrgb/kernel', 'd/8x8/fromrgb/bias']) {
      const v = (name.startsWith('g') ? g : d).get(name);
      tf.tidy(() => v.assign(tf.add(tf.mul(v, 3), 0.5)));
    }
    const after = outputs();
    expect(maxAbsDiff(before[0] as tf.Tensor, after[0] as tf.Tensor)).toBe(0);
    expect(maxAbsDiff(before[1] as tf.Tensor, after[1] as tf.Tensor)).toBe(0);
    expect(maxAbsDiff(before[2] as tf.Tensor, after[2] as tf.Tensor)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(before[3] as tf.Tensor, after[3] as tf.Tensor)).toBeGreaterThan(1e-4);
    tf.dispose([...before, ...after, z, x]);
    g.dispose();
    d.dispose();
  });

  it("below the target level G's image is nearest-upsampled: average pooling gives back its low-resolution image exactly", () => {
    const net = build(32, 3, { width: 4, latentDim: 5, batchSize: 2, imagesPerPhase: 1000 });
    const z = new Rng(11).normalTensor([2, 5]);
    const image = net.generate(net.generatorParams, z, { training: false, step: 0 }); // 4×4, upsampled ×8
    const low = tf.avgPool(image as tf.Tensor4D, 8, 8, 'valid');
    const back = tf.image.resizeNearestNeighbor(low, [32, 32]);
    expect(maxAbsDiff(image, back)).toBeLessThan(1e-6);
    tf.dispose([z, image, low, back]);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it("equalized learning rate: weights are N(0, 1) and each layer uses w·√(2/fan_in) (gain 1 for toRGB and D's logit)", () => {
    for (const fanIn of [1, 9, 27, 576, 8192]) expect(heScale(fanIn)).toBeCloseTo(Math.sqrt(2 / fanIn), 12);
    const config = resolveProganConfig({ width: 16, latentDim: 32 }, [32, 32, 3]);
    const generator = proganGeneratorLayers(config);
    const discriminator = proganDiscriminatorLayers(config);
    // fan-in as the paper's layers have it: k·k·in for a conv, 16·latentDim for G's first layer (a 4×4 conv of the 1×1 latent)
    for (const layer of [...generator, ...discriminator]) {
      const expected = layer.name === '4x4/dense' && layer.in === 32 ? 16 * 32 : layer.kind === 'conv' ? layer.kernel ** 2 * layer.in : layer.in;
      expect(layer.fanIn, layer.name).toBe(expected);
      const linear = layer.name.endsWith('torgb') || layer.name === '4x4/dense1';
      expect(heScale(layer.fanIn, layer.gain), layer.name).toBeCloseTo(linear ? 1 / Math.sqrt(expected) : Math.sqrt(2 / expected), 12);
    }
    // The stored weights are standard normal…
    const params = new ParamStore();
    initProganGenerator(params, 'g', config, new Rng(12));
    const kernel = params.get('g/8x8/conv0/kernel');
    const { mean, variance } = tf.moments(kernel);
    expect(mean.dataSync()[0]).toBeCloseTo(0, 1);
    expect(variance.dataSync()[0]).toBeCloseTo(1, 1);
    // …and the layer computes conv(x, w·√(2/(9·16))) + b.
    const layer = generator.find((l) => l.name === '8x8/conv0');
    if (layer === undefined) throw new Error('no 8x8/conv0');
    const x = new Rng(13).normalTensor([2, 8, 8, 16]);
    const y = applyLayer(params, 'g', layer, x, undefined);
    const explicit = tf.conv2d(x as tf.Tensor4D, tf.mul(kernel, Math.sqrt(2 / (9 * 16))) as tf.Tensor4D, 1, 'same');
    expect(maxAbsDiff(y, explicit)).toBeLessThan(1e-5);
    tf.dispose([mean, variance, x, y, explicit]);
    params.dispose();
  });

  it("D's last block sees the batch: changing one sample changes its group partner's logit", () => {
    const net = build(32, 1, { width: 4, latentDim: 5, batchSize: 4, minibatchGroupSize: 2 });
    const x = new Rng(15).uniformTensor([4, 32, 32, 1], -1, 1);
    const changed = tf.tidy(() => tf.concat([tf.mul(tf.slice(x, [0], [1]), 2), tf.slice(x, [1], [3])]));
    const a = net.discriminate(net.discriminatorParams, x, { training: false }).dataSync();
    const b = net.discriminate(net.discriminatorParams, changed, { training: false }).dataSync();
    // groups of 2 among 4: {0, 2} and {1, 3}
    expect(Math.abs((a[2] as number) - (b[2] as number))).toBeGreaterThan(1e-6);
    expect(b[1]).toBe(a[1]);
    expect(b[3]).toBe(a[3]);
    tf.dispose([x, changed]);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('in training mode every parameter gets a gradient (zero for the layers the phase skips) and outputs are unchanged', () => {
    const net = build(32, 3, { width: 4, latentDim: 5, batchSize: 2, imagesPerPhase: 2 });
    const x = new Rng(16).uniformTensor([2, 32, 32, 3], -1, 1);
    const step = 2; // images 4: half-phase 2, level 1 stable: the 16 and 32 blocks and the 4×4 and beyond rgb layers idle
    const vars = net.discriminatorParams.trainableVariables();
    const { value, grads } = tf.variableGrads(() => tf.sum(net.discriminate(net.discriminatorParams, x, { training: true, step })) as tf.Scalar, vars);
    const named = net.discriminatorParams.byName(grads);
    expect(Object.keys(named).sort()).toEqual(
      net.discriminatorParams
        .names()
        .filter((name) => net.discriminatorParams.get(name).trainable)
        .sort(),
    );
    for (const name of ['d/16x16/conv0/kernel', 'd/32x32/fromrgb/bias', 'd/4x4/fromrgb/kernel']) expect(maxAbs(named[name] as tf.Tensor), name).toBe(0);
    expect(maxAbs(named['d/8x8/fromrgb/kernel'] as tf.Tensor)).toBeGreaterThan(0);
    const evaluation = net.discriminate(net.discriminatorParams, x, { training: false, step });
    expect(tf.sum(evaluation).dataSync()[0]).toBe(value.dataSync()[0]);
    tf.dispose([x, value, evaluation, ...Object.values(grads)]);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('bad options, shapes and inputs are rejected naming the field and what is allowed', () => {
    expect(() => build(28, 1, {})).toThrow(
      'architecture progan: dataShape [28, 28, 1] is not allowed; must be [R, R, C] (NHWC) with R one of 32, 64, 128 and C one of 1, 3',
    );
    expect(() => resolveProganConfig({ batchSize: 6 }, [32, 32, 3])).toThrow(
      'architecture progan.batchSize: 6 is not allowed with minibatchGroupSize 4; the batch must divide into groups of 4',
    );
    expect(() => resolveProganConfig({ imagesPerPhase: -1 }, [32, 32, 3])).toThrow(
      'architecture progan.imagesPerPhase: -1 is not allowed; must be an integer ≥ 0',
    );
    const net = build(32, 3, { width: 2, latentDim: 5 });
    const z = tf.zeros([2, 4]);
    expect(() => net.generate(net.generatorParams, z, { training: false })).toThrow('progan g: z of shape [2,4] is not allowed; must be [N, 5]');
    const x = tf.zeros([2, 64, 64, 3]);
    expect(() => net.discriminate(net.discriminatorParams, x, { training: false })).toThrow(
      'progan d: x of shape [2,64,64,3] is not allowed; must be [N, 32, 32, 3] (NHWC)',
    );
    tf.dispose([z, x]);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('the definition recommends WGAN-GP with ε-drift and Adam(1e-3, 0, 0.99); every option has a default', () => {
    expect(proganArchitecture.recommended).toEqual({
      loss: { name: 'wasserstein', params: {} },
      regularizer: { name: 'gradient-penalty', params: { lambda: 10, drift: 0.001 } },
      optimizer: { name: 'adam', lr: 1e-3, beta1: 0, beta2: 0.99 },
      discriminatorOptimizer: { name: 'adam', lr: 1e-3, beta1: 0, beta2: 0.99 },
    });
    const config: ProganConfig = resolveProganConfig({}, [64, 64, 3]);
    expect(config).toEqual({ resolution: 64, channels: 3, latentDim: 128, width: 64, imagesPerPhase: 800_000, batchSize: 64, minibatchGroupSize: 4 });
  });
});
