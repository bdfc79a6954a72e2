import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createArchitecture,
  type DcganConfig,
  dcganGenerator,
  dcganParameterCount,
  initDcganGenerator,
  type SndcganConfig,
  sndcganParameterCount,
} from '../index.js';

const SHAPES = [
  [28, 1],
  [28, 3],
  [32, 1],
  [32, 3],
  [64, 1],
  [64, 3],
] as const;

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);

describe('DCGAN and SNDCGAN networks (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  for (const name of ['dcgan', 'sndcgan'] as const) {
    it.each(SHAPES)(`${name} at %i px, %i channel(s): G gives [N, R, R, C] in [−1, 1], D gives [N] logits`, (resolution, channels) => {
      const net = createArchitecture(name, { width: 2, latentDim: 5 }, { dataShape: [resolution, resolution, channels] }, new Rng(3));
      const before = tf.memory().numTensors;
      const z = new Rng(4).normalTensor([3, 5]);
      const range = () =>
        tf.tidy(() => {
          const x = net.generate(net.generatorParams, z, { training: true });
          expect(x.shape).toEqual([3, resolution, resolution, channels]);
          return [tf.min(x).dataSync()[0] as number, tf.max(x).dataSync()[0] as number];
        });
      const [lo, hi] = range();
      expect(lo).toBeGreaterThanOrEqual(-1);
      expect(hi).toBeLessThanOrEqual(1);
      // a last layer 1000× larger drives tanh into saturation: the bound is tested where it is tight
      const last = net.generatorParams.get(
        net.generatorParams
          .names()
          .filter((n) => n.endsWith('/kernel'))
          .at(-1) as string,
      );
      tf.tidy(() => last.assign(tf.mul(last, 1000)));
      const [loSaturated, hiSaturated] = range();
      expect([loSaturated, hiSaturated]).toEqual([-1, 1]);
      const x = net.generate(net.generatorParams, z, { training: false });
      const logits = net.discriminate(net.discriminatorParams, x, { training: true });
      expect(logits.shape).toEqual([3]);
      expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([z, x, logits]);
      expect(tf.memory().numTensors).toBe(before);
      const counts = name === 'dcgan' ? dcganParameterCount : sndcganParameterCount;
      const config = { resolution, channels, width: 2, latentDim: 5, kernelSize: 4, discriminatorBatchNorm: false, powerIterations: 1 };
      expect(counts(config as DcganConfig & SndcganConfig)).toEqual({ generator: net.generatorParams.count(), discriminator: net.discriminatorParams.count() });
      net.generatorParams.dispose();
      net.discriminatorParams.dispose();
    });
  }

  it('bad inputs are rejected naming the shape and what is allowed', () => {
    const net = createArchitecture('dcgan', { width: 2, latentDim: 5 }, { dataShape: [32, 32, 3] }, new Rng(0));
    const z = tf.zeros([2, 4]);
    expect(() => net.generate(net.generatorParams, z, { training: false })).toThrow('dcgan g: z of shape [2,4] is not allowed; must be [N, 5]');
    const x = tf.zeros([2, 28, 28, 3]);
    expect(() => net.discriminate(net.discriminatorParams, x, { training: false })).toThrow(
      'dcgan d: x of shape [2,28,28,3] is not allowed; must be [N, 32, 32, 3] (NHWC)',
    );
    tf.dispose([z, x]);
  });

  it('parameter counts equal the closed form on a small config (28 px, 1 channel, width 2, z of 3, 4×4 kernels)', () => {
    // dcgan G: fc 3·(7·7·4) + 7·7·4, bn1 2·4, up1 4·4·4·2 + 2, bn2 2·2, up2 4·4·2·1 + 1
    const dcganG = 3 * 196 + 196 + 8 + (16 * 4 * 2 + 2) + 4 + (16 * 2 + 1);
    // dcgan D: conv1 4·4·1·2 + 2, conv2 4·4·2·4 + 4, fc 7·7·4 + 1; with BN, bn2 adds 2·4
    const dcganD = 16 * 2 + 2 + (16 * 2 * 4 + 4) + (196 + 1);
    // sndcgan G: fc 3·(7·7·8) + 7·7·8, bn1 2·8, up1 4·4·8·4 + 4, bn2 2·4, up2 4·4·4·2 + 2, bn3 2·2, out 3·3·2·1 + 1
    const sndcganG = 3 * 392 + 392 + 16 + (16 * 8 * 4 + 4) + 8 + (16 * 4 * 2 + 2) + 4 + (9 * 2 + 1);
    // sndcgan D: conv1 3·3·1·2 + 2, conv2 4·4·2·4 + 4, conv3 3·3·4·4 + 4, conv4 4·4·4·8 + 8, conv5 3·3·8·8 + 8, fc 7·7·8 + 1
    const sndcganD = 9 * 2 + 2 + (16 * 2 * 4 + 4) + (9 * 16 + 4) + (16 * 32 + 8) + (9 * 64 + 8) + (392 + 1);
    const build = (name: string, options: Record<string, unknown>) =>
      createArchitecture(name, { width: 2, latentDim: 3, ...options }, { dataShape: [28, 28, 1] }, new Rng(0));
    const dcgan = build('dcgan', {});
    expect([dcgan.generatorParams.count(), dcgan.discriminatorParams.count()]).toEqual([dcganG, dcganD]);
    // the running mean and variance of bn1 (4 channels) and bn2 (2) are carried but not trained
    expect(dcgan.generatorParams.count(true)).toBe(dcganG + 2 * (4 + 2));
    expect(build('dcgan', { discriminatorBatchNorm: true }).discriminatorParams.count()).toBe(dcganD + 2 * 4);
    // normalization batch is the same network; layer adds a gain and a bias per channel of conv2 too, with nothing carried
    const normalized = (normalization: string) =>
      createArchitecture('dcgan', { width: 2, latentDim: 3 }, { dataShape: [28, 28, 1], normalization }, new Rng(0)).discriminatorParams;
    expect(normalized('batch').count()).toBe(dcganD + 2 * 4);
    expect(normalized('layer').count()).toBe(dcganD + 2 * 4);
    expect(normalized('layer').count(true)).toBe(dcganD + 2 * 4);
    expect(
      normalized('layer')
        .names()
        .filter((n) => n.includes('/ln')),
    ).toEqual(['d/ln2/gamma', 'd/ln2/beta']);
    const sndcgan = build('sndcgan', {});
    expect([sndcgan.generatorParams.count(), sndcgan.discriminatorParams.count()]).toEqual([sndcganG, sndcganD]);
    // one power-iteration u per D layer, as long as its output: 2 + 4 + 4 + 8 + 8 + 1
    expect(sndcgan.discriminatorParams.count(true)).toBe(sndcganD + 27);
    // the 5×5 option changes only the kernels: k² = 25 instead of 16
    const wide = build('dcgan', { kernelSize: 5 });
    expect(wide.generatorParams.count()).toBe(dcganG + 9 * (4 * 2 + 2 * 1));
    expect(wide.discriminatorParams.count()).toBe(dcganD + 9 * (1 * 2 + 2 * 4));
  });

  it('weights start N(0, 0.02²), biases 0, batch-norm γ = 1 and β = 0 (Radford et al. 2016)', () => {
    const net = createArchitecture('dcgan', {}, { dataShape: [32, 32, 3] }, new Rng(5));
    const kernel = net.generatorParams.get('g/up1/kernel');
    const { mean, variance } = tf.moments(kernel);
    expect(Math.abs(mean.dataSync()[0] as number)).toBeLessThan(1e-3);
    expect(Math.sqrt(variance.dataSync()[0] as number)).toBeCloseTo(0.02, 3);
    expect(Array.from(net.generatorParams.get('g/up1/bias').dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(net.generatorParams.get('g/bn2/gamma').dataSync()).every((v) => v === 1)).toBe(true);
    expect(net.generatorParams.get('g/bn1/gamma').shape).toEqual([256]); // projection to 4×4×(64·2²)
    expect(net.discriminatorParams.get('d/conv3/kernel').shape).toEqual([4, 4, 128, 256]);
    tf.dispose([mean, variance]);
  });
});

/**
 * The 28-px DCGAN generator written out with tf ops and the batch-norm formula
 * γ (x − μ)/√(σ² + ε) + β, μ and σ² from the batch (training) or the running estimates (eval).
 */
function referenceGenerator(p: ParamStore, z: tf.Tensor2D, width: number, training: boolean): tf.Tensor {
  const bn = (name: string, x: tf.Tensor) => {
    const stats = training ? tf.moments(x, [0, 1, 2]) : { mean: p.get(`g/${name}/moving_mean`), variance: p.get(`g/${name}/moving_variance`) };
    return tf.add(tf.mul(tf.div(tf.sub(x, stats.mean), tf.sqrt(tf.add(stats.variance, 1e-5))), p.get(`g/${name}/gamma`)), p.get(`g/${name}/beta`));
  };
  const up = (name: string, x: tf.Tensor4D, out: number) =>
    tf.add(
      tf.conv2dTranspose(x, p.get(`g/${name}/kernel`) as tf.Tensor4D, [x.shape[0], x.shape[1] * 2, x.shape[2] * 2, out], 2, 'same'),
      p.get(`g/${name}/bias`),
    );
  const n = z.shape[0];
  let h = tf.reshape(tf.add(tf.matMul(z, p.get('g/fc/kernel') as tf.Tensor2D), p.get('g/fc/bias')), [n, 7, 7, 2 * width]);
  h = tf.relu(bn('bn1', h));
  h = tf.relu(bn('bn2', up('up1', h as tf.Tensor4D, width)));
  return tf.tanh(up('up2', h as tf.Tensor4D, 1));
}

describe('batch norm in G (cpu)', () => {
  const config: DcganConfig = { resolution: 28, channels: 1, latentDim: 6, width: 4, kernelSize: 4, discriminatorBatchNorm: false };
  beforeAll(async () => {
    await initBackend('cpu');
  });

  function generator(seed: number): ParamStore {
    const p = new ParamStore();
    initDcganGenerator(p, 'g', config, new Rng(seed));
    // running statistics away from their (0, 1) start, so eval mode differs from an unnormalized pass
    for (const [name, c] of [
      ['bn1', 8],
      ['bn2', 4],
    ] as const) {
      tf.tidy(() => {
        p.get(`g/${name}/moving_mean`).assign(new Rng(seed + c).normalTensor([c], 0, 0.05));
        p.get(`g/${name}/moving_variance`).assign(new Rng(seed + 2 * c).uniformTensor([c], 0.01, 0.1));
        p.get(`g/${name}/gamma`).assign(new Rng(seed + 3 * c).uniformTensor([c], 0.5, 1.5));
      });
    }
    return p;
  }

  it('training mode normalizes with the batch statistics, eval mode with the running ones', () => {
    const p = generator(1);
    const z = new Rng(2).normalTensor([5, 6]) as tf.Tensor2D;
    for (const training of [true, false]) {
      const snapshot = p.clone();
      const got = dcganGenerator(p, 'g', z, config, { training });
      const want = referenceGenerator(snapshot, z, config.width, training);
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
      tf.dispose([got, want]);
      snapshot.dispose();
    }
  });

  it('a training pass moves the running statistics by momentum 0.1 toward the batch; an eval pass leaves them', () => {
    const p = generator(3);
    const z = new Rng(4).normalTensor([5, 6]) as tf.Tensor2D;
    const projection = tf.reshape(tf.add(tf.matMul(z, p.get('g/fc/kernel') as tf.Tensor2D), p.get('g/fc/bias')), [5, 7, 7, 8]);
    const batch = tf.moments(projection, [0, 1, 2]);
    const count = 5 * 7 * 7;
    const oldMean = p.get('g/bn1/moving_mean').clone();
    const oldVariance = p.get('g/bn1/moving_variance').clone();
    tf.dispose(dcganGenerator(p, 'g', z, config, { training: false }));
    expect(maxAbsDiff(p.get('g/bn1/moving_mean'), oldMean)).toBe(0);
    tf.dispose(dcganGenerator(p, 'g', z, config, { training: true }));
    const wantMean = tf.add(tf.mul(oldMean, 0.9), tf.mul(batch.mean, 0.1));
    // the running variance is the unbiased estimate, as PyTorch keeps it
    const wantVariance = tf.add(tf.mul(oldVariance, 0.9), tf.mul(batch.variance, (0.1 * count) / (count - 1)));
    expect(maxAbsDiff(p.get('g/bn1/moving_mean'), wantMean)).toBeLessThan(1e-6);
    expect(maxAbsDiff(p.get('g/bn1/moving_variance'), wantVariance)).toBeLessThan(1e-6);
  });

  it('in training mode a sample depends on the rest of its batch; in eval mode it does not', () => {
    const p = generator(5);
    const rng = new Rng(6);
    const z0 = rng.normalTensor([1, 6]);
    const a = tf.concat([z0, rng.normalTensor([3, 6])]);
    const b = tf.concat([z0, rng.normalTensor([3, 6])]);
    const first = (z: tf.Tensor, training: boolean) => tf.slice(dcganGenerator(p, 'g', z, config, { training }), 0, 1);
    expect(maxAbsDiff(first(a, true), first(b, true))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(first(a, false), first(b, false))).toBeLessThan(1e-6);
  });
});
