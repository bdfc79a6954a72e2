import { type OptionSpec, resolveOptions } from '@ganbench/core';
import { MLP_ACTIVATIONS, type MlpActivation } from './activations.js';

export const MLP_INITS = ['orthogonal', 'normal'] as const;
/** orthogonal: Saxe et al. 2014 with gain initGain; normal: core's initDense, N(0, 0.02²) as in DCGAN. */
export type MlpInit = (typeof MLP_INITS)[number];

export type MlpRole = 'generator' | 'discriminator';

/** Everything that fixes an MLP's parameters and forward pass. */
export interface MlpConfig {
  inputDim: number;
  /** Units of each hidden layer. */
  width: number;
  /** Number of hidden layers; 0 gives a linear map. */
  depth: number;
  outputDim: number;
  activation: MlpActivation;
  init: MlpInit;
  /** Gain of the orthogonal initializer (unused by 'normal'). */
  initGain: number;
  /** The input is multiplied by this before the first layer. */
  inputScale: number;
}

/** An MLP role's options, each with a default and a description, for `ganbench list` and config checking. */
export interface MlpSpec {
  role: MlpRole;
  description: string;
  reference: string;
  options: Readonly<Record<keyof MlpConfig, OptionSpec>>;
}

const METZ = 'Metz, Poole, Pfau, Sohl-Dickstein 2017, Unrolled GANs, Appendix A (mixture of Gaussians)';

const activationChoice: OptionSpec = {
  type: 'string',
  description: 'hidden-layer nonlinearity (leaky-relu has slope 0.2)',
  allowed: MLP_ACTIVATIONS,
  default: 'relu',
};

const initChoice: OptionSpec = {
  type: 'string',
  description: 'kernel initializer: orthogonal with gain initGain (Saxe et al. 2014), or normal N(0, 0.02²) (DCGAN); biases start at 0',
  allowed: MLP_INITS,
  default: 'orthogonal',
};

/** Defaults for the 2-D mixture experiments (sizes and their source: README.md); the output layer is linear (a point for G, a logit for D). */
export const MLP_DEFAULTS: Readonly<Record<MlpRole, MlpSpec>> = {
  generator: {
    role: 'generator',
    description: 'MLP generator: z ~ N(0, I) → hidden layers → linear 2-D point',
    reference: METZ,
    options: {
      inputDim: { type: 'integer', description: 'latent dimension of z ~ N(0, I)', default: 256, min: 1 },
      width: { type: 'integer', description: 'units per hidden layer', default: 128, min: 1 },
      depth: { type: 'integer', description: 'number of hidden layers (0: linear)', default: 3, min: 0 },
      outputDim: { type: 'integer', description: 'dimension of a generated point', default: 2, min: 1 },
      initGain: { type: 'number', description: 'gain of the orthogonal initializer', default: 0.8, min: 0, exclusiveMin: true },
      inputScale: { type: 'number', description: 'factor applied to z before the first layer', default: 1, min: 0, exclusiveMin: true },
      activation: activationChoice,
      init: initChoice,
    },
  },
  discriminator: {
    role: 'discriminator',
    description: 'MLP discriminator: 2-D point → hidden layers → linear logit',
    reference: METZ,
    options: {
      inputDim: { type: 'integer', description: 'dimension of a data point', default: 2, min: 1 },
      width: { type: 'integer', description: 'units per hidden layer', default: 256, min: 1 },
      depth: { type: 'integer', description: 'number of hidden layers (0: linear)', default: 4, min: 0 },
      outputDim: { type: 'integer', description: 'number of logits', default: 1, min: 1 },
      initGain: { type: 'number', description: 'gain of the orthogonal initializer', default: 0.8, min: 0, exclusiveMin: true },
      inputScale: {
        type: 'number',
        description: 'factor applied to the input before the first layer (Metz et al. 2017 divide by 4)',
        default: 1,
        min: 0,
        exclusiveMin: true,
      },
      activation: activationChoice,
      init: initChoice,
    },
  },
};

function checkRole(role: string): MlpSpec {
  const spec = (MLP_DEFAULTS as Record<string, MlpSpec | undefined>)[role];
  if (spec === undefined) throw new Error(`role: '${role}' is not allowed; allowed: ${Object.keys(MLP_DEFAULTS).join(', ')}`);
  return spec;
}

/** Defaults filled in and every value checked; errors name `mlp <role>.<field>`, the value and what is allowed. */
export function resolveMlpConfig(role: MlpRole, given: Readonly<Record<string, unknown>> = {}): MlpConfig {
  // The specs are keyed by MlpConfig's fields, and activation and init accept only their allowed names.
  return resolveOptions(`mlp ${role}`, checkRole(role).options, given) as unknown as MlpConfig;
}
