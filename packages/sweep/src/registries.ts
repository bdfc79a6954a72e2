import { getArchitecture, listArchitectures, resolveArchitectureOptions } from '@ganbench/architectures';
import type { OptionSpecs } from '@ganbench/core';
import { getLossDefinition, listLosses } from '@ganbench/losses';
import { getRegularizerDefinition, listRegularizers, NO_REGULARIZER } from '@ganbench/regularizers';
import type { ParamValue } from '@ganbench/study-folder';

/** What a study needs from the registries: names and the hyperparameters each one declares. */
export type Role = 'loss' | 'regularizer';

export function paramSpecs(role: Role, name: string): OptionSpecs {
  if (role === 'loss') return getLossDefinition(name).params;
  return name === NO_REGULARIZER ? {} : getRegularizerDefinition(name).params;
}

export function registeredNames(role: Role): string[] {
  return role === 'loss' ? listLosses().map((d) => d.name) : [NO_REGULARIZER, ...listRegularizers().map((d) => d.name)];
}

export function isRegistered(role: Role, name: string): boolean {
  return registeredNames(role).includes(name);
}

/** Architecture options with defaults filled in; throws naming the option, the value and what is allowed. */
export function resolveArchitecture(name: string, given: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  return { ...resolveArchitectureOptions(name, given) };
}

export function architectureNames(): string[] {
  return listArchitectures().map((a) => a.name);
}

/** The declared type of an architecture option, or undefined when the architecture or option is unknown. */
export function architectureOptionType(name: string, option: string): string | undefined {
  try {
    return getArchitecture(name).options[option]?.type;
  } catch {
    return undefined;
  }
}
