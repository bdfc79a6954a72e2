import { describeHyperparam, type HyperparamSpecs, resolveHyperparams } from '@ganbench/core';
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

/** A string-valued option: what HyperparamSpec (numbers and booleans) cannot express. */
export interface ChoiceSpec<T extends string> {
  description: string;
  allowed: readonly T[];
  default: T;
}

/** An MLP role's options, each with a default and a description, for `ganbench list` and config checking. */
export interface MlpSpec {
  role: MlpRole;
  description: string;
  reference: string;
  hyperparams: HyperparamSpecs;
  choices: { activation: ChoiceSpec<MlpActivation>; init: ChoiceSpec<MlpInit> };
}

const METZ = 'Metz, Poole, Pfau, Sohl-Dickstein 2017, Unrolled GANs, Appendix A (mixture of Gaussians)';

const activationChoice: ChoiceSpec<MlpActivation> = {
  description: 'hidden-layer nonlinearity (leaky-relu has slope 0.2)',
  allowed: MLP_ACTIVATIONS,
  default: 'relu',
};

const initChoice: ChoiceSpec<MlpInit> = {
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
    hyperparams: {
      inputDim: { type: 'integer', description: 'latent dimension of z ~ N(0, I)', default: 256, min: 1 },
      width: { type: 'integer', description: 'units per hidden layer', default: 128, min: 1 },
      depth: { type: 'integer', description: 'number of hidden layers (0: linear)', default: 3, min: 0 },
      outputDim: { type: 'integer', description: 'dimension of a generated point', default: 2, min: 1 },
      initGain: { type: 'number', description: 'gain of the orthogonal initializer', default: 0.8, min: 0, exclusiveMin: true },
      inputScale: { type: 'number', description: 'factor applied to z before the first layer', default: 1, min: 0, exclusiveMin: true },
    },
    choices: { activation: activationChoice, init: initChoice },
  },
  discriminator: {
    role: 'discriminator',
    description: 'MLP discriminator: 2-D point → hidden layers → linear logit',
    reference: METZ,
    hyperparams: {
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
    },
    choices: { activation: activationChoice, init: initChoice },
  },
};

function checkRole(role: string): MlpSpec {
  const spec = (MLP_DEFAULTS as Record<string, MlpSpec | undefined>)[role];
  if (spec === undefined) throw new Error(`role: '${role}' is not allowed; allowed: ${Object.keys(MLP_DEFAULTS).join(', ')}`);
  return spec;
}

function resolveChoice<T extends string>(owner: string, key: string, spec: ChoiceSpec<T>, value: unknown): T {
  if (value === undefined) return spec.default;
  if (typeof value !== 'string' || !(spec.allowed as readonly string[]).includes(value)) {
    throw new Error(`${owner}.${key}: ${JSON.stringify(value)} is not allowed; allowed: ${spec.allowed.join(', ')}`);
  }
  return value as T;
}

/** Defaults filled in and every value checked; errors name `mlp <role>.<field>`, the value and what is allowed. */
export function resolveMlpConfig(role: MlpRole, given: Readonly<Record<string, unknown>> = {}): MlpConfig {
  const spec = checkRole(role);
  const owner = `mlp ${role}`;
  const known = [...Object.keys(spec.hyperparams), ...Object.keys(spec.choices)];
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw new Error(`${owner}: unknown option '${key}'; allowed: ${known.join(', ')}`);
  }
  const { activation, init, ...numbers } = given;
  const resolved = resolveHyperparams(owner, spec.hyperparams, numbers);
  return {
    inputDim: resolved.inputDim as number,
    width: resolved.width as number,
    depth: resolved.depth as number,
    outputDim: resolved.outputDim as number,
    initGain: resolved.initGain as number,
    inputScale: resolved.inputScale as number,
    activation: resolveChoice(owner, 'activation', spec.choices.activation, activation),
    init: resolveChoice(owner, 'init', spec.choices.init, init),
  };
}

/** One line per option, as `ganbench list` prints them. */
export function describeMlpOptions(role: MlpRole): string[] {
  const spec = checkRole(role);
  const numbers = Object.entries(spec.hyperparams).map(([name, s]) => describeHyperparam(name, s));
  const choices = Object.entries(spec.choices).map(
    ([name, c]: [string, ChoiceSpec<string>]) => `${name} (one of ${c.allowed.join(', ')}, default ${c.default}): ${c.description}`,
  );
  return [...numbers, ...choices];
}
