import { initBackend, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createArchitecture, listArchitectures } from './registry.js';

/**
 * Each architecture's last linear layer written out: logits = features · W' + b', with W' the kernel as the layer
 * uses it (spectral normalization of a [F, 1] kernel is W/‖W‖₂ exactly; equalized learning rate scales by 1/√F).
 */
const CASES: { name: string; options: Record<string, unknown>; dataShape: number[]; layer: string; kernel: (w: number[]) => number[] }[] = [
  { name: 'mlp', options: { dWidth: 8, dLayers: 2 }, dataShape: [2], layer: 'd/output', kernel: (w) => w },
  { name: 'dcgan', options: { width: 4, latentDim: 4 }, dataShape: [28, 28, 1], layer: 'd/fc', kernel: (w) => w },
  { name: 'dcgan', options: { width: 4, latentDim: 4, minibatchKernels: 3, minibatchKernelDims: 2 }, dataShape: [28, 28, 1], layer: 'd/fc', kernel: (w) => w },
  { name: 'sndcgan', options: { width: 4, latentDim: 4 }, dataShape: [32, 32, 1], layer: 'd/fc', kernel: (w) => w.map((v) => v / Math.hypot(...w)) },
  { name: 'sagan', options: { width: 4, latentDim: 4 }, dataShape: [32, 32, 1], layer: 'd/fc', kernel: (w) => w.map((v) => v / Math.hypot(...w)) },
  { name: 'progan', options: { width: 4, latentDim: 4 }, dataShape: [32, 32, 1], layer: 'd/4x4/dense1', kernel: (w) => w.map((v) => v / Math.sqrt(w.length)) },
  {
    name: 'stylegan2',
    options: { width: 4, maxChannels: 8, latentDim: 4, wDim: 4, mappingLayers: 1 },
    dataShape: [16, 16, 1],
    layer: 'd/out',
    kernel: (w) => w.map((v) => v / Math.sqrt(w.length)),
  },
];

describe('D exposes its features, the input of its last linear layer', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('every architecture tested here declares features, and builds networks with them', () => {
    const declared = listArchitectures()
      .filter((a) => a.features === true)
      .map((a) => a.name);
    expect(declared).toEqual(expect.arrayContaining(['mlp', 'dcgan', 'sndcgan', 'sagan', 'progan', 'stylegan2']));
  });

  it.each(CASES)(
    '$name $options: logits = features · W + b in float64, and features are [N, F] with F = rows of W',
    ({ name, options, dataShape, layer, kernel }) => {
      const net = createArchitecture(name, options, { dataShape }, new Rng(5));
      expect(net.features).toBeDefined();
      const n = 4;
      const x = new Rng(6).normalTensor([n, ...dataShape]);
      const before = tf.memory().numTensors;
      const o = { training: false };
      const logits = tf.tidy(() => Array.from(net.discriminate(net.discriminatorParams, x, o).dataSync()));
      const f = net.features?.(net.discriminatorParams, x, o) as tf.Tensor;
      const features = f.arraySync() as number[][];
      f.dispose();
      // Only the returned tensor survives a pass.
      expect(tf.memory().numTensors).toBe(before);
      const w = kernel(Array.from(net.discriminatorParams.get(`${layer}/kernel`).dataSync()));
      const b = net.discriminatorParams.get(`${layer}/bias`).dataSync()[0] as number;
      expect(f.shape).toEqual([n, w.length]);
      const expected = features.map((row) => row.reduce((s, v, i) => s + v * (w[i] as number), b));
      const scale = Math.max(1, ...expected.map(Math.abs));
      logits.forEach((v, i) => {
        expect(Math.abs(v - (expected[i] as number)) / scale).toBeLessThan(1e-5);
      });
      // Not a constant map: features differ between samples.
      expect(features[0]).not.toEqual(features[1]);
      x.dispose();
      net.generatorParams.dispose();
      net.discriminatorParams.dispose();
    },
  );

  it('features carry the gradient to the input and to every D weight below the last layer (mlp)', () => {
    const net = createArchitecture('mlp', { dWidth: 8, dLayers: 2 }, { dataShape: [2] }, new Rng(7));
    const x = new Rng(8).normalTensor([5, 2]);
    const vars = net.discriminatorParams.trainableVariables();
    const { grads, value } = tf.variableGrads(
      () => tf.sum(tf.square(net.features?.(net.discriminatorParams, x, { training: true }) as tf.Tensor)) as tf.Scalar,
      vars,
    );
    const norms = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.norm(g).dataSync()[0] as number]));
    // The output layer is not part of the features; every hidden layer is.
    expect(Object.keys(grads).some((k) => k.includes('output'))).toBe(false);
    expect(
      Object.entries(norms)
        .filter(([k]) => k.includes('hidden'))
        .every(([, v]) => v > 0),
    ).toBe(true);
    tf.dispose([value, x, ...Object.values(grads)]);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });
});
