import { type OptionSpecs, type OptionValues, resolveOptions, tf } from '@ganbench/core';
import { spectralNorm } from './reparametrizations/spectralNorm.js';
import type { Reparametrization } from './types.js';

/**
 * A normalization of the discriminator, the third axis of Kurach et al. 2019 (Sec. 2.3) beside the
 * loss and the penalty. `architecture`: layers the architecture inserts between its own (it says which
 * it can take); `weights`: a reparametrization of every discriminator weight that the objective applies
 * on each forward pass, so any architecture that routes its weights through the weight transform takes it.
 */
export interface NormalizationDefinition {
  name: string;
  description: string;
  reference: string;
  params: OptionSpecs;
  appliedBy: 'architecture' | 'weights';
  /** For `weights`: the reparametrization, its hyperparameters resolved. */
  reparametrization?(params: OptionValues): Reparametrization;
}

export const NO_NORMALIZATION_NAME = 'none';

/**
 * Spectral normalization has this one name: the `spectral-norm` reparametrization of the registry
 * implements it and is not a regularizer a trial lists (records from before the axis that name it are
 * read as this normalization by @ganbench/study-folder).
 */
export const NORMALIZATIONS: readonly NormalizationDefinition[] = [
  {
    name: NO_NORMALIZATION_NAME,
    description: 'the architecture as it is',
    reference: 'Kurach et al. 2019, Sec. 2.3: the baseline of the normalization axis',
    params: {},
    appliedBy: 'architecture',
  },
  {
    name: 'batch',
    description: 'batch normalization after each hidden discriminator layer but the first, batch statistics in training',
    reference: 'Ioffe & Szegedy 2015; Radford et al. 2016 (DCGAN)',
    params: {},
    appliedBy: 'architecture',
  },
  {
    name: 'layer',
    description: 'layer normalization (over each sample’s features, learned gain and bias) after each hidden discriminator layer but the first',
    reference: 'Ba et al. 2016; Gulrajani et al. 2017 recommend it with the gradient penalty',
    params: {},
    appliedBy: 'architecture',
  },
  {
    name: 'spectral',
    description: 'every discriminator weight divided by its largest singular value, by power iteration from a persistent u saved with the parameters',
    reference: spectralNorm.reference,
    params: spectralNorm.params,
    appliedBy: 'weights',
    reparametrization: (params) => spectralNorm.create(params, tf) as Reparametrization,
  },
];

export function normalizationNames(): string[] {
  return NORMALIZATIONS.map((n) => n.name);
}

export function getNormalizationDefinition(name: string): NormalizationDefinition {
  const definition = NORMALIZATIONS.find((n) => n.name === name);
  if (definition === undefined) {
    const hint = name === spectralNorm.name ? " (spectral normalization is named 'spectral')" : '';
    throw new Error(`normalization: '${name}' is not allowed${hint}; allowed: ${normalizationNames().join(', ')}`);
  }
  return definition;
}

/** A normalization with its hyperparameters bound, and its weight reparametrization when it has one. */
export interface BoundNormalization {
  name: string;
  params: OptionValues;
  appliedBy: NormalizationDefinition['appliedBy'];
  reparametrization: Reparametrization | null;
}

export function createNormalization(name: string, params: Readonly<Record<string, unknown>> = {}): BoundNormalization {
  const definition = getNormalizationDefinition(name);
  const resolved = resolveOptions(`normalization ${name}`, definition.params, params);
  return { name, params: resolved, appliedBy: definition.appliedBy, reparametrization: definition.reparametrization?.(resolved) ?? null };
}
