import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getRegularizerDefinition } from '@ganbench/regularizers';
import type { NamedParams } from '@ganbench/study-folder';
import {
  DIRAC_DEFAULTS,
  type DiracConfig,
  describeEigenvalues,
  diracEigenvalues,
  diracGame,
  diracRegularizersLabel,
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
import { initBackendFromFlags, type PairValue, type ParsedFlags, UsageError } from './args.js';
import { loadPlugins, pluginList } from './plugins.js';

function numberPair(value: string, field: string): [number, number] {
  const parts = value.split(',').map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite)) throw new UsageError(`${field}: '${value}' is not allowed; use two numbers, e.g. 1,1`);
  return parts as [number, number];
}

/** A configuration the flags built that does not validate is a usage error: exit 2, the field named. */
function asUsageError<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * `--loss L --loss-param k=v …` and `--regularizer R … --regularizer-param …` as the loss and the list of
 * regularizers. `--regularizer` repeats (none: no regularizer); `--regularizer-param R.p=v` goes to
 * regularizer R, a bare `p=v` to every given regularizer that takes p (to the only one, when one is given).
 */
export function objectiveFlags(flags: ParsedFlags, defaults: { loss: NamedParams }): { loss: NamedParams; regularizers: NamedParams[] } {
  const loss: NamedParams = {
    name: (flags.loss as string | undefined) ?? defaults.loss.name,
    params: (flags['loss-param'] as Record<string, PairValue> | undefined) ?? defaults.loss.params,
  };
  const given = ((flags.regularizer as string[] | undefined) ?? []).filter((name) => name !== 'none');
  if (given.length === 0 && flags.regularizer !== undefined && (flags.regularizer as string[]).length > 1)
    throw new UsageError("--regularizer: 'none' is not allowed beside other regularizers; leave it out");
  const pairs = Object.entries((flags['regularizer-param'] as Record<string, PairValue> | undefined) ?? {});
  const regularizers: NamedParams[] = given.map((name) => ({ name, params: {} }));
  for (const [key, value] of pairs) {
    const dot = key.indexOf('.');
    if (dot > 0) {
      const target = regularizers.find((r) => r.name === key.slice(0, dot));
      if (target === undefined)
        throw new UsageError(
          `--regularizer-param: '${key}' names regularizer '${key.slice(0, dot)}', which no --regularizer gives; given: ${given.join(', ') || 'none'}`,
        );
      target.params[key.slice(dot + 1)] = value;
      continue;
    }
    if (regularizers.length === 0) throw new UsageError(`--regularizer-param: '${key}' is not allowed without a --regularizer`);
    const takers = regularizers.length === 1 ? regularizers : regularizers.filter((r) => key in regularizerParamSpecs(r.name));
    if (takers.length === 0)
      throw new UsageError(`--regularizer-param: no given regularizer takes '${key}'; given: ${given.join(', ')} (name one: REGULARIZER.${key}=VALUE)`);
    for (const r of takers) r.params[key] = value;
  }
  return { loss, regularizers };
}

/** A registered regularizer's hyperparameters; none for an unknown name (compiling the objective names it). */
function regularizerParamSpecs(name: string): Readonly<Record<string, unknown>> {
  try {
    return getRegularizerDefinition(name).params;
  } catch {
    return {};
  }
}

export function diracConfig(flags: ParsedFlags): DiracConfig {
  return {
    ...DIRAC_DEFAULTS,
    ...objectiveFlags(flags, DIRAC_DEFAULTS),
    regularizer: undefined,
    optimizer: ((flags.optimizer as string | undefined) ?? DIRAC_DEFAULTS.optimizer) as DiracConfig['optimizer'],
    consensusGamma: (flags['consensus-gamma'] as number | undefined) ?? DIRAC_DEFAULTS.consensusGamma,
    mode: ((flags.mode as string | undefined) ?? DIRAC_DEFAULTS.mode) as DiracConfig['mode'],
    nDisc: (flags['n-disc'] as number | undefined) ?? DIRAC_DEFAULTS.nDisc,
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
  asUsageError(() => diracGame(config));
  await initBackendFromFlags(flags);
  const run = { ...runDirac(config), ...diracEigenvalues(config) };
  if (flags.json) {
    const { config: c, trajectory, eigenvalues, final_distance, note } = run;
    return out(JSON.stringify({ config: c, trajectory, eigenvalues, final_distance, ...(note === undefined ? {} : { note }) }));
  }
  const [theta, psi] = run.trajectory[run.trajectory.length - 1] as [number, number];
  out(
    `${config.loss.name} + ${diracRegularizersLabel(config)}${config.optimizer === 'consensus' ? ` + consensus γ=${config.consensusGamma}` : ''}, ${config.mode}, h=${config.lr}, ${config.steps} steps from (${config.init.join(', ')}): (θ, ψ) = (${theta.toPrecision(4)}, ${psi.toPrecision(4)}), distance ${run.final_distance.toPrecision(4)}`,
  );
  out(`eigenvalues of the Jacobian at (0, 0): ${describeEigenvalues(run, 4)}`);
}

const SINGLE_RUN_FLAGS = [
  'loss',
  'loss-param',
  'regularizer',
  'regularizer-param',
  'optimizer',
  'consensus-gamma',
  'mode',
  'n-disc',
  'lr',
  'steps',
  'init',
  'seed',
  'json',
];

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
  const study = asUsageError(() => parseDiracStudy(text, file));
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

/** The `mlp` architecture options a toy-mixture flag sets: its kebab-case name. */
export const MIXTURE_ARCHITECTURE_FLAGS = {
  'latent-dim': 'latentDim',
  'g-width': 'gWidth',
  'g-layers': 'gLayers',
  'd-width': 'dWidth',
  'd-layers': 'dLayers',
  activation: 'activation',
} as const;

export function mixtureConfig(flags: ParsedFlags): MixtureConfig {
  const pick = <K extends keyof MixtureConfig>(key: K, flag: string) => (flags[flag] as MixtureConfig[K] | undefined) ?? MIXTURE_DEFAULTS[key];
  const architecture: Record<string, unknown> = {};
  for (const [flag, option] of Object.entries(MIXTURE_ARCHITECTURE_FLAGS)) if (flags[flag] !== undefined) architecture[option] = flags[flag];
  return {
    ...MIXTURE_DEFAULTS,
    ...objectiveFlags(flags, MIXTURE_DEFAULTS),
    normalization: {
      name: (flags.normalization as string | undefined) ?? MIXTURE_DEFAULTS.normalization.name,
      params: (flags['normalization-param'] as Record<string, PairValue> | undefined) ?? {},
    },
    dataset: pick('dataset', 'dataset'),
    steps: pick('steps', 'steps'),
    nDisc: pick('nDisc', 'n-disc'),
    unrolledSteps: pick('unrolledSteps', 'unrolled-steps'),
    lr: pick('lr', 'lr'),
    batchSize: pick('batchSize', 'batch-size'),
    snapshots: pick('snapshots', 'snapshots'),
    evalSamples: pick('evalSamples', 'eval-samples'),
    seed: pick('seed', 'seed'),
    architecture,
  };
}

/** The regularizers and normalization of a mixture run in a folder name: `none`, `r1`, `gradient-penalty+r1-spectral`. */
function mixtureLabel(config: MixtureConfig): string {
  const regularizers = config.regularizers.map((r) => r.name).join('+') || 'none';
  const label = config.normalization.name === 'none' ? regularizers : `${regularizers}-${config.normalization.name}`;
  return config.unrolledSteps === 0 ? label : `${label}-unrolled${config.unrolledSteps}`;
}

/** `ganbench toy mixture`: trains on a 2-D mixture and writes snapshots and metrics. */
export async function toyMixture(flags: ParsedFlags, out: (line: string) => void): Promise<void> {
  await loadPlugins(pluginList(flags.plugin));
  const config = mixtureConfig(flags);
  asUsageError(() => validateMixtureConfig(config));
  const dir = (flags.out as string | undefined) ?? path.join('results', 'mixture', `${config.dataset}-${config.loss.name}-${mixtureLabel(config)}`);
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
