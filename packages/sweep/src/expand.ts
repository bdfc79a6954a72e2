import { Rng, resolveOptions } from '@ganbench/core';
import { type DatasetConfig, type NamedParams, type OptimizerConfig, type ParamValue, regularizersLabel, type TrialConfig } from '@ganbench/study-folder';
import { type TrialProblem, validateTrial } from '@ganbench/train';
import { formatPath, type Locator, type PathSegment, StudyError, show } from './errors.js';
import { trialId } from './ids.js';
import { architectureOptionType, paramSpecs, regularizerNames, resolveArchitecture } from './registries.js';
import { STUDY_TRIAL_LIMIT, type Study, studyRegularizers } from './schema.js';
import { type Assignment, type Axis, type CompiledSearch, compileSearch, type NumericDistribution } from './space.js';

/** A random draw keeps this many significant digits, so logged hyperparameters stay readable. */
const DRAW_DIGITS = 6;
/** A random search stops after this many draws in a row give no new setting: the space holds fewer than the budget. */
const FRUITLESS_DRAWS = 1000;

function named(
  study: Study,
  role: 'loss' | 'normalization',
  assignments: readonly Assignment[],
  fail: (where: PathSegment[], message: string) => never,
): NamedParams {
  const base = study[role];
  const chosen = assignments.find((a) => a.kind.kind === 'name' && a.kind.role === role);
  const name = typeof chosen?.value === 'string' ? chosen.value : base?.name;
  const where = chosen?.where ?? [role];
  if (name === undefined) return fail([role], `required: give the study a default ${role} or set ${role} in every point of the search space`);
  const specs = paramSpecs(role, name);
  // Conditional parameters: each goes only to the losses/regularizers that declare it.
  const given: Record<string, unknown> = {};
  for (const [param, value] of Object.entries(base?.params ?? {})) if (param in specs) given[param] = value;
  for (const a of assignments) if (a.kind.kind === 'param' && a.kind.role === role && a.kind.param in specs) given[a.kind.param] = a.value;
  try {
    return { name, params: { ...resolveOptions(`${role} ${name}`, specs, given) } };
  } catch (error) {
    return fail(where, (error as Error).message);
  }
}

/**
 * The trial's regularizers: the search space's list (names joined by '+') or the study's. Each takes the
 * study's default params that it declares (its own entry's last), then `regularizer.<p>` for every
 * regularizer declaring p and `regularizers.<name>.<p>` for that one.
 */
function regularizerList(study: Study, assignments: readonly Assignment[], fail: (where: PathSegment[], message: string) => never): NamedParams[] {
  const chosen = assignments.find((a) => a.kind.kind === 'name' && a.kind.role === 'regularizer');
  const where = chosen?.where ?? ['regularizers'];
  const defaults = studyRegularizers(study).list;
  const listed = chosen === undefined ? defaults.map((r) => r.name) : regularizerNames(chosen.value);
  if (typeof listed === 'string') return fail(where, listed);
  return listed.map((name) => {
    const specs = paramSpecs('regularizer', name);
    const given: Record<string, unknown> = {};
    const own = defaults.find((r) => r.name === name);
    for (const base of [...defaults.filter((r) => r !== own), ...(own === undefined ? [] : [own])])
      for (const [param, value] of Object.entries(base.params)) if (param in specs) given[param] = value;
    for (const a of assignments)
      if (a.kind.kind === 'param' && a.kind.role === 'regularizer' && (a.kind.target ?? name) === name && a.kind.param in specs) given[a.kind.param] = a.value;
    try {
      return { name, params: { ...resolveOptions(`regularizer ${name}`, specs, given) } };
    } catch (error) {
      return fail(where, (error as Error).message);
    }
  });
}

function optimizers(study: Study, assignments: readonly Assignment[]): { optimizer: OptimizerConfig; discriminatorOptimizer: OptimizerConfig } {
  const explicit = study.training.discriminatorOptimizer;
  const generator: Record<string, unknown> = { ...study.training.optimizer };
  const discriminator: Record<string, unknown> = { ...(explicit ?? study.training.optimizer) };
  // `training.optimizer.*` moves both players unless the study gives the discriminator its own optimizer;
  // `training.discriminatorOptimizer.*` comes last, so it wins over the shared value.
  for (const player of ['generator', 'discriminator'] as const) {
    for (const a of assignments) {
      if (a.kind.kind !== 'optimizer' || a.kind.player !== player) continue;
      if (player === 'generator') generator[a.kind.field] = a.value;
      if (player === 'discriminator' || explicit === undefined) discriminator[a.kind.field] = a.value;
    }
  }
  return { optimizer: generator as OptimizerConfig, discriminatorOptimizer: discriminator as OptimizerConfig };
}

/** The trial a setting of the search space gives, every default filled in. */
export function buildTrial(study: Study, assignments: readonly Assignment[], seed: number, locate: Locator = () => study.source): TrialConfig {
  const fail = (where: PathSegment[], message: string): never => {
    const setting = assignments.map((a) => `${formatPath(a.where)} = ${show(a.value)}`).join(', ');
    throw new StudyError(study.source, [`${locate(where)}: ${formatPath(where)}: ${message} (in the trial with ${setting || 'the defaults'}, seed ${seed})`]);
  };
  const loss = named(study, 'loss', assignments, fail);
  const regularizers = regularizerList(study, assignments, fail);
  const normalization = named(study, 'normalization', assignments, fail);
  const chosenArchitecture = assignments.find((a) => a.kind.kind === 'architectureName');
  const architecture = typeof chosenArchitecture?.value === 'string' ? chosenArchitecture.value : study.architecture.name;
  // Architecture options are conditional too: each goes only to the architectures that declare it.
  const declares = (option: string) => architectureOptionType(architecture, option) !== undefined;
  const options: Record<string, ParamValue> = {};
  for (const [option, value] of Object.entries(study.architecture.options))
    if (architecture === study.architecture.name || declares(option)) options[option] = value;
  const training = { ...study.training };
  for (const a of assignments) {
    if (a.kind.kind === 'architecture' && declares(a.kind.option)) options[a.kind.option] = a.value as ParamValue;
    if (a.kind.kind === 'training') (training as Record<string, unknown>)[a.kind.field] = a.value;
  }
  let architectureOptions: Record<string, ParamValue> = {};
  try {
    architectureOptions = resolveArchitecture(architecture, options);
  } catch (error) {
    fail(chosenArchitecture?.where ?? ['architecture'], (error as Error).message);
  }
  if (architectureOptions.batchSize !== undefined && architectureOptions.batchSize !== training.batchSize)
    fail(
      ['architecture', 'options', 'batchSize'],
      `${architectureOptions.batchSize} must equal training.batchSize (${training.batchSize}): ${architecture} counts images shown with it`,
    );
  const { name, resolution, channels, path } = study.dataset;
  const dataset: DatasetConfig = {
    name,
    ...(resolution === undefined ? {} : { resolution }),
    ...(channels === undefined ? {} : { channels }),
    ...(path === undefined ? {} : { path }),
  };
  return {
    dataset,
    architecture: { name: architecture, options: architectureOptions },
    loss,
    regularizers,
    normalization,
    training: {
      steps: training.steps,
      batchSize: training.batchSize,
      nDisc: training.nDisc,
      ...optimizers(study, assignments),
      emaDecay: training.emaDecay,
      unrolledSteps: training.unrolledSteps,
      checkpointEvery: training.checkpointEvery,
    },
    evaluation: { every: study.evaluation.every, samples: study.evaluation.samples, metrics: [...study.evaluation.metrics] },
    seed,
  };
}

/** Every combination of one point per axis, the first axis varying slowest. */
function gridSettings(axes: readonly Axis[]): Assignment[][] {
  let settings: Assignment[][] = [[]];
  for (const axis of axes) {
    if (axis.type !== 'points') continue;
    settings = settings.flatMap((setting) => axis.points.map((point) => [...setting, ...point]));
  }
  return settings;
}

const round = (x: number) => Number(x.toPrecision(DRAW_DIGITS));

/**
 * One draw from u ~ U[0, 1) by the inverse CDF: uniform and log-uniform on [lo, hi) (rounded to
 * DRAW_DIGITS significant digits unless that would reach hi), integers lo…hi equally likely.
 */
export function drawNumeric({ kind, lo, hi }: NumericDistribution, u: number): number {
  if (kind === 'intUniform') return Math.min(hi, lo + Math.floor(u * (hi - lo + 1)));
  if (hi === lo) return lo;
  const x = kind === 'uniform' ? lo + u * (hi - lo) : Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
  const rounded = round(x);
  if (rounded >= lo && rounded < hi) return rounded;
  return x >= lo && x < hi ? x : lo;
}

/** One setting: one uniform per axis, in the order the axes are written, so a bigger budget extends a smaller one. */
function drawSetting(axes: readonly Axis[], rng: Rng): Assignment[] {
  return axes.flatMap((axis) => {
    const u = rng.uniform();
    if (axis.type === 'points') return axis.points[Math.floor(u * axis.points.length)] ?? [];
    return [{ path: axis.path, kind: axis.kind, value: drawNumeric(axis.distribution, u), where: axis.where }];
  });
}

function withoutSeed(config: TrialConfig): string {
  return trialId({ ...config, seed: 0 });
}

/** Distinct settings: the grid's product, or random draws until `trials` distinct ones (fewer when the space has fewer). */
function settings(study: Study, compiled: CompiledSearch, locate: Locator, problems: Set<string>): Assignment[][] {
  if (study.search.kind === 'grid') return gridSettings(compiled.axes);
  const rng = new Rng(study.search.seed);
  const seen = new Set<string>();
  const out: Assignment[][] = [];
  const first = study.seeds[0] ?? 0;
  for (let fruitless = 0; out.length < study.search.trials && fruitless < FRUITLESS_DRAWS; ) {
    const setting = drawSetting(compiled.axes, rng);
    let key: string;
    try {
      key = withoutSeed(buildTrial(study, setting, first, locate));
    } catch (error) {
      // Every problem the draws meet is reported, not only the first; a bad draw still takes its place.
      if (!(error instanceof StudyError)) throw error;
      for (const problem of error.problems) problems.add(problem);
      key = JSON.stringify(setting.map((a) => [a.path, a.value]));
    }
    if (seen.has(key)) {
      fruitless++;
      continue;
    }
    fruitless = 0;
    seen.add(key);
    out.push(setting);
  }
  return out;
}

/** Trials a grid or random search would make, computed before any is built. */
function plannedTrials(study: Study, compiled: CompiledSearch): number {
  const settings =
    study.search.kind === 'random' ? study.search.trials : compiled.axes.reduce((n, axis) => n * (axis.type === 'points' ? axis.points.length : 1), 1);
  return settings * study.seeds.length;
}

/** Where a trial's setting is written: the search-space axis that set it, else the study's default. */
function whereSet(study: Study, field: TrialProblem['field']): PathSegment[] {
  if (field === 'dataset') return ['dataset', 'name'];
  if (field === 'evaluation.metrics') return ['evaluation', 'metrics'];
  if (field === 'training.batchSize') return 'training.batchSize' in study.search.space ? ['search', 'space', field] : ['training', 'batchSize'];
  if (field === 'regularizers' && 'regularizer' in study.search.space) return ['search', 'space', 'regularizer'];
  // An architecture that cannot take a normalization: the normalization axis, when the architecture is not an axis itself.
  if (field === 'architecture' && !('architecture' in study.search.space) && 'normalization' in study.search.space) return ['search', 'space', 'normalization'];
  return field in study.search.space ? ['search', 'space', field] : [field];
}

/**
 * All trials of a study, fully resolved and distinct: every setting of the search space (grid
 * product or random draws) once per seed, seeds outermost so a study stopped early has covered
 * the whole space at least once. Settings that resolve alike (a λ axis under a regularizer that
 * takes no λ) appear once.
 */
export function expandStudy(study: Study, locate: Locator = () => study.source): TrialConfig[] {
  const compiled = compileSearch(study, locate);
  const planned = plannedTrials(study, compiled);
  if (planned > STUDY_TRIAL_LIMIT)
    throw new StudyError(study.source, [
      `${locate(['search'])}: search: ${planned.toExponential(2)} trials (settings × ${study.seeds.length} seeds) is not allowed; at most ${STUDY_TRIAL_LIMIT.toLocaleString('en-US')} trials per study`,
    ]);
  const problems = new Set<string>();
  const all = settings(study, compiled, locate, problems);
  const seen = new Set<string>();
  const trials: TrialConfig[] = [];
  const trialProblems = new Map<string, string[]>();
  for (const seed of study.seeds) {
    for (const setting of all) {
      let config: TrialConfig;
      try {
        config = buildTrial(study, setting, seed, locate);
      } catch (error) {
        if (!(error instanceof StudyError)) throw error;
        for (const problem of error.problems) problems.add(problem);
        continue;
      }
      const id = trialId(config);
      if (seen.has(id)) continue;
      seen.add(id);
      trials.push(config);
      // One line per distinct problem, naming the first trial it was found in and how many share it.
      for (const { field, message } of validateTrial(config)) {
        const where = whereSet(study, field);
        const key = `${locate(where)}: ${formatPath(where)}: ${message}`;
        const names = trialProblems.get(key) ?? [];
        const normalization = config.normalization.name === 'none' ? '' : ` + ${config.normalization.name} norm`;
        names.push(`${config.loss.name} + ${regularizersLabel(config.regularizers)}${normalization}, seed ${seed}`);
        trialProblems.set(key, names);
      }
    }
  }
  for (const [problem, names] of trialProblems)
    problems.add(`${problem} (in ${names.length === 1 ? 'the trial' : `${names.length} trials, the first`} ${names[0]})`);
  if (problems.size > 0) throw new StudyError(study.source, [...problems]);
  return trials;
}
