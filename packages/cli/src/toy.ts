import { NO_REGULARIZER } from '@ganbench/regularizers';
import { DIRAC_DEFAULTS, DIRAC_OPTIMIZERS, type DiracConfig, diracEigenvalues, runDirac } from '@ganbench/toy-problems';
import { initBackendFromFlags, type ParsedFlags, UsageError } from './args.js';
import { loadPlugins, pluginList } from './plugins.js';

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
  const optimizer = (flags.optimizer as string | undefined) ?? DIRAC_DEFAULTS.optimizer;
  if (!(DIRAC_OPTIMIZERS as readonly string[]).includes(optimizer))
    throw new UsageError(`--optimizer: '${optimizer}' is not allowed; allowed: ${DIRAC_OPTIMIZERS.join(', ')}`);
  // --gamma is consensus's γ under --optimizer consensus, so it cannot also set a regularizer's γ.
  const consensus = optimizer === 'consensus';
  if (consensus && flags.gamma !== undefined && (reg === 'r1' || reg === 'r2'))
    throw new UsageError(`--gamma is ambiguous with --optimizer consensus and --reg ${reg}; run the study file for consensus on top of ${reg}`);
  return {
    ...DIRAC_DEFAULTS,
    loss: (flags.loss as string | undefined) ?? DIRAC_DEFAULTS.loss,
    reg,
    regParams: regularizerParams(reg, consensus ? { ...flags, gamma: undefined } : flags),
    optimizer: optimizer as DiracConfig['optimizer'],
    consensusGamma: consensus ? ((flags.gamma as number | undefined) ?? DIRAC_DEFAULTS.consensusGamma) : DIRAC_DEFAULTS.consensusGamma,
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
  const run = { ...runDirac(config), ...diracEigenvalues(config) };
  if (flags.json) {
    const { config: c, trajectory, eigenvalues, final_distance, note } = run;
    return out(JSON.stringify({ config: c, trajectory, eigenvalues, final_distance, ...(note === undefined ? {} : { note }) }));
  }
  const [theta, psi] = run.trajectory[run.trajectory.length - 1] as [number, number];
  out(
    `${config.loss} + ${config.reg}${config.optimizer === 'consensus' ? ` + consensus γ=${config.consensusGamma}` : ''}, ${config.mode}, h=${config.lr}, ${config.steps} steps from (${config.init.join(', ')}): (θ, ψ) = (${theta.toPrecision(4)}, ${psi.toPrecision(4)}), distance ${run.final_distance.toPrecision(4)}`,
  );
  out(
    `eigenvalues of the Jacobian at (0, 0): ${run.eigenvalues === null ? 'none' : run.eigenvalues.map(formatComplex).join(', ')}${run.note === undefined ? '' : ` (${run.note})`}`,
  );
}

const formatComplex = ([re, im]: [number, number]) => `${re.toFixed(4)}${im >= 0 ? '+' : '−'}${Math.abs(im).toFixed(4)}i`;
