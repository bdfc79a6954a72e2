import { type OptionValues, type Rng, resolveOptions } from '@ganbench/core';
import { autoencoderArchitecture } from './autoencoder/definition.js';
import { dcganArchitecture, sndcganArchitecture } from './dcgan/definitions.js';
import { mlpArchitecture } from './mlp/definition.js';
import { proganArchitecture } from './progan/definition.js';
import { saganArchitecture } from './sagan/definition.js';
import { stylegan2Architecture } from './stylegan2/definition.js';
import type { ArchitectureContext, ArchitectureDefinition, GanNetworks } from './types.js';

export const BUILT_IN_ARCHITECTURES: readonly ArchitectureDefinition[] = [
  mlpArchitecture,
  dcganArchitecture,
  sndcganArchitecture,
  saganArchitecture,
  proganArchitecture,
  stylegan2Architecture,
  autoencoderArchitecture,
];

const registry = new Map<string, ArchitectureDefinition>(BUILT_IN_ARCHITECTURES.map((d) => [d.name, d]));

/** Adds an architecture (a plugin's); its defaults must resolve, so a listed architecture always builds with no options. */
export function registerArchitecture(definition: ArchitectureDefinition): void {
  const existing = registry.get(definition.name);
  if (existing === definition) return;
  if (existing !== undefined) throw new Error(`architecture '${definition.name}' is already registered`);
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) throw new Error(`architecture name '${definition.name}' must be lowercase letters, digits and dashes`);
  resolveOptions(`architecture ${definition.name}`, definition.options, {});
  registry.set(definition.name, definition);
}

/** Every registered architecture; JSON.stringify drops `build`, leaving name, paper, description and options with defaults. */
export function listArchitectures(): ArchitectureDefinition[] {
  return [...registry.values()];
}

export function getArchitecture(name: string): ArchitectureDefinition {
  const definition = registry.get(name);
  if (definition === undefined) throw new Error(`architecture: unknown architecture '${name}'; registered: ${[...registry.keys()].join(', ')}`);
  return definition;
}

/** What an architecture that declares nothing takes: its own discriminator, or it with every weight spectrally normalized through the weight transform. */
export const DEFAULT_NORMALIZATIONS: readonly string[] = ['none', 'spectral'];

/** The architecture's own check, then whether it takes the context's normalization; errors name the architecture, the value and what it takes. */
export function checkArchitecture(name: string, options: Readonly<Record<string, unknown>>, context: ArchitectureContext): void {
  const definition = getArchitecture(name);
  definition.check(options as Parameters<ArchitectureDefinition['check']>[0], context);
  const normalization = context.normalization ?? 'none';
  const allowed = definition.normalizations ?? DEFAULT_NORMALIZATIONS;
  if (!allowed.includes(normalization))
    throw new Error(`architecture ${name}: normalization '${normalization}' is not allowed; ${name} takes ${allowed.join(', ')}`);
}

/** Defaults filled in and every value checked; errors name `architecture <name>.<option>`, the value and what is allowed. */
export function resolveArchitectureOptions(name: string, given: Readonly<Record<string, unknown>> = {}): OptionValues {
  return resolveOptions(`architecture ${name}`, getArchitecture(name).options, given);
}

/** Looks the architecture up, resolves its options and builds both networks: every check runs before any weight is drawn. */
export function createArchitecture(name: string, given: Readonly<Record<string, unknown>>, context: ArchitectureContext, rng: Rng): GanNetworks {
  return getArchitecture(name).build(resolveArchitectureOptions(name, given), context, rng);
}
