import { describeOption, initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ArchitectureDefinition,
  createArchitecture,
  getArchitecture,
  initMlp,
  listArchitectures,
  MLP_DEFAULTS,
  mlpParameterCount,
  registerArchitecture,
  resolveArchitectureOptions,
  resolveMlpConfig,
} from './index.js';

describe('architecture registry', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('lists every architecture with paper, description and every option with its default (and recommended training), as JSON', () => {
    const listed = JSON.parse(JSON.stringify(listArchitectures())) as Record<string, unknown>[];
    expect(listed.map((a) => a.name)).toEqual(['mlp', 'dcgan', 'sndcgan', 'sagan', 'progan', 'stylegan2', 'autoencoder']);
    for (const a of listed) {
      expect(
        Object.keys(a)
          .filter((k) => !['recommended', 'normalizations', 'features', 'energy'].includes(k))
          .sort(),
      ).toEqual(['description', 'name', 'options', 'paper']);
      for (const spec of Object.values(a.options as Record<string, { default: unknown; description: string }>)) {
        expect(spec.default).toBeDefined();
        expect(spec.description.length).toBeGreaterThan(10);
      }
    }
    expect(resolveArchitectureOptions('dcgan')).toEqual({
      latentDim: 128,
      width: 64,
      kernelSize: 4,
      discriminatorBatchNorm: false,
      minibatchKernels: 0,
      minibatchKernelDims: 5,
      generatorVirtualBatchNorm: false,
      virtualBatchSize: 64,
    });
    expect(resolveArchitectureOptions('sndcgan')).toEqual({ latentDim: 128, width: 64, powerIterations: 1, minibatchKernels: 0, minibatchKernelDims: 5 });
    // The normalizations of D each takes (Kurach et al.'s axis): the list when it declares one.
    expect(Object.fromEntries(listed.map((a) => [a.name, a.normalizations ?? null]))).toEqual({
      mlp: null,
      dcgan: ['none', 'batch', 'layer', 'spectral'],
      sndcgan: ['none'],
      sagan: ['none'],
      progan: null,
      stylegan2: null,
      autoencoder: ['none'],
    });
  });

  it("mlp's options are MLP_DEFAULTS under the registry's names", () => {
    const g = resolveMlpConfig('generator');
    const d = resolveMlpConfig('discriminator');
    expect(resolveArchitectureOptions('mlp')).toEqual({
      latentDim: g.inputDim,
      gWidth: g.width,
      gLayers: g.depth,
      dWidth: d.width,
      dLayers: d.depth,
      activation: g.activation,
      init: g.init,
      initGain: g.initGain,
      dInputScale: d.inputScale,
    });
    expect(getArchitecture('mlp').options.activation?.allowed).toEqual(MLP_DEFAULTS.generator.options.activation.allowed);
  });

  it('an unknown architecture names the registered ones', () => {
    expect(() => getArchitecture('stylegan9')).toThrow("architecture: unknown architecture 'stylegan9'; registered: mlp, dcgan, sndcgan");
    expect(() => resolveArchitectureOptions('resnet')).toThrow('registered: mlp, dcgan, sndcgan');
  });

  it('bad options fail naming the field, the value and what is allowed', () => {
    expect(() => resolveArchitectureOptions('dcgan', { depth: 3 })).toThrow(
      "architecture dcgan: unknown option 'depth'; allowed: latentDim, width, kernelSize, discriminatorBatchNorm, minibatchKernels, minibatchKernelDims, generatorVirtualBatchNorm, virtualBatchSize",
    );
    expect(() => resolveArchitectureOptions('dcgan', { width: '64' })).toThrow('architecture dcgan.width: "64" is not allowed; must be an integer ≥ 1');
    expect(() => resolveArchitectureOptions('dcgan', { width: 0 })).toThrow('architecture dcgan.width: 0 is not allowed; must be an integer ≥ 1');
    expect(() => resolveArchitectureOptions('dcgan', { latentDim: 12.5 })).toThrow('architecture dcgan.latentDim: 12.5 is not allowed');
    expect(() => resolveArchitectureOptions('dcgan', { kernelSize: 3 })).toThrow('architecture dcgan.kernelSize: 3 is not allowed; must be one of 4, 5');
    expect(() => resolveArchitectureOptions('dcgan', { discriminatorBatchNorm: 'yes' })).toThrow(
      'architecture dcgan.discriminatorBatchNorm: "yes" is not allowed; must be true or false',
    );
    expect(() => resolveArchitectureOptions('sndcgan', { powerIterations: 0 })).toThrow('architecture sndcgan.powerIterations: 0 is not allowed');
    expect(() => resolveArchitectureOptions('mlp', { activation: 'sigmoid' })).toThrow(
      'architecture mlp.activation: "sigmoid" is not allowed; must be one of relu, leaky-relu, tanh, elu',
    );
    expect(() => resolveArchitectureOptions('mlp', { initGain: 0 })).toThrow('architecture mlp.initGain: 0 is not allowed; must be a number > 0');
    expect(resolveArchitectureOptions('dcgan', { width: 8, kernelSize: 5, discriminatorBatchNorm: true })).toMatchObject({
      width: 8,
      kernelSize: 5,
      discriminatorBatchNorm: true,
    });
  });

  it('describes each option on one line for `ganbench list`', () => {
    const describeArchitectureOptions = (name: string) => Object.entries(getArchitecture(name).options).map(([option, spec]) => describeOption(option, spec));
    expect(describeArchitectureOptions('dcgan')).toEqual([
      expect.stringMatching(/^latentDim \(integer ≥ 1, default 128\): /),
      expect.stringMatching(/^width \(integer ≥ 1, default 64\): /),
      expect.stringMatching(/^kernelSize \(one of 4, 5, default 4\): /),
      expect.stringMatching(/^discriminatorBatchNorm \(true or false, default false\): /),
      expect.stringMatching(/^minibatchKernels \(integer ≥ 0, default 0\): /),
      expect.stringMatching(/^minibatchKernelDims \(integer ≥ 1, default 5\): /),
      expect.stringMatching(/^generatorVirtualBatchNorm \(true or false, default false\): /),
      expect.stringMatching(/^virtualBatchSize \(integer ≥ 1, default 64\): /),
    ]);
    expect(describeArchitectureOptions('mlp')).toContainEqual(expect.stringMatching(/^activation \(one of relu, leaky-relu, tanh, elu, default relu\): /));
  });

  it('each architecture checks the data shape before building', () => {
    const rng = new Rng(0);
    const allowed = 'must be [R, R, C] (NHWC) with R one of 28, 32, 64 and C one of 1, 3';
    expect(() => createArchitecture('dcgan', {}, { dataShape: [30, 30, 1] }, rng)).toThrow(
      `architecture dcgan: dataShape [30, 30, 1] is not allowed; ${allowed}`,
    );
    expect(() => createArchitecture('dcgan', {}, { dataShape: [32, 32, 2] }, rng)).toThrow('dataShape [32, 32, 2] is not allowed');
    expect(() => createArchitecture('sndcgan', {}, { dataShape: [32, 28, 3] }, rng)).toThrow('architecture sndcgan: dataShape [32, 28, 3] is not allowed');
    expect(() => createArchitecture('dcgan', {}, { dataShape: [2] }, rng)).toThrow('dataShape [2] is not allowed');
    expect(() => createArchitecture('mlp', {}, { dataShape: [28, 28, 1] }, rng)).toThrow(
      'architecture mlp: dataShape [28, 28, 1] is not allowed; must be [D] with D an integer ≥ 1 (points, not images)',
    );
    expect(() => createArchitecture('dcgan', { width: -1 }, { dataShape: [32, 32, 3] }, rng)).toThrow('architecture dcgan.width: -1');
  });

  it("mlp builds the toy mixture's networks: same parameters, same seed streams, data dimension from dataShape", () => {
    const net = createArchitecture('mlp', { gLayers: 2, dWidth: 16, latentDim: 8 }, { dataShape: [3] }, new Rng(11));
    const g = resolveMlpConfig('generator', { inputDim: 8, depth: 2, outputDim: 3 });
    const d = resolveMlpConfig('discriminator', { inputDim: 3, width: 16, outputDim: 1 });
    expect(net.latentDim).toBe(8);
    expect(net.generatorParams.count()).toBe(mlpParameterCount(g));
    expect(net.discriminatorParams.count()).toBe(mlpParameterCount(d));
    const manual = new ParamStore();
    initMlp(manual, 'g', g, new Rng(11).fork('generator-init'));
    for (const name of manual.names()) expect(Array.from(net.generatorParams.get(name).dataSync())).toEqual(Array.from(manual.get(name).dataSync()));
    const before = tf.memory().numTensors;
    const z = new Rng(1).normalTensor([5, 8]);
    const x = net.generate(net.generatorParams, z, { training: false });
    const logits = net.discriminate(net.discriminatorParams, x, { training: false });
    expect([x.shape, logits.shape]).toEqual([[5, 3], [5]]);
    tf.dispose([z, x, logits]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('registers a plugin architecture; duplicate names, bad names and bad defaults are refused', () => {
    const plugin: ArchitectureDefinition = {
      name: 'test-arch',
      paper: 'none',
      description: 'a registry test',
      options: { depth: { type: 'integer', description: 'layers', default: 2, min: 1 } },
      check: (options, context) => getArchitecture('mlp').check(resolveArchitectureOptions('mlp', { gLayers: options.depth }), context),
      build: (options, context, rng) => getArchitecture('mlp').build(resolveArchitectureOptions('mlp', { gLayers: options.depth }), context, rng),
    };
    registerArchitecture(plugin);
    registerArchitecture(plugin); // the same definition again is a no-op
    expect(listArchitectures().map((a) => a.name)).toContain('test-arch');
    expect(resolveArchitectureOptions('test-arch', {})).toEqual({ depth: 2 });
    expect(() => registerArchitecture({ ...plugin })).toThrow("architecture 'test-arch' is already registered");
    expect(() => registerArchitecture({ ...plugin, name: 'Bad Name' })).toThrow('must be lowercase letters, digits and dashes');
    expect(() => registerArchitecture({ ...plugin, name: 'broken', options: { depth: { type: 'integer', description: 'x', default: 0, min: 1 } } })).toThrow(
      'architecture broken.depth: 0 is not allowed',
    );
  });
});
