/**
 * What the report reads from a study folder, described structurally so this package need not depend on
 * @ganbench/train or @ganbench/sweep: a TrialRecord from @ganbench/train is assignable to `TrialRecordInput`.
 * Every line is validated; a bad one fails with the file and line number. The last line of a file that is still
 * being appended to may be torn (no newline, not yet valid JSON): it is ignored, not an error.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type MetricGoal = 'min' | 'max';
export type TrialStatusInput = 'finished' | 'diverged' | 'failed';

/** The part of a resolved trial configuration the report reads by name; the rest is kept and shown as hyperparameters. */
export interface TrialConfigInput {
  dataset: { name: string };
  architecture: { name: string };
  loss: { name: string };
  regularizer: { name: string };
  seed: number;
}

/** One line of trials.jsonl. Metric values are numbers; NaN and ±Infinity arrive as "NaN"/"Infinity"/"-Infinity" or null. */
export interface TrialRecordInput {
  id: string;
  study?: string;
  config: TrialConfigInput;
  status: TrialStatusInput;
  error?: string;
  divergedAt?: number;
  final: Readonly<Record<string, number>>;
  best: Readonly<Record<string, number>>;
  primary: { metric: string; goal: MetricGoal };
  steps: number;
  seconds: number;
}

/** One line of trials/<id>/metrics.jsonl. */
export interface MetricPointInput {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

/** study.json, all optional: a report can be made from trials.jsonl alone. */
export interface StudyInfo {
  name: string;
  hash?: string;
  source?: string;
  createdAt?: string;
}

export interface StudyResults {
  info: StudyInfo;
  /** One record per trial id, in file order; a later line for the same id (a retried trial) replaces the earlier one. */
  trials: TrialRecordInput[];
}

const STATUSES: readonly TrialStatusInput[] = ['finished', 'diverged', 'failed'];
const GOALS: readonly MetricGoal[] = ['min', 'max'];
/** Trial ids name folders, so only plain file-name characters are allowed: no separators, no '..'. */
const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** A validation failure inside one line; the line reader adds file and line number. */
class FieldError extends Error {}

/**
 * Splits JSON Lines text into parsed values with their 1-based line numbers. Blank lines are skipped. The last line
 * is ignored when it has no trailing newline and does not parse: a writer was caught mid-append.
 */
export function parseJsonLines<T>(text: string, file: string, validate: (value: unknown) => T): { line: number; value: T }[] {
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  const out: { line: number; value: T }[] = [];
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const isLast = index === lines.length - 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      if (isLast && !complete) break;
      throw new Error(`${file}:${index + 1}: not valid JSON (${(error as Error).message})`);
    }
    try {
      out.push({ line: index + 1, value: validate(parsed) });
    } catch (error) {
      if (error instanceof FieldError) throw new Error(`${file}:${index + 1}: ${error.message}`);
      throw error;
    }
  }
  return out;
}

/** Parses trials.jsonl text; a later record with the same id replaces the earlier one (a retried or resumed trial). */
export function parseTrialsJsonl(text: string, file: string): TrialRecordInput[] {
  const byId = new Map<string, TrialRecordInput>();
  for (const { value } of parseJsonLines(text, file, validateTrialRecord)) {
    byId.delete(value.id);
    byId.set(value.id, value);
  }
  return [...byId.values()];
}

export function parseMetricsJsonl(text: string, file: string): MetricPointInput[] {
  return parseJsonLines(text, file, validateMetricPoint).map(({ value }) => value);
}

/** Checks one trials.jsonl record, keeping the whole config (its other fields are the hyperparameters). */
export function validateTrialRecord(value: unknown): TrialRecordInput {
  const record = object(value, 'record');
  const id = string(record.id, 'id');
  if (!SAFE_ID.test(id)) throw new FieldError(`id must be a plain name of letters, digits, '.', '_' or '-'; got ${show(id)}`);
  const config = object(record.config, 'config');
  for (const part of ['dataset', 'architecture', 'loss', 'regularizer'] as const) string(object(config[part], `config.${part}`).name, `config.${part}.name`);
  integer(config.seed, 'config.seed');
  const primary = object(record.primary, 'primary');
  const status = oneOf(record.status, 'status', STATUSES);
  const out: TrialRecordInput = {
    id,
    config: config as unknown as TrialConfigInput,
    status,
    final: metricMap(record.final, 'final'),
    best: metricMap(record.best, 'best'),
    primary: { metric: string(primary.metric, 'primary.metric'), goal: oneOf(primary.goal, 'primary.goal', GOALS) },
    steps: nonNegativeInteger(record.steps, 'steps'),
    seconds: nonNegativeNumber(record.seconds, 'seconds'),
  };
  if (record.study !== undefined) out.study = string(record.study, 'study');
  if (record.error !== undefined) out.error = string(record.error, 'error');
  if (record.divergedAt !== undefined && record.divergedAt !== null) out.divergedAt = nonNegativeInteger(record.divergedAt, 'divergedAt');
  return out;
}

export function validateMetricPoint(value: unknown): MetricPointInput {
  const point = object(value, 'metric point');
  return {
    key: string(point.key, 'key'),
    value: metricValue(point.value, 'value'),
    step: nonNegativeInteger(point.step, 'step'),
    timestamp: finiteNumber(point.timestamp, 'timestamp'),
  };
}

/** Reads study.json (optional) and trials.jsonl (required, with at least one complete trial). */
export async function readStudyResults(studyDir: string): Promise<StudyResults> {
  const trialsFile = path.join(studyDir, 'trials.jsonl');
  const text = await readFile(trialsFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new Error(`${trialsFile} does not exist: is '${studyDir}' a study folder, and has its sweep finished a trial?`);
    throw error;
  });
  const trials = parseTrialsJsonl(text, trialsFile);
  if (trials.length === 0) throw new Error(`${trialsFile} holds no complete trial yet; nothing to report`);
  return { info: await readStudyInfo(studyDir, trials), trials };
}

/** The step-wise metrics of one trial; none when its run log has no metrics.jsonl (a trial that failed at once). */
export async function readTrialMetrics(studyDir: string, id: string): Promise<MetricPointInput[]> {
  if (!SAFE_ID.test(id)) throw new Error(`trial id must be a plain name; got ${show(id)}`);
  const file = path.join(studyDir, 'trials', id, 'metrics.jsonl');
  try {
    return parseMetricsJsonl(await readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function readStudyInfo(studyDir: string, trials: readonly TrialRecordInput[]): Promise<StudyInfo> {
  const file = path.join(studyDir, 'study.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { name: trials.find((trial) => trial.study !== undefined)?.study ?? path.basename(path.resolve(studyDir)) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  try {
    const study = object(parsed, 'study');
    const info: StudyInfo = { name: string(study.name, 'name') };
    if (study.hash !== undefined) info.hash = string(study.hash, 'hash');
    if (study.source !== undefined) info.source = string(study.source, 'source');
    if (study.createdAt !== undefined) info.createdAt = string(study.createdAt, 'createdAt');
    return info;
  } catch (error) {
    if (error instanceof FieldError) throw new Error(`${file}: ${error.message}`);
    throw error;
  }
}

function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new FieldError(`${field} must be an object; got ${show(value)}`);
  return value as Record<string, unknown>;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new FieldError(`${field} must be a non-empty string; got ${show(value)}`);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new FieldError(`${field} must be one of ${allowed.join(', ')}; got ${show(value)}`);
  }
  return value as T;
}

function finiteNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new FieldError(`${field} must be a finite number; got ${show(value)}`);
  return value;
}

function nonNegativeNumber(value: unknown, field: string): number {
  const number = finiteNumber(value, field);
  if (number < 0) throw new FieldError(`${field} must be a number >= 0; got ${show(value)}`);
  return number;
}

function integer(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new FieldError(`${field} must be an integer; got ${show(value)}`);
  return value;
}

function nonNegativeInteger(value: unknown, field: string): number {
  const number = integer(value, field);
  if (number < 0) throw new FieldError(`${field} must be an integer >= 0; got ${show(value)}`);
  return number;
}

/** A metric value: a number, or NaN/±Infinity as the strings the results layout uses (null is how JSON.stringify writes NaN). */
function metricValue(value: unknown, field: string): number {
  if (typeof value === 'number') return value;
  if (value === null || value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new FieldError(`${field} must be a number, "NaN", "Infinity" or "-Infinity"; got ${show(value)}`);
}

function metricMap(value: unknown, field: string): Record<string, number> {
  const map = object(value, field);
  return Object.fromEntries(Object.entries(map).map(([key, item]) => [key, metricValue(item, `${field}.${key}`)]));
}
