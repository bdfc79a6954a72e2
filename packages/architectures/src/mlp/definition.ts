import { type OptionSpec, type OptionSpecs, ParamStore, resolveOptions, tf } from '@ganbench/core';
import type { ArchitectureDefinition } from '../types.js';
import { MLP_DEFAULTS, resolveMlpConfig } from './config.js';
import { initMlp, mlp, mlpHidden } from './mlp.js';

/** An MLP option under the registry's name, its default and bounds kept, so the two never drift apart. */
const fromMlp = (spec: OptionSpec, description = spec.description): OptionSpec => ({ ...spec, description });

const G = MLP_DEFAULTS.generator.options;
const D = MLP_DEFAULTS.discriminator.options;

export const MLP_OPTIONS: OptionSpecs = {
  latentDim: fromMlp(G.inputDim),
  gWidth: fromMlp(G.width, 'units per hidden layer of G'),
  gLayers: fromMlp(G.depth, 'hidden layers of G (0: linear)'),
  dWidth: fromMlp(D.width, 'units per hidden layer of D'),
  dLayers: fromMlp(D.depth, 'hidden layers of D (0: linear)'),
  activation: fromMlp(G.activation, `${G.activation.description}, in G and D`),
  init: fromMlp(G.init),
  initGain: fromMlp(G.initGain),
  dInputScale: fromMlp(D.inputScale),
};

/** The point dimension D of dataShape [D]. */
function pointDim(dataShape: readonly number[]): number {
  const [d] = dataShape;
  if (dataShape.length !== 1 || !Number.isInteger(d) || (d as number) < 1) {
    throw new Error(`architecture mlp: dataShape [${dataShape.join(', ')}] is not allowed; must be [D] with D an integer ≥ 1 (points, not images)`);
  }
  return d as number;
}

/** The generator's and discriminator's MLP configurations from the architecture's options and the point dimension. */
function mlpConfigs(options: Readonly<Record<string, unknown>>, dataShape: readonly number[]) {
  const dim = pointDim(dataShape);
  const o = resolveOptions('architecture mlp', MLP_OPTIONS, options);
  const shared = { activation: o.activation, init: o.init, initGain: o.initGain };
  const generator = resolveMlpConfig('generator', { ...shared, inputDim: o.latentDim, width: o.gWidth, depth: o.gLayers, outputDim: dim });
  const discriminator = resolveMlpConfig('discriminator', {
    ...shared,
    inputDim: dim,
    width: o.dWidth,
    depth: o.dLayers,
    outputDim: 1,
    inputScale: o.dInputScale,
  });
  return { generator, discriminator };
}

export const mlpArchitecture: ArchitectureDefinition = {
  name: 'mlp',
  paper: 'Metz, Poole, Pfau, Sohl-Dickstein 2017, Unrolled GANs, Appendix A (mixture of Gaussians)',
  description: 'fully connected G and D for 2-D toy data: z → hidden layers → linear point; point → hidden layers → linear logit',
  options: MLP_OPTIONS,
  features: true,
  check(options, context) {
    mlpConfigs(options, context.dataShape);
  },
  build(options, context, rng) {
    const { generator, discriminator } = mlpConfigs(options, context.dataShape);
    const generatorParams = new ParamStore();
    initMlp(generatorParams, 'g', generator, rng.fork('generator-init'));
    const discriminatorParams = new ParamStore();
    initMlp(discriminatorParams, 'd', discriminator, rng.fork('discriminator-init'));
    return {
      generatorParams,
      discriminatorParams,
      latentDim: generator.inputDim,
      generate: (params, z, { weightTransform }) => mlp(params, 'g', z, generator, weightTransform === undefined ? {} : { weightTransform }),
      discriminate: (params, x, { weightTransform }) =>
        tf.tidy(() => tf.reshape(mlp(params, 'd', x, discriminator, weightTransform === undefined ? {} : { weightTransform }), [-1])),
      features: (params, x, { weightTransform }) => mlpHidden(params, 'd', x, discriminator, weightTransform === undefined ? {} : { weightTransform }),
    };
  },
};
