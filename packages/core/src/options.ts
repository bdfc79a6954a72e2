/**
 * Options of a loss, regularizer, architecture or plugin: declared once with type, default and
 * bounds or allowed values, so `ganbench list` can show them and bad values fail before training
 * with the field named.
 */
export interface OptionSpec {
  type: 'number' | 'integer' | 'boolean' | 'string';
  description: string;
  /** Absent: the value is required. */
  default?: OptionValue;
  min?: number;
  /** min is exclusive: the value must be > min. */
  exclusiveMin?: boolean;
  max?: number;
  /** The only values accepted (every string option of a built-in has them); min and max then go unused. */
  allowed?: readonly (number | string)[];
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;
export type OptionValue = number | string | boolean;
/** Options with defaults filled in and every value checked (see resolveOptions). */
export type OptionValues = Readonly<Record<string, OptionValue>>;

/** What a value must be, as errors and `ganbench list` say it: `an integer ≥ 1`, `one of 4, 5`, `true or false`. */
function requirement(spec: OptionSpec): string {
  if (spec.allowed !== undefined) return `one of ${spec.allowed.join(', ')}`;
  if (spec.type === 'boolean') return 'true or false';
  if (spec.type === 'string') return 'a string';
  const bounds: string[] = [];
  if (spec.min !== undefined) bounds.push(`${spec.exclusiveMin ? '>' : '≥'} ${spec.min}`);
  if (spec.max !== undefined) bounds.push(`≤ ${spec.max}`);
  const kind = spec.type === 'integer' ? 'an integer' : 'a number';
  return bounds.length === 0 ? kind : `${kind} ${bounds.join(' and ')}`;
}

function accepts(spec: OptionSpec, value: unknown): boolean {
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

/** Fills defaults and checks every value; throws naming `owner.field`, the value and what is allowed. */
export function resolveOptions(owner: string, specs: OptionSpecs, given: Readonly<Record<string, unknown>> = {}): OptionValues {
  const known = Object.keys(specs);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw new Error(`${owner}: unknown option '${key}'; allowed: ${known.length === 0 ? 'none' : known.join(', ')}`);
  }
  const resolved: Record<string, OptionValue> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = given[key] === undefined ? spec.default : given[key];
    if (value === undefined) throw new Error(`${owner}.${key}: required (${requirement(spec)}: ${spec.description})`);
    if (!accepts(spec, value)) throw new Error(`${owner}.${key}: ${JSON.stringify(value)} is not allowed; must be ${requirement(spec)}`);
    resolved[key] = value as OptionValue;
  }
  return resolved;
}

/** One line per option, as `ganbench list` prints it: `width (integer ≥ 1, default 64): …`, `γ (number > 0, required): …`. */
export function describeOption(name: string, spec: OptionSpec): string {
  const status = spec.default === undefined ? 'required' : `default ${spec.default}`;
  return `${name} (${requirement(spec).replace(/^an? /, '')}, ${status}): ${spec.description}`;
}
