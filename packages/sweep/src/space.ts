import { type OptionSpec, resolveOptions } from '@ganbench/core';
import { OPTIMIZER_FIELDS, TRAINING_FIELDS } from '@ganbench/study-folder';
import type { z } from 'zod';
import { describeIssue, formatPath, type Locator, type PathSegment, StudyError, show } from './errors.js';
import {
  architectureNames,
  architectureOptionType,
  isRegistered,
  paramSpecs,
  type Role,
  registeredNames,
  regularizerNames,
  resolveArchitecture,
} from './registries.js';
import { type Distribution, type Point, type Scalar, type Study, studyRegularizers } from './schema.js';

/** What a search-space key points at in a trial. */
export type PathKind =
  | { kind: 'name'; role: Role }
  | { kind: 'param'; role: Role; param: string; target?: string }
  | { kind: 'architectureName' }
  | { kind: 'architecture'; option: string }
  | { kind: 'training'; field: 'nDisc' | 'batchSize' | 'emaDecay' | 'unrolledSteps' }
  | { kind: 'optimizer'; player: 'generator' | 'discriminator'; field: string };

export const PATH_HELP =
  'loss, regularizers (or regularizer), normalization, loss.<param>, regularizer.<param>, regularizers.<name>.<param>, normalization.<param>, architecture, architecture.<option>, training.nDisc, training.batchSize, training.emaDecay, training.unrolledSteps, ' +
  'training.optimizer.<lr|beta1|beta2|decay|momentum>, training.discriminatorOptimizer.<lr|beta1|beta2|decay|momentum>';

const OPTIMIZER_PATH = /^training\.(optimizer|discriminatorOptimizer)\.(lr|beta1|beta2|decay|momentum)$/;
const TRAINING_PATH = /^training\.(nDisc|batchSize|emaDecay|unrolledSteps)$/;

export function classifyPath(path: string): PathKind | undefined {
  if (path === 'loss' || path === 'normalization') return { kind: 'name', role: path };
  if (path === 'regularizer' || path === 'regularizers') return { kind: 'name', role: 'regularizer' };
  if (path === 'architecture') return { kind: 'architectureName' };
  const optimizer = OPTIMIZER_PATH.exec(path);
  if (optimizer !== null) return { kind: 'optimizer', player: optimizer[1] === 'optimizer' ? 'generator' : 'discriminator', field: optimizer[2] as string };
  const training = TRAINING_PATH.exec(path);
  if (training !== null) return { kind: 'training', field: training[1] as 'nDisc' | 'batchSize' | 'emaDecay' | 'unrolledSteps' };
  const dot = path.indexOf('.');
  const head = path.slice(0, dot);
  const rest = path.slice(dot + 1);
  if (dot <= 0 || rest === '') return undefined;
  if ((head === 'loss' || head === 'regularizer' || head === 'normalization') && !rest.includes('.')) return { kind: 'param', role: head, param: rest };
  const targeted = /^([a-z][a-z0-9-]*)\.([A-Za-z][A-Za-z0-9_]*)$/.exec(rest);
  if (head === 'regularizers' && targeted !== null) return { kind: 'param', role: 'regularizer', param: targeted[2] as string, target: targeted[1] as string };
  if (head === 'architecture' && rest !== 'name') return { kind: 'architecture', option: rest };
  return undefined;
}

/** One path set to one value by the search space; `where` is its YAML path, `owner` the loss/regularizer its own point names. */
export interface Assignment {
  path: string;
  kind: PathKind;
  value: Scalar;
  where: PathSegment[];
  owner?: string;
}

export type NumericDistribution = { kind: 'logUniform' | 'uniform' | 'intUniform'; lo: number; hi: number };

/** One axis of the search: a list of points (grid values, random choices) or a numeric distribution on one path. */
export type Axis =
  | { key: string; where: PathSegment[]; type: 'points'; points: Assignment[][] }
  | { key: string; where: PathSegment[]; type: 'numeric'; path: string; kind: PathKind; distribution: NumericDistribution };

export interface CompiledSearch {
  axes: Axis[];
  /** Names each role can take in some trial: the study's default and every value the space gives. */
  names: Record<Role | 'architecture', string[]>;
}

const isMapping = (value: unknown): value is Record<string, Scalar> => typeof value === 'object' && value !== null && !Array.isArray(value);
const AXIS_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

class Problems {
  readonly list: string[] = [];
  constructor(private readonly locate: Locator) {}
  add(where: readonly PathSegment[], message: string, value?: unknown): void {
    const found = value === undefined ? '' : ` (got ${show(value)})`;
    this.list.push(`${this.locate(where)}: ${formatPath(where)}: ${message}${found}`);
  }
}

function pointAssignments(key: string, kind: PathKind | undefined, point: Point, where: PathSegment[], problems: Problems): Assignment[] {
  if (kind !== undefined) {
    if (isMapping(point)) {
      problems.add(where, `'${key}' is a path, so each value must be a single value; a mapping of paths belongs under an axis name (e.g. variant)`, point);
      return [];
    }
    return [{ path: key, kind, value: point, where }];
  }
  if (!isMapping(point)) return [];
  const owners: Partial<Record<Role | 'architecture', string>> = {};
  for (const role of ['loss', 'regularizer', 'normalization', 'architecture'] as const) if (typeof point[role] === 'string') owners[role] = point[role];
  if (typeof point.regularizers === 'string') owners.regularizer = point.regularizers;
  const out: Assignment[] = [];
  for (const [path, value] of Object.entries(point)) {
    const entryKind = classifyPath(path);
    if (entryKind === undefined) {
      problems.add([...where, path], `unknown path; allowed: ${PATH_HELP}`);
      continue;
    }
    const owner = entryKind.kind === 'param' ? owners[entryKind.role] : entryKind.kind === 'architecture' ? owners.architecture : undefined;
    out.push({ path, kind: entryKind, value, where: [...where, path], ...(owner === undefined ? {} : { owner }) });
  }
  return out;
}

function compileAxis(key: string, value: Point[] | Distribution, problems: Problems): Axis | undefined {
  const where: PathSegment[] = ['search', 'space', key];
  const kind = classifyPath(key);
  const isList = Array.isArray(value);
  const points = isList ? value : value.choice;
  if (kind === undefined && (!AXIS_NAME.test(key) || points === undefined || !points.every(isMapping))) {
    problems.add(where, `unknown path; allowed: ${PATH_HELP}, or an axis name (letters, digits, _ and -) whose values are mappings of those paths to values`);
    return undefined;
  }
  if (points !== undefined) {
    const pointWhere = (i: number): PathSegment[] => (isList ? [...where, i] : [...where, 'choice', i]);
    return { key, where, type: 'points', points: points.map((point, i) => pointAssignments(key, kind, point, pointWhere(i), problems)) };
  }
  const distribution = value as Distribution;
  const [name, range] = Object.entries(distribution)[0] as [NumericDistribution['kind'], [number, number]];
  const numeric: Axis = { key, where, type: 'numeric', path: key, kind: kind as PathKind, distribution: { kind: name, lo: range[0], hi: range[1] } };
  return numeric;
}

/** The names an owner value stands for: the regularizers of a '+' list, else the one name. */
function ownerNames(role: Role, owner: string): string[] {
  if (role !== 'regularizer') return [owner];
  const names = regularizerNames(owner);
  return typeof names === 'string' ? [] : names;
}

/** Option specs of `param` for each name of `role` that declares it. */
function declaring(role: Role, param: string, names: readonly string[]): [string, OptionSpec][] {
  const out: [string, OptionSpec][] = [];
  for (const name of names) {
    const spec = isRegistered(role, name) ? paramSpecs(role, name)[param] : undefined;
    if (spec !== undefined) out.push([name, spec]);
  }
  return out;
}

function takes(role: Role, names: readonly string[]): string {
  const known = names.filter((name) => isRegistered(role, name));
  const taking = known.filter((name) => Object.keys(paramSpecs(role, name)).length > 0);
  if (taking.length === 0) return `${known.join(', ') || 'none of them'} take${known.length === 1 ? 's' : ''} no hyperparameters`;
  return taking.map((name) => `${name} takes ${Object.keys(paramSpecs(role, name)).join(', ')}`).join('; ');
}

function zodProblem(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : result.error.issues.map(describeIssue).join('; ');
}

export function optimizerNames(study: Study): Record<'generator' | 'discriminator', keyof typeof OPTIMIZER_FIELDS> {
  return { generator: study.training.optimizer.name, discriminator: (study.training.discriminatorOptimizer ?? study.training.optimizer).name };
}

/** Why `value` cannot go to this path in any trial of the study, or undefined when it can. */
function checkValue(study: Study, names: CompiledSearch['names'], kind: PathKind, value: Scalar, owner?: string): string | undefined {
  switch (kind.kind) {
    case 'name': {
      if (kind.role === 'regularizer') {
        const listed = regularizerNames(value);
        return typeof listed === 'string' ? listed : undefined;
      }
      return typeof value === 'string' && isRegistered(kind.role, value)
        ? undefined
        : `must be a registered ${kind.role}: ${registeredNames(kind.role).join(', ')}`;
    }
    case 'param': {
      if (kind.target !== undefined && !names[kind.role].includes(kind.target))
        return `no trial of this study has regularizer '${kind.target}'; its regularizers: ${names[kind.role].join(', ') || 'none'}`;
      const candidates = kind.target !== undefined ? [kind.target] : owner === undefined ? names[kind.role] : ownerNames(kind.role, owner);
      const specs = declaring(kind.role, kind.param, candidates);
      if (specs.length === 0)
        return `no ${kind.role} ${owner === undefined && kind.target === undefined ? 'in this study' : `'${candidates.join('+')}'`} takes '${kind.param}'; ${takes(kind.role, candidates)}`;
      for (const [name, spec] of specs) {
        try {
          resolveOptions(`${kind.role} ${name}`, { [kind.param]: spec }, { [kind.param]: value });
        } catch (error) {
          return (error as Error).message;
        }
      }
      return undefined;
    }
    case 'architectureName':
      return typeof value === 'string' && architectureNames().includes(value)
        ? undefined
        : `must be a registered architecture: ${architectureNames().join(', ')}`;
    case 'architecture': {
      if (value === null) return 'must be a string, number or boolean';
      // Conditional like loss parameters: an option goes only to the architectures that declare it.
      const candidates = (owner === undefined ? names.architecture : [owner]).filter((name) => architectureOptionType(name, kind.option) !== undefined);
      if (candidates.length === 0) return `no architecture ${owner === undefined ? 'in this study' : `'${owner}'`} takes '${kind.option}'`;
      for (const name of candidates) {
        try {
          resolveArchitecture(name, { [kind.option]: value });
        } catch (error) {
          return (error as Error).message;
        }
      }
      return undefined;
    }
    case 'training':
      return zodProblem(TRAINING_FIELDS[kind.field], value);
    case 'optimizer': {
      const name = optimizerNames(study)[kind.player];
      const fields = OPTIMIZER_FIELDS[name] as Record<string, z.ZodType>;
      const field = fields[kind.field];
      if (field === undefined) return `the ${kind.player}'s optimizer is ${name}, which takes ${Object.keys(fields).join(', ')}`;
      return zodProblem(field, value);
    }
  }
}

/** Integer-valued paths, which a continuous distribution cannot feed. */
function integerPath(kind: PathKind, names: CompiledSearch['names']): boolean {
  if (kind.kind === 'training') return kind.field !== 'emaDecay';
  if (kind.kind === 'param') return declaring(kind.role, kind.param, names[kind.role]).some(([, spec]) => spec.type === 'integer');
  return kind.kind === 'architecture' && names.architecture.some((name) => architectureOptionType(name, kind.option) === 'integer');
}

function checkNumeric(study: Study, names: CompiledSearch['names'], axis: Extract<Axis, { type: 'numeric' }>, problems: Problems): void {
  const { kind, distribution } = axis;
  const where = [...axis.where, distribution.kind];
  const optionTypes = kind.kind === 'architecture' ? names.architecture.map((name) => architectureOptionType(name, kind.option)) : [];
  const nonNumeric =
    kind.kind === 'name' ||
    kind.kind === 'architectureName' ||
    optionTypes.includes('string') ||
    optionTypes.includes('boolean') ||
    (kind.kind === 'param' && declaring(kind.role, kind.param, names[kind.role]).some(([, s]) => s.type === 'boolean'));
  if (nonNumeric) {
    problems.add(where, 'this path takes names or booleans: use choice');
    return;
  }
  if (distribution.kind !== 'intUniform' && integerPath(kind, names)) {
    problems.add(where, 'this path takes integers: use intUniform or choice');
    return;
  }
  // Continuous draws lie in [lo, hi): hi is a bound, so uniform [0, 1] suits β₁ < 1 as in Lucic et al.
  const { lo, hi } = distribution;
  const highest = distribution.kind === 'intUniform' || hi === lo ? hi : hi - (hi - lo) * 1e-9;
  for (const [i, [end, probe]] of [
    [lo, lo],
    [hi, highest],
  ].entries()) {
    const problem = checkValue(study, names, kind, probe as number);
    if (problem !== undefined) problems.add([...where, i], problem, end);
  }
}

function checkOverlaps(axes: readonly Axis[], problems: Problems): void {
  const owner = new Map<string, Axis>();
  for (const axis of axes) {
    // `regularizer` and `regularizers` are one path.
    const canonical = (path: string) => (path === 'regularizer' ? 'regularizers' : path);
    const paths = axis.type === 'numeric' ? [canonical(axis.path)] : [...new Set(axis.points.flat().map((a) => canonical(a.path)))];
    for (const path of paths) {
      const other = owner.get(path);
      if (other !== undefined) problems.add(axis.where, `sets '${path}', which ${formatPath(other.where)} sets too; give each path one axis`);
      else owner.set(path, axis);
    }
  }
}

/**
 * Reads the search space into axes and checks everything that does not need a whole trial:
 * every key is a known path or an axis of mappings, every value is allowed where it goes, and
 * every conditional parameter (`regularizer.lambda`, a default's params) is taken by some trial.
 */
export function compileSearch(study: Study, locate: Locator): CompiledSearch {
  const problems = new Problems(locate);
  const space: Record<string, Point[] | Distribution> = study.search.space;
  const axes = Object.entries(space).flatMap(([key, value]) => compileAxis(key, value, problems) ?? []);
  checkOverlaps(axes, problems);
  const assignments = axes.flatMap((axis) => (axis.type === 'points' ? axis.points.flat() : []));
  const names: CompiledSearch['names'] = {
    loss: [],
    regularizer: [],
    normalization: [],
    architecture: [
      ...new Set([
        study.architecture.name,
        ...assignments.filter((a) => a.kind.kind === 'architectureName' && typeof a.value === 'string').map((a) => a.value as string),
      ]),
    ],
  };
  for (const role of ['loss', 'normalization'] as const) {
    const given = assignments.filter((a) => a.kind.kind === 'name' && a.kind.role === role).map((a) => a.value);
    const base = study[role]?.name;
    names[role] = [...new Set([...(base === undefined ? [] : [base]), ...given.filter((v): v is string => typeof v === 'string')])];
    if (base !== undefined && !isRegistered(role, base)) problems.add([role], `must be a registered ${role}: ${registeredNames(role).join(', ')}`, base);
  }
  const givenRegularizers = assignments.filter((a) => a.kind.kind === 'name' && a.kind.role === 'regularizer').map((a) => regularizerNames(a.value));
  const defaults = studyRegularizers(study);
  names.regularizer = [...new Set([...defaults.list.map((r) => r.name), ...givenRegularizers.flatMap((n) => (typeof n === 'string' ? [] : n))])];
  const baseRegularizers = regularizerNames(defaults.list.map((r) => r.name).join('+') || 'none');
  if (typeof baseRegularizers === 'string')
    problems.add(
      study.regularizers === undefined ? ['regularizer'] : ['regularizers'],
      baseRegularizers,
      defaults.list.map((r) => r.name),
    );
  for (const a of assignments) {
    const problem = checkValue(study, names, a.kind, a.value, a.owner);
    if (problem !== undefined) problems.add(a.where, problem, a.value);
  }
  for (const axis of axes) if (axis.type === 'numeric') checkNumeric(study, names, axis, problems);
  for (const role of ['loss', 'normalization'] as const) {
    for (const [param, value] of Object.entries(study[role]?.params ?? {})) {
      const problem = checkValue(study, names, { kind: 'param', role, param }, value);
      if (problem !== undefined) problems.add([role, 'params', param], problem, value);
    }
  }
  for (const [i, regularizer] of defaults.list.entries()) {
    if (typeof baseRegularizers === 'string') break;
    for (const [param, value] of Object.entries(regularizer.params)) {
      // One regularizer's params reach every regularizer of the study declaring them, as they always did.
      const owner = study.regularizers === undefined ? undefined : regularizer.name;
      const problem = checkValue(study, names, { kind: 'param', role: 'regularizer', param }, value, owner);
      if (problem !== undefined) problems.add([...defaults.paramsWhere(i), param], problem, value);
    }
  }
  try {
    resolveArchitecture(study.architecture.name, study.architecture.options);
  } catch (error) {
    problems.add(['architecture'], (error as Error).message);
  }
  if (problems.list.length > 0) throw new StudyError(study.source, problems.list);
  return { axes, names };
}
