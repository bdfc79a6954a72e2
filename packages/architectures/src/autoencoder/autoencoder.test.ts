import { initBackend, type ParamStore, Rng, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUTOENCODER_POINT_LAYERS,
  autoencoderArchitecture,
  autoencoderEmbedding,
  autoencoderReconstruction,
  checkArchitecture,
  createArchitecture,
  type GanNetworks,
  resolveArchitectureOptions,
  resolveAutoencoderConfig,
} from '../index.js';

const EVAL = { training: false };
const elu = (v: number) => (v > 0 ? v : Math.expm1(v));
const build = (options: Record<string, unknown>, dataShape: number[], seed = 5) => createArchitecture('autoencoder', options, { dataShape }, new Rng(seed));
const read = (t: tf.Tensor) => Array.from(t.dataSync());

/**
 * Every layer of the 2-D autoencoder (width 2, embedding 2) the identity with zero bias, but the decoder's last
 * kernel a·I: Dec(Enc(x)) = a·ELU⁴(x) coordinate-wise (two ELUs in the encoder, two in the decoder), by hand.
 */
function linearAutoencoder(params: ParamStore, scale: number): void {
  for (const name of params.names()) {
    const v = params.get(name);
    if (name.endsWith('/bias')) v.assign(tf.zerosLike(v));
    else v.assign(tf.mul(tf.eye(2), name === `d/dec/fc${AUTOENCODER_POINT_LAYERS + 1}/kernel` ? scale : 1));
  }
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`autoencoder architecture on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it.each(['l1', 'mse'] as const)('%s: the logit is −energy, the per-sample mean reconstruction error of a hand-set linear autoencoder', (norm) => {
      const net = build({ width: 2, embedding: 2, latentDim: 3, reconstruction: norm }, [2]);
      const a = 1.75;
      linearAutoencoder(net.discriminatorParams, a);
      const points = [
        [0.5, 1.25],
        [-0.5, 2],
        [-1.5, -0.25],
      ];
      const reconstruct = (v: number) => a * elu(elu(elu(elu(v))));
      const expected = points.map((p) => {
        const errors = p.map((v) => reconstruct(v) - v);
        return -(norm === 'l1' ? errors.reduce((s, e) => s + Math.abs(e), 0) : errors.reduce((s, e) => s + e * e, 0)) / p.length;
      });
      const [logits, features] = tf.tidy(() => {
        const x = tf.tensor2d(points);
        return [read(net.discriminate(net.discriminatorParams, x, EVAL)), read(net.features?.(net.discriminatorParams, x, EVAL) as tf.Tensor)];
      });
      for (const [i, v] of logits.entries()) expect(v).toBeCloseTo(expected[i] as number, 5);
      // On positive coordinates ELU is the identity: Dec(Enc(x)) = a·x, energy |a − 1|·mean|x| or (a − 1)²·mean x².
      expect(logits[0]).toBeCloseTo(-(norm === 'l1' ? (a - 1) * 0.875 : (a - 1) ** 2 * ((0.25 + 1.5625) / 2)), 5);
      // The embedding h = ELU(ELU(x)) through the identity encoder.
      for (const [i, v] of features.entries()) expect(v).toBeCloseTo(elu(elu(points[Math.floor(i / 2)]?.[i % 2] as number)), 5);
      net.generatorParams.dispose();
      net.discriminatorParams.dispose();
    });

    it.each([
      [28, 1],
      [32, 3],
    ])('images of %i px, %i channels: G in (−1, 1), logits = −mean |Dec(Enc(x)) − x| per sample, features = the embedding', (resolution, channels) => {
      const net = build({ width: 4, embedding: 6, latentDim: 5 }, [resolution, resolution, channels]);
      const config = resolveAutoencoderConfig({ width: 4, embedding: 6, latentDim: 5 }, [resolution, resolution, channels]);
      const before = tf.memory().numTensors;
      const { images, logits, reconstruction, features, embedding } = tf.tidy(() => {
        const x = net.generate(net.generatorParams, new Rng(1).normalTensor([3, 5]), EVAL);
        const xs = tf.add(tf.mul(x, 0.5), 0.1);
        return {
          images: x.shape,
          logits: read(net.discriminate(net.discriminatorParams, xs, EVAL)),
          reconstruction: { r: read(autoencoderReconstruction(net.discriminatorParams, 'd', xs, config, EVAL)), x: read(xs), range: read(x) },
          features: net.features?.(net.discriminatorParams, xs, EVAL).shape,
          embedding: read(autoencoderEmbedding(net.discriminatorParams, 'd', xs, config, EVAL)),
        };
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(images).toEqual([3, resolution, resolution, channels]);
      expect(reconstruction.range.every((v) => v > -1 && v < 1)).toBe(true);
      const perSample = resolution * resolution * channels;
      const expected = [0, 1, 2].map((n) => {
        let s = 0;
        for (let i = n * perSample; i < (n + 1) * perSample; i++) s += Math.abs((reconstruction.r[i] as number) - (reconstruction.x[i] as number));
        return -s / perSample;
      });
      for (const [i, v] of logits.entries()) expect(v).toBeCloseTo(expected[i] as number, 5);
      expect(features).toEqual([3, 6]);
      expect(embedding.length).toBe(18);
      net.generatorParams.dispose();
      net.discriminatorParams.dispose();
    });

    it("mse: D's input gradient matches central differences (points and images)", () => {
      for (const [shape, n] of [
        [[2], 4],
        [[28, 28, 1], 1],
      ] as const) {
        const net = build({ width: 3, embedding: 4, latentDim: 2, reconstruction: 'mse' }, [...shape]);
        const size = n * (shape as readonly number[]).reduce((p, d) => p * d, 1);
        const check = checkGradients(
          (x) => tf.sum(net.discriminate(net.discriminatorParams, x as tf.Tensor, EVAL)) as tf.Scalar,
          [{ shape: [n, ...shape], values: testValues(size, 7, -1, 1) }],
        );
        expect(check.maxError).toBeLessThan(2e-2);
        net.generatorParams.dispose();
        net.discriminatorParams.dispose();
      }
    });
  });
}

describe('autoencoder options and checks', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('defaults: latentDim 64, embedding 64 on images and D − 1 on points, width 64, l1 (BEGAN); recommended training is began with the paper’s γ and λ_k', () => {
    expect(resolveArchitectureOptions('autoencoder')).toEqual({ latentDim: 64, embedding: 0, width: 64, reconstruction: 'l1' });
    expect(resolveAutoencoderConfig({}, [28, 28, 1]).embedding).toBe(64);
    expect(resolveAutoencoderConfig({}, [2]).embedding).toBe(1);
    expect(resolveAutoencoderConfig({}, [5]).embedding).toBe(4);
    expect(resolveAutoencoderConfig({ embedding: 3 }, [2]).embedding).toBe(3);
    const points = build({ width: 4 }, [2]);
    expect(tf.tidy(() => points.features?.(points.discriminatorParams, tf.zeros([3, 2]), EVAL).shape)).toEqual([3, 1]);
    points.generatorParams.dispose();
    points.discriminatorParams.dispose();
    expect(autoencoderArchitecture.recommended?.loss).toEqual({ name: 'began', params: { gamma: 0.5, lambdaK: 0.001 } });
  });

  it('bad options and data shapes fail before any weight is drawn, naming the field, the value and what is allowed', () => {
    expect(() => resolveArchitectureOptions('autoencoder', { reconstruction: 'l2' })).toThrow(
      'architecture autoencoder.reconstruction: "l2" is not allowed; must be one of l1, mse',
    );
    expect(() => checkArchitecture('autoencoder', {}, { dataShape: [30, 30, 1] })).toThrow(
      'architecture autoencoder: dataShape [30, 30, 1] is not allowed; must be [D] (points) or [R, R, C] (NHWC images) with R one of 28, 32, 64 and C one of 1, 3',
    );
    expect(() => checkArchitecture('autoencoder', {}, { dataShape: [2], normalization: 'spectral' })).toThrow(
      "architecture autoencoder: normalization 'spectral' is not allowed; autoencoder takes none",
    );
    const net = build({ width: 2, embedding: 2, latentDim: 3 }, [2]);
    expect(() => tf.tidy(() => net.discriminate(net.discriminatorParams, tf.zeros([4, 3]), EVAL))).toThrow(
      'autoencoder d: x of shape [4,3] is not allowed; must be [N, 2]',
    );
    expect(() => tf.tidy(() => net.generate(net.generatorParams, tf.zeros([4, 2]), EVAL))).toThrow(
      'autoencoder g: z of shape [4,2] is not allowed; must be [N, 3]',
    );
  });

  it('parameter counts: D on points is encoder 2→w→w→e and decoder e→w→w→2; G is the decoder from z', () => {
    const [w, e, z] = [5, 3, 4];
    const net: GanNetworks = build({ width: w, embedding: e, latentDim: z }, [2]);
    const dense = (i: number, o: number) => i * o + o;
    expect(net.discriminatorParams.count()).toBe(dense(2, w) + dense(w, w) + dense(w, e) + dense(e, w) + dense(w, w) + dense(w, 2));
    expect(net.generatorParams.count()).toBe(dense(z, w) + dense(w, w) + dense(w, 2));
    // Images 28 px: two 4×4 stride-2 convs (1→w→2w), dense 7·7·2w → e; decoder dense e → 7·7·2w, 4×4 transposed convs 2w→w→1.
    const images = build({ width: w, embedding: e, latentDim: z }, [28, 28, 1]);
    const conv = (i: number, o: number) => 16 * i * o + o;
    const decoder = (input: number) => dense(input, 49 * 2 * w) + conv(2 * w, w) + conv(w, 1);
    expect(images.discriminatorParams.count()).toBe(conv(1, w) + conv(w, 2 * w) + dense(49 * 2 * w, e) + decoder(e));
    expect(images.generatorParams.count()).toBe(decoder(z));
    for (const n of [net, images]) {
      n.generatorParams.dispose();
      n.discriminatorParams.dispose();
    }
  });
});
