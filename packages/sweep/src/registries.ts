import { getArchitecture, listArchitectures, resolveArchitectureOptions } from '@ganbench/architectures';
import type { OptionSpecs } from '@ganbench/core';
import { getLossDefinition, listLosses } from '@ganbench/losses';
import { getNormalizationDefinition, getRegularizerDefinition, listRegularizers, NO_REGULARIZER, normalizationNames } from '@ganbench/regularizers';
import type { ParamValue } from '@ganbench/study-folder';

/** What a study needs from the registries: names and the hyperparameters each one declares. */
export type Role = 'loss' | 'regularizer' | 'normalization';

export function paramSpecs(role: Role, name: string): OptionSpecs {
  if (role === 'loss') return getLossDefinition(name).params;
  if (role === 'normalization') return getNormalizationDefinition(name).params;
  return name === NO_REGULARIZER ? {} : getRegularizerDefinition(name).params;
}

export function registeredNames(role: Role): string[] {
  if (role === 'loss') return listLosses().map((d) => d.name);
  if (role === 'normalization') return normalizationNames();
  return [NO_REGULARIZER, ...listRegularizers().map((d) => d.name)];
}

/**
 * The regularizer names a search-space value gives: `none`, one name, or names joined by '+'
 * (`gradient-penalty+r1`); a string saying what is wrong when it is not that.
 */
export function regularizerNames(value: unknown): string[] | string {
  const allowed = `'none', a registered regularizer or several joined by '+' (${registeredNames('regularizer').join(', ')})`;
  if (typeof value !== 'string' || value === '') return `must be ${allowed}`;
  if (value === NO_REGULARIZER) return [];
  const names = value.split('+').map((n) => n.trim());
  for (const name of names) {
    if (name === 'spectral-norm') return "'spectral-norm' is not a regularizer: spectral normalization is normalization: spectral";
    if (name === NO_REGULARIZER || !registeredNames('regularizer').includes(name)) return `'${name}' is not allowed; must be ${allowed}`;
  }
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) return `'${repeated}' is listed twice; each regularizer once`;
  return names;
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
