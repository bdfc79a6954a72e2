import { dense, initBackend, minibatchDiscrimination, ParamStore, Rng, tf, type WeightTransform } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkArchitecture,
  createArchitecture,
  type DcganConfig,
  dcganDiscriminator,
  dcganParameterCount,
  initDcganDiscriminator,
  type SndcganConfig,
  sndcganDiscriminator,
  sndcganParameterCount,
  sndcganSpectralNorm,
} from '../index.js';

const NAMES = ['dcgan', 'sndcgan'] as const;
const SHAPE = [28, 28, 1];
const build = (name: string, options: Record<string, unknown>, seed = 3) =>
  createArchitecture(name, { width: 1, latentDim: 2, ...options }, { dataShape: SHAPE }, new Rng(seed));
const images = (n: number, seed: number) => tf.tensor4d(testValues(n * 28 * 28, seed), [n, 28, 28, 1]);
const dcganConfig: DcganConfig = { resolution: 28, channels: 1, latentDim: 2, width: 1, kernelSize: 4, discriminatorBatchNorm: false };
const sndcganConfig: SndcganConfig = { resolution: 28, channels: 1, latentDim: 2, width: 1, powerIterations: 1 };
/** D's flattened features: the network with the option off and an identity for its dense layer (σ = 1, so spectral norm leaves it). */
function features(name: string, params: ParamStore, x: tf.Tensor): tf.Tensor2D {
  const probe = new ParamStore();
  for (const n of params.names()) if (!n.startsWith('d/mbd/') && !n.startsWith('d/fc/')) probe.create(n, tf.clone(params.get(n)), { trainable: false });
  const a = params.get('d/mbd/kernel').shape[0] as number;
  probe.create('d/fc/kernel', tf.eye(a));
  probe.create('d/fc/bias', tf.zeros([a]));
  if (name === 'sndcgan') probe.create('d/fc/sn_u', tf.div(tf.ones([a]), Math.sqrt(a)), { trainable: false });
  const flat =
    name === 'dcgan'
      ? dcganDiscriminator(probe, 'd', x, dcganConfig, { training: false })
      : sndcganDiscriminator(probe, 'd', x, sndcganConfig, { training: false });
  const out = tf.reshape(flat, [x.shape[0] as number, a]) as tf.Tensor2D;
  probe.dispose();
  return out;
}

describe('minibatch discrimination in DCGAN and SNDCGAN (Salimans et al. 2016, Sec. 3.2; cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it.each(NAMES)("%s: D's logits = dense(minibatchDiscrimination(D's features)) with the same parameters", (name) => {
    const net = build(name, { minibatchKernels: 3, minibatchKernelDims: 2 });
    const p = net.discriminatorParams;
    // A larger T, so the exp(−L1) terms differ from 1 and the check sees the layer.
    tf.tidy(() => p.get('d/mbd/kernel').assign(tf.mul(p.get('d/mbd/kernel'), 50)));
    const x = images(4, 11);
    const logits = net.discriminate(p, x, { training: false });
    const expected = tf.tidy(() => {
      const transform: WeightTransform | undefined = name === 'sndcgan' ? sndcganSpectralNorm(p, 1, false) : undefined;
      const w = transform === undefined ? {} : { weightTransform: transform };
      const o = minibatchDiscrimination(p, 'd/mbd', features(name, p, x), w);
      return tf.reshape(dense(p, 'd/fc', o, w), [-1]);
    });
    expect(logits.shape).toEqual([4]);
    const [got, want] = [Array.from(logits.dataSync()), Array.from(expected.dataSync())];
    for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(want[i] as number, 5);
    // the B appended features are not constant: the logits depend on the rest of the batch
    const alone = net.discriminate(p, x.slice([0, 0, 0, 0], [1, 28, 28, 1]), { training: false });
    expect(Math.abs((alone.dataSync()[0] as number) - (got[0] as number))).toBeGreaterThan(1e-6);
    tf.dispose([x, logits, expected, alone]);
    net.generatorParams.dispose();
    p.dispose();
  });

  it('parameter counts: T adds A·B·C and the dense logit B more inputs (A = 7·7·2 dcgan, 7·7·4 sndcgan at width 1)', () => {
    const [b, c] = [3, 2];
    for (const name of NAMES) {
      const off = build(name, {});
      const on = build(name, { minibatchKernels: b, minibatchKernelDims: c });
      const a = name === 'dcgan' ? 7 * 7 * 2 : 7 * 7 * 4;
      expect(on.discriminatorParams.count()).toBe(off.discriminatorParams.count() + a * b * c + b);
      const formula = name === 'dcgan' ? dcganParameterCount : sndcganParameterCount;
      const config = { ...dcganConfig, ...sndcganConfig, minibatchKernels: b, minibatchKernelDims: c };
      expect(formula(config).discriminator).toBe(on.discriminatorParams.count());
      expect(formula(config).generator).toBe(on.generatorParams.count());
      expect(on.discriminatorParams.get('d/mbd/kernel').shape).toEqual([a, b, c]);
      // sndcgan normalizes T too: its u (length C) is carried, not trained
      if (name === 'sndcgan') expect(on.discriminatorParams.count(true)).toBe(off.discriminatorParams.count(true) + a * b * c + b + c);
      for (const net of [off, on]) {
        net.generatorParams.dispose();
        net.discriminatorParams.dispose();
      }
    }
  });

  it.each(NAMES)('%s: T comes from the seeded RNG (same seed same T, another seed another), N(0, 0.02²)', (name) => {
    const [a1, a2, b] = [build(name, { minibatchKernels: 4 }, 5), build(name, { minibatchKernels: 4 }, 5), build(name, { minibatchKernels: 4 }, 6)];
    const t = (net: typeof a1) => Array.from(net.discriminatorParams.get('d/mbd/kernel').dataSync());
    expect(t(a1)).toEqual(t(a2));
    expect(t(a1)).not.toEqual(t(b));
    const values = t(a1);
    const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
    for (const net of [a1, a2, b]) {
      net.generatorParams.dispose();
      net.discriminatorParams.dispose();
    }
  });

  it.each(NAMES)('%s: off (0 kernels, any C) is bit for bit the D written before the option', (name) => {
    const old = new ParamStore();
    if (name === 'dcgan') initDcganDiscriminator(old, 'd', dcganConfig, new Rng(3).fork('discriminator-init'));
    const net = build(name, { minibatchKernels: 0, minibatchKernelDims: 7 });
    const reference = name === 'dcgan' ? old : build(name, {}).discriminatorParams;
    expect(net.discriminatorParams.names()).toEqual(reference.names());
    for (const n of reference.names()) expect(Array.from(net.discriminatorParams.get(n).dataSync())).toEqual(Array.from(reference.get(n).dataSync()));
    const x = images(3, 12);
    const before =
      name === 'dcgan' ? dcganDiscriminator(old, 'd', x, dcganConfig, { training: true }) : build(name, {}).discriminate(reference, x, { training: false });
    const after = net.discriminate(net.discriminatorParams, x, { training: name === 'dcgan' });
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    tf.dispose([x, before, after]);
    old.dispose();
  });

  it.each(NAMES)('%s: a gradient penalty through D with the option (second order) matches central differences, in x (and in T for dcgan)', (name) => {
    const net = build(name, { minibatchKernels: 2, minibatchKernelDims: 2 });
    const p = net.discriminatorParams;
    const n = 2;
    const t0 = tf.mul(p.get('d/mbd/kernel'), 50);
    const tShape = t0.shape;
    // T is an input of the checked function through the weight transform. sndcgan normalizes it after, with σ's
    // power-iteration vectors held constant in the gradient (as Miyato et al. and torch do), so there only x is checked.
    const penalty = (x: tf.Tensor, t: tf.Tensor) => {
      const weightTransform: WeightTransform = (w, k) => (k === 'd/mbd/kernel' ? t : w);
      const gradient = tf.grad((xx: tf.Tensor) => tf.sum(net.discriminate(p, xx, { training: false, weightTransform })) as tf.Scalar)(x);
      return tf.sum(tf.square(gradient)) as tf.Scalar;
    };
    const inputs = [
      { shape: [n, 28, 28, 1], values: testValues(n * 28 * 28, 32) },
      { shape: [...tShape], values: t0.dataSync() as Float32Array },
    ];
    const t = tf.clone(t0);
    const run = (h: number) => {
      const options = { h, maxCoordinates: 8 };
      return name === 'dcgan' ? checkGradients(penalty, inputs, options) : checkGradients((x) => penalty(x, t), inputs.slice(0, 1), options);
    };
    // The penalty is piecewise smooth (leaky ReLU): a coordinate with a kink within h has central differences
    // at h and h/2 that disagree, and is left out; the rest must agree with autograd.
    const [coarse, fine] = [run(1e-2), run(5e-3)];
    const scale = Math.max(...fine.pairs.map(([, numeric]) => Math.abs(numeric)));
    expect(scale).toBeGreaterThan(0);
    const smooth = fine.pairs.filter(([, numeric], i) => Math.abs(numeric - (coarse.pairs[i]?.[1] as number)) < 0.05 * scale);
    expect(smooth.length).toBeGreaterThanOrEqual(fine.pairs.length / 2);
    const relative = Math.max(...smooth.map(([analytic, numeric]) => Math.abs(analytic - numeric))) / scale;
    expect(relative).toBeLessThan(2e-2);
    tf.dispose([t0, t]);
    net.generatorParams.dispose();
    p.dispose();
  });

  it.each(NAMES)('%s: bad options fail before any weight is drawn, naming the field, the value and what is allowed', (name) => {
    const context = { dataShape: SHAPE };
    expect(() => checkArchitecture(name, { minibatchKernels: -1 }, context)).toThrow(
      `architecture ${name}.minibatchKernels: -1 is not allowed; must be an integer ≥ 0`,
    );
    expect(() => checkArchitecture(name, { minibatchKernels: 1.5 }, context)).toThrow(
      `architecture ${name}.minibatchKernels: 1.5 is not allowed; must be an integer ≥ 0`,
    );
    expect(() => checkArchitecture(name, { minibatchKernelDims: 0 }, context)).toThrow(
      `architecture ${name}.minibatchKernelDims: 0 is not allowed; must be an integer ≥ 1`,
    );
    expect(() => build(name, { minibatchKernels: 2, minibatchKernelDims: 'x' })).toThrow(
      `architecture ${name}.minibatchKernelDims: "x" is not allowed; must be an integer ≥ 1`,
    );
  });
});
