import {
  conv2dTranspose,
  dense,
  initBackend,
  initVirtualBatchNorm,
  ParamStore,
  Rng,
  recordVirtualBatchNormReference,
  tf,
  virtualBatchNorm,
} from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkArchitecture,
  createArchitecture,
  type DcganConfig,
  dcganGenerator,
  dcganParameterCount,
  dcganReferenceZName,
  initDcganGenerator,
} from '../index.js';

const SHAPE = [28, 28, 1];
const build = (options: Record<string, unknown>, seed = 3) =>
  createArchitecture('dcgan', { width: 2, latentDim: 3, ...options }, { dataShape: SHAPE }, new Rng(seed));
const config: DcganConfig = { resolution: 28, channels: 1, latentDim: 3, width: 2, kernelSize: 4, discriminatorBatchNorm: false };
const values = (store: ParamStore, name: string) => Array.from(store.get(name).dataSync());

describe('virtual batch norm in the DCGAN generator (Salimans et al. 2016, Sec. 3.4; cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('each sample is normalized with the reference batch and itself: independent of the rest of its batch, in training and eval mode', () => {
    const net = build({ generatorVirtualBatchNorm: true, virtualBatchSize: 5 });
    const z = new Rng(9).normalTensor([4, 3]);
    const all = net.generate(net.generatorParams, z, { training: true });
    const eval_ = net.generate(net.generatorParams, z, { training: false });
    const alone = net.generate(net.generatorParams, z.slice([1, 0], [1, 3]), { training: true });
    expect(all.shape).toEqual([4, 28, 28, 1]);
    const second = all.slice([1, 0, 0, 0], [1, 28, 28, 1]);
    expect(tf.max(tf.abs(tf.sub(second, alone))).dataSync()[0]).toBeLessThan(1e-6);
    expect(Array.from(eval_.dataSync())).toEqual(Array.from(all.dataSync()));
    // with batch norm, the same sample changes with its batch in training mode
    const plain = build({});
    const bnAll = plain.generate(plain.generatorParams, z, { training: true });
    const bnAlone = plain.generate(plain.generatorParams, tf.concat([z.slice([1, 0], [1, 3]), z.slice([1, 0], [1, 3])]), { training: true });
    expect(tf.max(tf.abs(tf.sub(bnAll.slice([1, 0, 0, 0], [1, 28, 28, 1]), bnAlone.slice([0, 0, 0, 0], [1, 28, 28, 1])))).dataSync()[0]).toBeGreaterThan(1e-4);
    tf.dispose([z, all, eval_, alone, second, bnAll, bnAlone]);
  });

  it("G's output = the core layers applied by hand: the reference batch normalized with its own statistics (recorded), each sample with them and itself", () => {
    const net = build({ generatorVirtualBatchNorm: true, virtualBatchSize: 5 });
    const p = net.generatorParams;
    // γ, β away from 1, 0 so the check sees them
    tf.tidy(() => {
      for (const i of [1, 2]) {
        p.get(`g/vbn${i}/gamma`).assign(tf.add(p.get(`g/vbn${i}/gamma`), new Rng(20 + i).uniformTensor(p.get(`g/vbn${i}/gamma`).shape, -0.5, 0.5)));
        p.get(`g/vbn${i}/beta`).assign(new Rng(30 + i).uniformTensor(p.get(`g/vbn${i}/beta`).shape, -0.5, 0.5));
      }
    });
    const z = new Rng(9).normalTensor([3, 3]);
    const got = net.generate(p, z, { training: true });
    const scratch = new ParamStore();
    const expected = tf.tidy(() => {
      const norm = (i: number, x: tf.Tensor, ref: tf.Tensor) => {
        const prefix = `vbn${i}`;
        initVirtualBatchNorm(scratch, prefix, x.shape[x.rank - 1] as number);
        scratch.get(`${prefix}/gamma`).assign(p.get(`g/${prefix}/gamma`));
        scratch.get(`${prefix}/beta`).assign(p.get(`g/${prefix}/beta`));
        const refOut = recordVirtualBatchNormReference(scratch, prefix, ref);
        return [tf.relu(virtualBatchNorm(scratch, prefix, x)), tf.relu(refOut)];
      };
      const project = (v: tf.Tensor) => tf.reshape(dense(p, 'g/fc', v), [v.shape[0] as number, 7, 7, 4]);
      let [x, ref] = norm(1, project(z), project(p.get(dcganReferenceZName('g'))));
      [x, ref] = norm(2, conv2dTranspose(p, 'g/up1', x as tf.Tensor, { strides: 2 }), conv2dTranspose(p, 'g/up1', ref as tf.Tensor, { strides: 2 }));
      return tf.tanh(conv2dTranspose(p, 'g/up2', x as tf.Tensor, { strides: 2 }));
    });
    const scale = tf.max(tf.abs(expected)).dataSync()[0] as number;
    expect(scale).toBeGreaterThan(1e-2);
    expect(tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0]).toBeLessThan(1e-5 * Math.max(1, scale));
    tf.dispose([z, got, expected]);
    scratch.dispose();
  });

  it('the reference z is drawn once from the seed, kept untrained in G and changes the output; trainable counts are unchanged', () => {
    const [a, b, other] = [
      build({ generatorVirtualBatchNorm: true }, 5),
      build({ generatorVirtualBatchNorm: true }, 5),
      build({ generatorVirtualBatchNorm: true }, 6),
    ];
    const name = dcganReferenceZName('g');
    expect(a.generatorParams.get(name).shape).toEqual([64, 3]);
    expect(values(a.generatorParams, name)).toEqual(values(b.generatorParams, name));
    expect(values(a.generatorParams, name)).not.toEqual(values(other.generatorParams, name));
    expect(a.generatorParams.trainableVariables()).not.toContain(a.generatorParams.get(name));
    // γ, β per channel as batch norm, no running statistics: trainable count = the formula; carried = 64·3 more
    expect(a.generatorParams.count()).toBe(dcganParameterCount(config).generator);
    expect(a.generatorParams.count(true)).toBe(dcganParameterCount(config).generator + 64 * 3);
    const z = new Rng(1).normalTensor([2, 3]);
    const before = a.generate(a.generatorParams, z, { training: true });
    tf.tidy(() => a.generatorParams.get(name).assign(tf.mul(a.generatorParams.get(name), 2)));
    const after = a.generate(a.generatorParams, z, { training: true });
    expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBeGreaterThan(1e-4);
    tf.dispose([z, before, after]);
  });

  it('off is bit for bit the old generator', () => {
    const old = new ParamStore();
    initDcganGenerator(old, 'g', config, new Rng(3).fork('generator-init'));
    const net = build({ generatorVirtualBatchNorm: false, virtualBatchSize: 7 });
    expect(net.generatorParams.names()).toEqual(old.names());
    for (const n of old.names()) expect(values(net.generatorParams, n)).toEqual(values(old, n));
    const z = new Rng(2).normalTensor([3, 3]);
    const before = dcganGenerator(old, 'g', z, config, { training: true });
    const after = net.generate(net.generatorParams, z, { training: true });
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    tf.dispose([z, before, after]);
  });

  it('bad options fail before any weight is drawn, naming the field, the value and what is allowed', () => {
    expect(() => checkArchitecture('dcgan', { virtualBatchSize: 0 }, { dataShape: SHAPE })).toThrow(
      'architecture dcgan.virtualBatchSize: 0 is not allowed; must be an integer ≥ 1',
    );
    expect(() => checkArchitecture('dcgan', { generatorVirtualBatchNorm: 1 }, { dataShape: SHAPE })).toThrow(
      'architecture dcgan.generatorVirtualBatchNorm: 1 is not allowed; must be true or false',
    );
  });
});
