import { describeHyperparam, type HyperparamSpecs } from '@ganbench/core';
import { listLosses } from '@ganbench/losses';
import { listRegularizers, NO_REGULARIZER } from '@ganbench/regularizers';
import { DIRAC_DEFAULTS, type DiracConfig, runDirac } from '@ganbench/toy-problems';
import { initBackendFromFlags, type ParsedFlags, UsageError } from './args.js';
import { loadPlugins, pluginList } from './plugins.js';

export interface RegistryEntry {
  name: string;
  kind: string;
  description: string;
  reference: string;
  params: HyperparamSpecs;
}

/** `ganbench list losses|regularizers`: every registered entry (plugins included) with its hyperparameters. */
export async function registryEntries(what: string | undefined, flags: ParsedFlags): Promise<RegistryEntry[]> {
  if (what !== 'losses' && what !== 'regularizers') throw new UsageError(`list: '${what ?? ''}' is not a registry; allowed: losses, regularizers`);
  await loadPlugins(pluginList(flags.plugin));
  return what === 'losses' ? listLosses().map((l) => ({ ...l, kind: 'loss' })) : listRegularizers();
}

export function formatEntries(entries: RegistryEntry[]): string {
  return entries
    .map((e) => {
      const params = Object.entries(e.params).map(([name, spec]) => `    ${describeHyperparam(name, spec)}`);
      return [`${e.name} (${e.kind}): ${e.description}`, `    ${e.reference}`, ...params].join('\n');
    })
    .join('\n');
}

function numberPair(value: string, field: string): [number, number] {
  const parts = value.split(',').map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite)) throw new UsageError(`${field}: '${value}' is not allowed; use two numbers, e.g. 1,1`);
  return parts as [number, number];
}

/** The regularizer's hyperparameters from the study flags the Dirac-GAN figure uses. */
function regularizerParams(reg: string, flags: ParsedFlags): Record<string, unknown> {
  const byName: Record<string, [string, string][]> = {
    r1: [['gamma', 'gamma']],
    r2: [['gamma', 'gamma']],
    'weight-clipping': [['clip', 'c']],
    'gradient-penalty': [
      ['lambda', 'lambda'],
      ['target', 'target'],
    ],
    dragan: [['lambda', 'lambda']],
    'instance-noise': [['sigma', 'sigma']],
  };
  const params: Record<string, unknown> = {};
  for (const [flag, param] of byName[reg] ?? []) if (flags[flag] !== undefined) params[param] = flags[flag];
  for (const flag of ['gamma', 'clip', 'lambda', 'sigma', 'target']) {
    if (flags[flag] !== undefined && !(byName[reg] ?? []).some(([f]) => f === flag)) throw new UsageError(`--${flag} does not apply to --reg ${reg}`);
  }
  return params;
}

export function diracConfig(flags: ParsedFlags): DiracConfig {
  const reg = (flags.reg as string | undefined) ?? NO_REGULARIZER;
  return {
    ...DIRAC_DEFAULTS,
    loss: (flags.loss as string | undefined) ?? DIRAC_DEFAULTS.loss,
    reg,
    regParams: regularizerParams(reg, flags),
    mode: ((flags.mode as string | undefined) ?? DIRAC_DEFAULTS.mode) as DiracConfig['mode'],
    dSteps: (flags['d-steps'] as number | undefined) ?? DIRAC_DEFAULTS.dSteps,
    lr: (flags.lr as number | undefined) ?? DIRAC_DEFAULTS.lr,
    steps: (flags.steps as number | undefined) ?? DIRAC_DEFAULTS.steps,
    init: flags.init === undefined ? DIRAC_DEFAULTS.init : numberPair(flags.init as string, '--init'),
    seed: (flags.seed as number | undefined) ?? DIRAC_DEFAULTS.seed,
  };
}

/** `ganbench toy dirac`: one Dirac-GAN run; JSON with the whole trajectory, or a one-line summary. */
export async function toyDirac(flags: ParsedFlags, out: (line: string) => void): Promise<void> {
  await loadPlugins(pluginList(flags.plugin));
  const config = diracConfig(flags);
  await initBackendFromFlags(flags);
  const run = runDirac(config);
  if (flags.json) return out(JSON.stringify(run));
  const [theta, psi] = run.trajectory[run.trajectory.length - 1] as [number, number];
  out(
    `${config.loss} + ${config.reg}, ${config.mode}, h=${config.lr}, ${config.steps} steps from (${config.init.join(', ')}): (θ, ψ) = (${theta.toPrecision(4)}, ${psi.toPrecision(4)}), distance ${run.final_distance.toPrecision(4)}`,
  );
}
