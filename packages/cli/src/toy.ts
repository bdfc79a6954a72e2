import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NO_REGULARIZER } from '@ganbench/regularizers';
import {
  DIRAC_DEFAULTS,
  DIRAC_OPTIMIZERS,
  type DiracConfig,
  describeEigenvalues,
  diracEigenvalues,
  MIXTURE_DEFAULTS,
  type MixtureConfig,
  parseDiracStudy,
  runDirac,
  runDiracStudy,
  runMixture,
  validateMixtureConfig,
  writeDiracStudy,
  writeDivergences,
  writeMixtureRun,
} from '@ganbench/toy-problems';
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
  if (flags.study !== undefined) return diracStudy(flags, out);
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
  out(`eigenvalues of the Jacobian at (0, 0): ${describeEigenvalues(run, 4)}`);
}

const SINGLE_RUN_FLAGS = ['loss', 'reg', 'gamma', 'clip', 'lambda', 'target', 'sigma', 'optimizer', 'mode', 'd-steps', 'lr', 'steps', 'init', 'seed', 'json'];

/** `ganbench toy dirac --study FILE`: every run of the study file, then plots and summary.md in --out. */
async function diracStudy(flags: ParsedFlags, out: (line: string) => void): Promise<void> {
  const file = flags.study as string;
  const clash = SINGLE_RUN_FLAGS.filter((f) => flags[f] !== undefined);
  if (clash.length > 0) throw new UsageError(`--study takes its settings from ${file}; remove ${clash.map((f) => `--${f}`).join(', ')}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--study: cannot read '${file}': ${(error as Error).message}`);
  }
  const study = parseDiracStudy(text, file);
  const dir = path.resolve((flags.out as string | undefined) ?? 'results/dirac');
  const backend = await initBackendFromFlags(flags);
  const started = performance.now();
  const results = runDiracStudy(study, (r, i) =>
    out(`[${i + 1}/${study.runs.length}] ${r.row} · ${r.column}: distance ${r.final_distance.toExponential(2)} ${r.converged ? 'converged' : 'not converged'}`),
  );
  const seconds = (performance.now() - started) / 1000;
  const command = `ganbench toy dirac --study ${file}${flags.out === undefined ? '' : ` --out ${flags.out as string}`}`;
  const written = await writeDiracStudy(study, results, dir, { command, details: `backend ${backend}, ${study.runs.length} runs in ${seconds.toFixed(1)} s` });
  out(`${study.runs.length} runs in ${seconds.toFixed(1)} s on ${backend}; wrote ${written.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

/** `ganbench toy divergences`: JSD, KL and W₁ between δ₀ and δ_θ, plotted. */
export async function toyDivergences(flags: ParsedFlags, out: (line: string) => void): Promise<void> {
  const dir = (flags.out as string | undefined) ?? 'results/divergences';
  const written = await writeDivergences(path.resolve(dir), {
    command: `ganbench toy divergences${flags.out === undefined ? '' : ` --out ${dir}`}`,
    details: 'closed-form inputs, no training',
  });
  out(`wrote ${written.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

export function mixtureConfig(flags: ParsedFlags): MixtureConfig {
  const reg = (flags.reg as string | undefined) ?? NO_REGULARIZER;
  const pick = <K extends keyof MixtureConfig>(key: K, flag: string) => (flags[flag] as MixtureConfig[K] | undefined) ?? MIXTURE_DEFAULTS[key];
  return {
    ...MIXTURE_DEFAULTS,
    dataset: pick('dataset', 'dataset'),
    loss: pick('loss', 'loss'),
    reg,
    regParams: regularizerParams(reg, flags),
    steps: pick('steps', 'steps'),
    dSteps: pick('dSteps', 'd-steps'),
    lr: pick('lr', 'lr'),
    batchSize: pick('batchSize', 'batch-size'),
    snapshots: pick('snapshots', 'snapshots'),
    evalSamples: pick('evalSamples', 'eval-samples'),
    seed: pick('seed', 'seed'),
    generator: mlpOptions(flags, 'g'),
    discriminator: mlpOptions(flags, 'd'),
  };
}

/** --g-width, --g-depth (or --d-…) and --activation as MLP options; unset ones keep MLP_DEFAULTS. */
function mlpOptions(flags: ParsedFlags, player: 'g' | 'd'): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (flags[`${player}-width`] !== undefined) options.width = flags[`${player}-width`];
  if (flags[`${player}-depth`] !== undefined) options.depth = flags[`${player}-depth`];
  if (flags.activation !== undefined) options.activation = flags.activation;
  return options;
}

/** `ganbench toy mixture`: trains on a 2-D mixture and writes snapshots and metrics. */
export async function toyMixture(flags: ParsedFlags, out: (line: string) => void): Promise<void> {
  await loadPlugins(pluginList(flags.plugin));
  const config = mixtureConfig(flags);
  validateMixtureConfig(config);
  const dir = (flags.out as string | undefined) ?? path.join('results', 'mixture', `${config.dataset}-${config.loss}-${config.reg}`);
  const backend = await initBackendFromFlags(flags);
  const started = performance.now();
  const run = runMixture(config, (s) => {
    if (!flags.json)
      out(
        `step ${s.step}: ${s.modes_covered} modes covered, ${(100 * s.high_quality).toFixed(1)}% high quality, Fréchet ${s.frechet.toFixed(4)}, D loss ${s.d_loss.toFixed(3)}, G loss ${s.g_loss.toFixed(3)}`,
      );
  });
  const seconds = (performance.now() - started) / 1000;
  const given = process.argv.slice(2).join(' ');
  const written = await writeMixtureRun(run, path.resolve(dir), { command: `ganbench ${given}`, details: `backend ${backend}, ${seconds.toFixed(0)} s` });
  if (flags.json) return out(JSON.stringify({ config, snapshots: run.snapshots.map(({ fake, ...rest }) => rest), files: written }));
  out(`${seconds.toFixed(0)} s on ${backend}; wrote ${written.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}
