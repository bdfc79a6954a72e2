import { type BackendName, initBackend, resolveBackendName, resolveThreads } from '@ganbench/core';

/**
 * One flag. The parser, the usage line and `--help` are all generated from these specs, so the help
 * is the one complete list of a command's flags. `pairs` is repeatable `--flag name=value`.
 */
export interface FlagDef {
  /** `strings`: a repeatable string flag, its values in order. */
  kind: 'boolean' | 'string' | 'integer' | 'number' | 'pairs' | 'strings';
  description: string;
  default?: string;
  /** How the value is shown in the usage line: N, FILE, LIST… (default by kind). */
  value?: string;
  /** The least value an integer flag takes (default 0). */
  min?: number;
}

export type FlagSpec = Readonly<Record<string, FlagDef>>;

export type PairValue = number | boolean;
export type ParsedFlags = Record<string, string | boolean | number | string[] | Record<string, PairValue> | undefined>;

export class UsageError extends Error {}

const VALUE_BY_KIND = { boolean: '', string: 'VALUE', integer: 'N', number: 'X', pairs: 'NAME=VALUE', strings: 'VALUE' } as const;

/** `name=value` with a number or true/false, as the registries' hyperparameters take. */
function parsePair(flag: string, text: string): [string, PairValue] {
  const at = text.indexOf('=');
  const name = text.slice(0, at);
  const raw = text.slice(at + 1);
  if (at < 1 || raw === '') throw new UsageError(`--${flag}: '${text}' is not allowed; use NAME=VALUE, e.g. --${flag} gamma=0.1`);
  if (raw === 'true' || raw === 'false') return [name, raw === 'true'];
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new UsageError(`--${flag}: '${text}' is not allowed; the value must be a number, true or false`);
  return [name, value];
}

export function parseFlags(argv: string[], spec: FlagSpec): { flags: ParsedFlags; positional: string[] } {
  const flags: ParsedFlags = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const def = spec[name];
    if (def === undefined)
      throw new UsageError(
        `unknown flag --${name}; allowed: ${Object.keys(spec)
          .map((f) => `--${f}`)
          .join(', ')}`,
      );
    if (def.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    // A flag's value never starts with '--': `--out --no-mlflow` is a missing value, not a folder named '--no-mlflow'.
    if (value === undefined || (inline === undefined && value.startsWith('--')))
      throw new UsageError(
        `--${name} needs a value${def.kind === 'strings' ? `; a value that starts with '--' goes after '=', e.g. --${name}=--qos=high` : ''}`,
      );
    if (def.kind === 'strings') {
      flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    } else if (def.kind === 'pairs') {
      const [key, pairValue] = parsePair(name, value);
      const pairs = (flags[name] as Record<string, PairValue> | undefined) ?? {};
      if (key in pairs) throw new UsageError(`--${name}: '${key}' is given twice`);
      flags[name] = { ...pairs, [key]: pairValue };
    } else if (def.kind === 'integer') {
      const n = Number(value);
      const min = def.min ?? 0;
      if (value.trim() === '' || !Number.isInteger(n) || n < min)
        throw new UsageError(`--${name}: '${value}' is not allowed; use ${min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`}`);
      flags[name] = n;
    } else if (def.kind === 'number') {
      const x = Number(value);
      if (value.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${name}: '${value}' is not allowed; use a number`);
      flags[name] = x;
    } else {
      flags[name] = value;
    }
  }
  return { flags, positional };
}

function flagSynopsis(flag: string, def: FlagDef): string {
  const value = def.value ?? VALUE_BY_KIND[def.kind];
  return value === '' ? `--${flag}` : `--${flag} ${value}`;
}

/** Words wrapped to `width` columns, continuation lines indented by `indent`. */
function wrap(words: readonly string[], width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** `ganbench NAME ARGS [--flag VALUE] …`, every flag of the spec, wrapped. */
export function usageLine(name: string, args: string | undefined, spec: FlagSpec): string {
  const parts = [`ganbench ${name}${args === undefined ? '' : ` ${args}`}`];
  for (const [flag, def] of Object.entries(spec)) if (flag !== 'help') parts.push(`[${flagSynopsis(flag, def)}]`);
  return wrap(parts, 100, '    ').join('\n');
}

export function helpText(name: string, args: string | undefined, summary: string, spec: FlagSpec): string {
  const left = Object.fromEntries(Object.entries(spec).map(([flag, def]) => [flag, flagSynopsis(flag, def)]));
  const pad = Math.max(...Object.values(left).map((s) => s.length)) + 2;
  const rows = Object.entries(spec).flatMap(([flag, def]) => {
    const text = `${def.description}${def.default === undefined ? '' : ` (default: ${def.default})`}${def.kind === 'pairs' || def.kind === 'strings' ? '; repeatable' : ''}`;
    return wrap([`  ${(left[flag] as string).padEnd(pad)}${text.split(' ')[0]}`, ...text.split(' ').slice(1)], 110, ' '.repeat(pad + 2));
  });
  return [`Usage: ${usageLine(name, args, spec)}`, '', summary, '', 'Options:', ...rows].join('\n');
}

/** `--backend` and `--threads` (or their environment variables) as every command that computes takes them. */
export function initBackendFromFlags(flags: ParsedFlags): Promise<BackendName> {
  return initBackend(resolveBackendName(flags.backend as string | undefined), { threads: resolveThreads(flags.threads as number | undefined) });
}
