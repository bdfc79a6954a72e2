/**
 * Hyperparameters of a loss, regularizer or plugin: declared once with type, default and bounds,
 * so `ganbench list` can show them and bad values fail before training with the field named.
 */
export interface HyperparamSpec {
  type: 'number' | 'integer' | 'boolean';
  description: string;
  /** Absent: the value is required. */
  default?: number | boolean;
  min?: number;
  /** min is exclusive: the value must be > min. */
  exclusiveMin?: boolean;
  max?: number;
}

export type HyperparamSpecs = Readonly<Record<string, HyperparamSpec>>;
export type Hyperparams = Readonly<Record<string, number | boolean>>;

function bounds(spec: HyperparamSpec): string {
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`${spec.exclusiveMin ? '>' : '≥'} ${spec.min}`);
  if (spec.max !== undefined) parts.push(`≤ ${spec.max}`);
  const article = spec.type === 'integer' ? 'an' : 'a';
  return parts.length === 0 ? `${article} ${spec.type}` : `${article} ${spec.type} ${parts.join(' and ')}`;
}

/** One line per hyperparameter, as `ganbench list` prints it: `γ (number > 0, required)`. */
export function describeHyperparam(name: string, spec: HyperparamSpec): string {
  const status = spec.default === undefined ? 'required' : `default ${spec.default}`;
  return `${name} (${bounds(spec).replace(/^an? /, '')}, ${status}): ${spec.description}`;
}

/** Fills defaults and checks every value; throws naming `owner.field`, the value and what is allowed. */
export function resolveHyperparams(owner: string, specs: HyperparamSpecs, given: Readonly<Record<string, unknown>> = {}): Hyperparams {
  for (const key of Object.keys(given)) {
    if (!(key in specs)) {
      const allowed = Object.keys(specs);
      throw new Error(`${owner}: unknown hyperparameter '${key}'; allowed: ${allowed.length === 0 ? 'none' : allowed.join(', ')}`);
    }
  }
  const resolved: Record<string, number | boolean> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = given[key] ?? spec.default;
    if (value === undefined) throw new Error(`${owner}.${key}: required (${bounds(spec)}: ${spec.description})`);
    if (spec.type === 'boolean') {
      if (typeof value !== 'boolean') throw new Error(`${owner}.${key}: ${JSON.stringify(value)} is not allowed; must be true or false`);
    } else {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (spec.type !== 'integer' || Number.isInteger(value)) &&
        (spec.min === undefined || (spec.exclusiveMin ? value > spec.min : value >= spec.min)) &&
        (spec.max === undefined || value <= spec.max);
      if (!ok) throw new Error(`${owner}.${key}: ${JSON.stringify(value)} is not allowed; must be ${bounds(spec)}`);
    }
    resolved[key] = value as number | boolean;
  }
  return resolved;
}
