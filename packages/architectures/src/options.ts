import type { ArchitectureOptionSpec, ArchitectureOptionSpecs, ArchitectureOptions } from './types.js';

/** What a value must be, as error messages and `ganbench list` say it: `an integer ≥ 1`, `one of 4, 5`, `true or false`. */
function requirement(spec: ArchitectureOptionSpec): string {
  if (spec.allowed !== undefined) return `one of ${spec.allowed.join(', ')}`;
  if (spec.type === 'boolean') return 'true or false';
  if (spec.type === 'string') return 'a string';
  const bounds: string[] = [];
  if (spec.min !== undefined) bounds.push(`${spec.exclusiveMin ? '>' : '≥'} ${spec.min}`);
  if (spec.max !== undefined) bounds.push(`≤ ${spec.max}`);
  const kind = spec.type === 'integer' ? 'an integer' : 'a number';
  return bounds.length === 0 ? kind : `${kind} ${bounds.join(' and ')}`;
}

function accepts(spec: ArchitectureOptionSpec, value: unknown): boolean {
  if (spec.allowed !== undefined) return (typeof value === 'number' || typeof value === 'string') && spec.allowed.includes(value);
  switch (spec.type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    default:
      return (
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (spec.type !== 'integer' || Number.isInteger(value)) &&
        (spec.min === undefined || (spec.exclusiveMin ? value > spec.min : value >= spec.min)) &&
        (spec.max === undefined || value <= spec.max)
      );
  }
}

/** Fills defaults and checks every value; throws naming `owner.option`, the value and what is allowed. */
export function resolveOptions(owner: string, specs: ArchitectureOptionSpecs, given: Readonly<Record<string, unknown>>): ArchitectureOptions {
  const known = Object.keys(specs);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw new Error(`${owner}: unknown option '${key}'; allowed: ${known.length === 0 ? 'none' : known.join(', ')}`);
  }
  const resolved: Record<string, number | string | boolean> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = given[key] === undefined ? spec.default : given[key];
    if (!accepts(spec, value)) throw new Error(`${owner}.${key}: ${JSON.stringify(value)} is not allowed; must be ${requirement(spec)}`);
    resolved[key] = value as number | string | boolean;
  }
  return resolved;
}

/** One line per option, as `ganbench list` prints it: `width (integer ≥ 1, default 64): …`. */
export function describeOption(name: string, spec: ArchitectureOptionSpec): string {
  return `${name} (${requirement(spec).replace(/^an? /, '')}, default ${spec.default}): ${spec.description}`;
}
