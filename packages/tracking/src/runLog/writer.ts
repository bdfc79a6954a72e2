import { appendFile, mkdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { copyFileAtomic, writeFileAtomic } from '../atomic.js';
import { isNotFound } from '../fileStore/files.js';
import type { Metric } from '../types.js';
import { paramChangeMessage, validateKey, validateValueLength } from '../validation.js';
import { formatMetricsLines, parseMetricsJsonl } from './metricsJsonl.js';
import { readRunJson } from './reader.js';
import { ARTIFACTS_DIR, LOCAL_RUN_STATUSES, type LocalRunStatus, METRICS_JSONL, type ParamInput, RUN_JSON, type RunJson } from './types.js';

export interface RunLogInit {
  name: string;
  params?: Record<string, ParamInput>;
  tags?: Record<string, string>;
  startTime?: number;
}

export interface RunLogOptions {
  /** Clock for timestamps (tests pin it). */
  now?: () => number;
}

export interface OpenOptions extends RunLogOptions {
  /**
   * The step of the checkpoint a resumed trial restarts from: metric lines with a larger step are
   * dropped, since the resumed run logs those steps again. (Points already synced to MLflow stay
   * there; MLflow has no API to delete them.)
   */
  resumeFromStep?: number;
}

function stringifyParams(params: Record<string, ParamInput> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    validateKey('param', k);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new Error(`param '${k}' must be a string, number or boolean, got ${JSON.stringify(v)}`);
    }
    out[k] = String(v);
    validateValueLength('param', k, out[k]);
  }
  return out;
}

function checkTags(tags: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(tags)) {
    validateKey('tag', k);
    if (typeof v !== 'string') throw new Error(`tag '${k}' must be a string, got ${JSON.stringify(v)}`);
    validateValueLength('tag', k, v);
  }
  return { ...tags };
}

/** A relative POSIX path inside artifacts/: no absolute paths, no '..', no empty segments. */
export function checkArtifactRelPath(relPath: string): string[] {
  const parts = relPath.split('/');
  if (relPath === '' || relPath.startsWith('/') || relPath.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`artifact path '${relPath}' must be a relative POSIX path inside artifacts/ (like samples/step-000500.png)`);
  }
  return parts;
}

/**
 * Cuts metrics.jsonl back to its last complete, readable line, so that lines appended after a
 * killed writer start on a line of their own instead of gluing onto the torn one.
 */
export async function repairMetricsTail(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  let keep = text.endsWith('\n') || text === '' ? text.length : text.lastIndexOf('\n') + 1;
  const body = text.slice(0, keep);
  if (parseMetricsJsonl(body, path).tornTail) keep = body.slice(0, -1).lastIndexOf('\n') + 1;
  if (keep === text.length) return false;
  await truncate(path, Buffer.byteLength(text.slice(0, keep), 'utf8'));
  return true;
}

/** Rewrites metrics.jsonl (atomically) without the points past `step`. */
async function dropMetricsAfter(path: string, step: number): Promise<void> {
  if (!Number.isSafeInteger(step)) throw new Error(`resumeFromStep must be an integer, got ${step}`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const { metrics } = parseMetricsJsonl(text, path);
  const kept = metrics.filter((m) => m.step <= step);
  if (kept.length !== metrics.length) await writeFileAtomic(path, formatMetricsLines(kept));
}

/** Writes one trial's local run log: run.json, metrics.jsonl and artifacts/ (the format syncStudy replays into MLflow). */
export class RunLog {
  readonly dir: string;
  private state: RunJson;
  private readonly now: () => number;
  // One write at a time, in call order, so appends and rewrites never interleave.
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, state: RunJson, now: () => number) {
    this.dir = dir;
    this.state = state;
    this.now = now;
  }

  /** Starts a new run log in `dir`; fails when one is already there (use open or openOrCreate to resume). */
  static async create(dir: string, init: RunLogInit, options: RunLogOptions = {}): Promise<RunLog> {
    if (typeof init.name !== 'string' || init.name === '') throw new Error(`run name must be a non-empty string, got ${JSON.stringify(init.name)}`);
    const now = options.now ?? Date.now;
    const existing = await readRunJson(dir).catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err)));
    if (existing !== null) throw new Error(`${join(dir, RUN_JSON)} already exists; open it with RunLog.open to resume`);
    const state: RunJson = {
      name: init.name,
      status: 'RUNNING',
      startTime: init.startTime ?? now(),
      endTime: null,
      params: stringifyParams(init.params),
      tags: checkTags(init.tags ?? {}),
    };
    await mkdir(join(dir, ARTIFACTS_DIR), { recursive: true });
    await repairMetricsTail(join(dir, METRICS_JSONL));
    const log = new RunLog(dir, state, now);
    await log.writeState();
    return log;
  }

  /** Reopens an existing run log (a resumed trial): earlier metrics stay, status goes back to RUNNING. */
  static async open(dir: string, options: OpenOptions = {}): Promise<RunLog> {
    const state = await readRunJson(dir);
    await repairMetricsTail(join(dir, METRICS_JSONL));
    if (options.resumeFromStep !== undefined) await dropMetricsAfter(join(dir, METRICS_JSONL), options.resumeFromStep);
    const log = new RunLog(dir, { ...state, status: 'RUNNING', endTime: null }, options.now ?? Date.now);
    await log.writeState();
    return log;
  }

  /** open when run.json exists (adding any new params and tags), create otherwise. */
  static async openOrCreate(dir: string, init: RunLogInit, options: RunLogOptions = {}): Promise<RunLog> {
    try {
      await readRunJson(dir);
    } catch (err) {
      if (isNotFound(err)) return RunLog.create(dir, init, options);
      throw err;
    }
    const log = await RunLog.open(dir, options);
    await log.logParams(init.params ?? {});
    await log.setTags(init.tags ?? {});
    return log;
  }

  /** A copy of what run.json holds now. */
  get record(): RunJson {
    return structuredClone(this.state);
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private writeState(): Promise<void> {
    return writeFileAtomic(join(this.dir, RUN_JSON), `${JSON.stringify(this.state, null, 2)}\n`);
  }

  /** Appends one line per metric at this step, all in one write. */
  async logMetrics(step: number, values: Readonly<Record<string, number>>, timestamp?: number): Promise<void> {
    if (!Number.isSafeInteger(step)) throw new Error(`step must be an integer, got ${step}`);
    const ts = timestamp ?? this.now();
    const points: Metric[] = Object.entries(values).map(([key, value]) => {
      validateKey('metric', key);
      if (typeof value !== 'number') throw new Error(`metric '${key}' must be a number (NaN and ±Infinity allowed), got ${JSON.stringify(value)}`);
      return { key, value, step, timestamp: ts };
    });
    if (points.length === 0) return;
    await this.enqueue(() => appendFile(join(this.dir, METRICS_JSONL), formatMetricsLines(points)));
  }

  /** Params are write-once, as in MLflow: the same value again is a no-op, a different one an error. */
  async logParams(params: Record<string, ParamInput>): Promise<void> {
    const incoming = stringifyParams(params);
    for (const [k, v] of Object.entries(incoming)) {
      const old = this.state.params[k];
      if (old !== undefined && old !== v) throw new Error(paramChangeMessage(k, old, v, this.dir));
    }
    if (Object.entries(incoming).every(([k]) => this.state.params[k] !== undefined)) return;
    this.state = { ...this.state, params: { ...this.state.params, ...incoming } };
    await this.enqueue(() => this.writeState());
  }

  setTag(key: string, value: string): Promise<void> {
    return this.setTags({ [key]: value });
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    const checked = checkTags(tags);
    if (Object.entries(checked).every(([k, v]) => this.state.tags[k] === v)) return;
    this.state = { ...this.state, tags: { ...this.state.tags, ...checked } };
    await this.enqueue(() => this.writeState());
  }

  /** Writes artifacts/<relPath> atomically from bytes, text, or a copy of a local file. */
  async addArtifact(relPath: string, content: Uint8Array | string | { sourceFile: string }): Promise<void> {
    const target = join(this.dir, ARTIFACTS_DIR, ...checkArtifactRelPath(relPath));
    await this.enqueue(() =>
      typeof content === 'object' && 'sourceFile' in content ? copyFileAtomic(content.sourceFile, target) : writeFileAtomic(target, content),
    );
  }

  /** Ends the run: status and end time into run.json. */
  async finish(status: Exclude<LocalRunStatus, 'RUNNING'>, endTime?: number): Promise<void> {
    if (!LOCAL_RUN_STATUSES.includes(status) || status === ('RUNNING' as LocalRunStatus)) {
      throw new Error(`finish status must be one of FINISHED, FAILED, KILLED, got ${JSON.stringify(status)}`);
    }
    this.state = { ...this.state, status, endTime: endTime ?? this.now() };
    await this.enqueue(() => this.writeState());
  }

  /** Resolves when every write issued so far is on disk. */
  flush(): Promise<void> {
    return this.enqueue(() => Promise.resolve());
  }
}
