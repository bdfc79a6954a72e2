import { type BackendName, initBackend, resolveBackendName, resolveThreads } from '@ganbench/core';

/** A small, strict flag parser: unknown flags and missing values fail with the flag's name. */
export interface FlagSpec {
  [flag: string]: { kind: 'boolean' | 'string' | 'integer' | 'number'; description: string; default?: string };
}

export type ParsedFlags = Record<string, string | boolean | number | undefined>;

export class UsageError extends Error {}

export function parseFlags(argv: string[], spec: FlagSpec): { flags: ParsedFlags; positional: string[] } {
  const flags: ParsedFlags = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const def = spec[name];
    if (def === undefined)
      throw new UsageError(
        `unknown flag --${name}; allowed: ${Object.keys(spec)
          .map((f) => `--${f}`)
          .join(', ')}`,
      );
    if (def.kind === 'boolean') {
      flags[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (def.kind === 'integer') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: '${value}' is not allowed; use a non-negative integer`);
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

export function helpText(usage: string, summary: string, spec: FlagSpec): string {
  const rows = Object.entries(spec).map(([flag, d]) => {
    const left = `--${flag}${d.kind === 'boolean' ? '' : ` <${d.kind === 'integer' || d.kind === 'number' ? 'n' : 'value'}>`}`;
    return `  ${left.padEnd(24)} ${d.description}${d.default === undefined ? '' : ` (default: ${d.default})`}`;
  });
  return [`Usage: ${usage}`, '', summary, '', 'Options:', ...rows].join('\n');
}

/** `--backend` and `--threads` (or their environment variables) as every command that computes takes them. */
export function initBackendFromFlags(flags: ParsedFlags): Promise<BackendName> {
  return initBackend(resolveBackendName(flags.backend as string | undefined), { threads: resolveThreads(flags.threads as number | undefined) });
}
