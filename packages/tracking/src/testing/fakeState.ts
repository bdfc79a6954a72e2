/**
 * The data behind the fake MLflow server: experiments, runs and artifact bytes, with MLflow's
 * documented rules (write-once params, batch limits, name uniqueness). Kept apart from the HTTP
 * layer so a "restarted" server can be given the same state, or a fresh one.
 */
import { randomUUID } from 'node:crypto';
import { LOG_BATCH_LIMITS } from '../rest/batch.js';
import { type FilterClause, parseFilter } from '../rest/filter.js';
import { decodeMetricValue } from '../rest/wire.js';
import { isRunStatus, type Metric, type RunStatus } from '../types.js';
import { paramChangeMessage, validateKey } from '../validation.js';

export class FakeApiError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const invalid = (message: string): FakeApiError => new FakeApiError('INVALID_PARAMETER_VALUE', message, 400);
const missing = (message: string): FakeApiError => new FakeApiError('RESOURCE_DOES_NOT_EXIST', message, 404);

export interface FakeExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime: number;
  lastUpdateTime: number;
  tags: Map<string, string>;
}

export interface FakeRun {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: 'active' | 'deleted';
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: Map<string, Metric[]>;
}

export interface FakeStateOptions {
  /**
   * Which of MLflow's stores the server behaves like where they differ (both checked against the
   * real server in contract.test.ts). 'sql' (the default; what `mlflow server` uses unless given
   * a folder): ±Infinity metric values come back as ±1.7976931348623157e308 (the largest double),
   * a changed param is refused with 400. 'file': ±Infinity is kept, a changed param is refused with
   * 500 INTERNAL_ERROR (the file store's error, rewrapped by log-batch).
   */
  store?: 'sql' | 'file';
  /** 'mlflow-artifacts' (a server started with --serve-artifacts) or a local folder that runs' artifact URIs point into. */
  artifactRoot?: { kind: 'mlflow-artifacts' } | { kind: 'file'; uri: string };
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw invalid(`Missing value for required parameter '${field}'.`);
  return v;
}

function int(v: unknown, field: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied.`);
  return n;
}

function validate(kind: 'metric' | 'param' | 'tag', key: unknown, path: string): string {
  const k = str(key, path);
  try {
    validateKey(kind, k);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  return k;
}

function latest(points: Metric[]): Metric | undefined {
  return points.reduce<Metric | undefined>((best, m) => {
    if (best === undefined) return m;
    if (m.step !== best.step) return m.step > best.step ? m : best;
    if (m.timestamp !== best.timestamp) return m.timestamp > best.timestamp ? m : best;
    return m.value > best.value ? m : best;
  }, undefined);
}

export class FakeMlflowState {
  readonly experiments = new Map<string, FakeExperiment>();
  readonly runs = new Map<string, FakeRun>();
  /** mlflow-artifacts storage: path below /api/2.0/mlflow-artifacts/artifacts/ → bytes. */
  readonly artifacts = new Map<string, Buffer>();
  readonly artifactRoot: NonNullable<FakeStateOptions['artifactRoot']>;
  readonly store: NonNullable<FakeStateOptions['store']>;
  private nextExperimentId = 1;

  constructor(options: FakeStateOptions = {}) {
    this.artifactRoot = options.artifactRoot ?? { kind: 'mlflow-artifacts' };
    this.store = options.store ?? 'sql';
    this.addExperiment('0', 'Default');
  }

  private artifactBase(experimentId: string): string {
    return this.artifactRoot.kind === 'mlflow-artifacts' ? `mlflow-artifacts:/${experimentId}` : `${this.artifactRoot.uri.replace(/\/+$/, '')}/${experimentId}`;
  }

  private addExperiment(id: string, name: string): FakeExperiment {
    const now = Date.now();
    const e: FakeExperiment = {
      experimentId: id,
      name,
      artifactLocation: this.artifactBase(id),
      lifecycleStage: 'active',
      creationTime: now,
      lastUpdateTime: now,
      tags: new Map(),
    };
    this.experiments.set(id, e);
    return e;
  }

  getExperimentByName(name: unknown): FakeExperiment {
    const n = str(name, 'experiment_name');
    for (const e of this.experiments.values()) if (e.name === n) return e;
    throw missing(`Could not find experiment with name '${n}'`);
  }

  getExperiment(id: unknown): FakeExperiment {
    const e = this.experiments.get(String(id));
    if (e === undefined) throw missing(`No Experiment with id=${String(id)} exists`);
    return e;
  }

  createExperiment(body: Record<string, unknown>): FakeExperiment {
    const name = str(body.name, 'name');
    for (const e of this.experiments.values()) {
      if (e.name === name)
        throw new FakeApiError(
          'RESOURCE_ALREADY_EXISTS',
          `Experiment(name=${name}) already exists. Error: (raised as a result of Query-invoked autoflush)`,
          400,
        );
    }
    while (this.experiments.has(String(this.nextExperimentId))) this.nextExperimentId++;
    const e = this.addExperiment(String(this.nextExperimentId++), name);
    for (const t of (body.tags ?? []) as Array<{ key: string; value: string }>) e.tags.set(t.key, t.value);
    return e;
  }

  deleteExperiment(id: string): void {
    this.getExperiment(id).lifecycleStage = 'deleted';
  }

  getRun(id: unknown): FakeRun {
    const r = this.runs.get(str(id, 'run_id'));
    if (r === undefined) throw missing(`Run with id=${String(id)} not found`);
    return r;
  }

  private activeRun(id: unknown): FakeRun {
    const r = this.getRun(id);
    if (r.lifecycleStage !== 'active') throw invalid(`The run ${r.runId} must be in the 'active' state. Current state is ${r.lifecycleStage}.`);
    return r;
  }

  createRun(body: Record<string, unknown>): FakeRun {
    const e = this.getExperiment(str(body.experiment_id, 'experiment_id'));
    if (e.lifecycleStage !== 'active')
      throw new FakeApiError('INVALID_STATE', `Could not create run under non-active experiment with ID ${e.experimentId}.`, 400);
    const tags = new Map<string, string>();
    for (const t of (body.tags ?? []) as Array<{ key?: unknown; value?: unknown }>) tags.set(validate('tag', t.key, 'tags.key'), String(t.value ?? ''));
    const tagName = tags.get('mlflow.runName');
    const runName = typeof body.run_name === 'string' && body.run_name !== '' ? body.run_name : undefined;
    if (runName !== undefined && tagName !== undefined && runName !== tagName) {
      throw invalid(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${runName}', mlflow.runName='${tagName}').`,
      );
    }
    const runId = randomUUID().replaceAll('-', '');
    const name = runName ?? tagName ?? `run-${runId.slice(0, 6)}`;
    tags.set('mlflow.runName', name);
    const run: FakeRun = {
      runId,
      experimentId: e.experimentId,
      runName: name,
      userId: typeof body.user_id === 'string' ? body.user_id : '',
      status: 'RUNNING',
      startTime: body.start_time === undefined ? Date.now() : int(body.start_time, 'start_time'),
      endTime: null,
      artifactUri: `${e.artifactLocation}/${runId}/artifacts`,
      lifecycleStage: 'active',
      params: new Map(),
      tags,
      metrics: new Map(),
    };
    this.runs.set(runId, run);
    return run;
  }

  updateRun(body: Record<string, unknown>): FakeRun {
    const r = this.activeRun(body.run_id ?? body.run_uuid);
    if (body.status !== undefined) {
      if (!isRunStatus(body.status)) throw invalid(`Invalid value ${JSON.stringify(body.status)} for parameter 'status' supplied.`);
      r.status = body.status;
    }
    if (body.end_time !== undefined && body.end_time !== null) r.endTime = int(body.end_time, 'end_time');
    if (typeof body.run_name === 'string' && body.run_name !== '') {
      r.runName = body.run_name;
      r.tags.set('mlflow.runName', body.run_name);
    }
    return r;
  }

  /** runs/delete: a soft delete; the run stays readable by id and drops out of ACTIVE_ONLY searches. */
  deleteRun(id: unknown): void {
    this.getRun(id).lifecycleStage = 'deleted';
  }

  /** runs/log-batch with MLflow's checks, all before any write. */
  logBatch(body: Record<string, unknown>, bodyBytes: number): void {
    if (bodyBytes > LOG_BATCH_LIMITS.maxBytes) {
      throw invalid(`Batched logging API requests must be at most ${LOG_BATCH_LIMITS.maxBytes} bytes, got a request of size ${bodyBytes}.`);
    }
    const run = this.activeRun(body.run_id);
    const metrics = (body.metrics ?? []) as Array<Record<string, unknown>>;
    const params = (body.params ?? []) as Array<Record<string, unknown>>;
    const tags = (body.tags ?? []) as Array<Record<string, unknown>>;
    const limit = (name: string, max: number, n: number): void => {
      if (n > max)
        throw invalid(
          `A batch logging request can contain at most ${max} ${name}. Got ${n} ${name}. Please split up ${name} across multiple requests and try again.`,
        );
    };
    limit('metrics', LOG_BATCH_LIMITS.maxMetrics, metrics.length);
    limit('params', LOG_BATCH_LIMITS.maxParams, params.length);
    limit('tags', LOG_BATCH_LIMITS.maxTags, tags.length);
    limit('metrics, params, and tags', LOG_BATCH_LIMITS.maxItems, metrics.length + params.length + tags.length);
    const ms: Metric[] = metrics.map((m, i) => {
      let value: number;
      try {
        value = decodeMetricValue(m.value);
      } catch {
        throw invalid(`Invalid value ${JSON.stringify(m.value)} for parameter 'metrics[${i}].value' supplied.`);
      }
      // The SQL store's metrics.value column holds finite doubles: it stores ±Infinity as ±max.
      if (this.store === 'sql' && !Number.isFinite(value) && !Number.isNaN(value)) value = Math.sign(value) * Number.MAX_VALUE;
      return {
        key: validate('metric', m.key, `metrics[${i}].key`),
        value,
        timestamp: int(m.timestamp, `metrics[${i}].timestamp`),
        step: m.step === undefined ? 0 : int(m.step, `metrics[${i}].step`),
      };
    });
    const ps = params.map((p, i) => ({ key: validate('param', p.key, `params[${i}].key`), value: String(p.value ?? '') }));
    const keys = ps.map((p) => p.key);
    const dupes = keys.filter((k, i) => keys.indexOf(k) !== i);
    if (dupes.length > 0)
      throw invalid(
        `Duplicate parameter keys have been submitted: [${dupes.map((d) => `'${d}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`,
      );
    for (const p of ps) {
      const old = run.params.get(p.key);
      if (old !== undefined && old !== p.value) {
        if (this.store === 'file') throw new FakeApiError('INTERNAL_ERROR', paramChangeMessage(p.key, old, p.value, run.runId), 500);
        // sqlalchemy_store._log_params: every changed param of the batch in one message.
        const changed = ps
          .filter((q) => run.params.has(q.key) && run.params.get(q.key) !== q.value)
          .map((q) => `{'key': '${q.key}', 'old_value': '${run.params.get(q.key)}', 'new_value': '${q.value}'}`);
        throw invalid(`Changing param values is not allowed. Params were already logged='[${changed.join(', ')}]' for run ID='${run.runId}'.`);
      }
    }
    const ts = tags.map((t, i) => ({ key: validate('tag', t.key, `tags[${i}].key`), value: String(t.value ?? '') }));
    for (const p of ps) run.params.set(p.key, p.value);
    for (const m of ms) run.metrics.set(m.key, [...(run.metrics.get(m.key) ?? []), m]);
    for (const t of ts) {
      run.tags.set(t.key, t.value);
      if (t.key === 'mlflow.runName') run.runName = t.value;
    }
  }

  latestMetrics(run: FakeRun): Metric[] {
    return [...run.metrics.values()].map(latest).filter((m): m is Metric => m !== undefined);
  }

  private matches(run: FakeRun, clause: FilterClause): boolean {
    let actual: string | undefined;
    if (clause.entity === 'tags') actual = run.tags.get(clause.key);
    else if (clause.entity === 'params') actual = run.params.get(clause.key);
    else if (clause.entity === 'attributes') {
      const attrs: Record<string, string> = { run_name: run.runName, status: run.status, run_id: run.runId, user_id: run.userId };
      actual = attrs[clause.key];
    } else throw invalid(`metric filters are not supported by the fake server (${clause.key})`);
    return clause.op === '=' ? actual === clause.value : actual !== clause.value;
  }

  searchRuns(body: Record<string, unknown>): { runs: FakeRun[]; nextPageToken: string | undefined } {
    const ids = ((body.experiment_ids ?? []) as unknown[]).map(String);
    let clauses: FilterClause[];
    try {
      clauses = parseFilter(typeof body.filter === 'string' ? body.filter : '');
    } catch (err) {
      throw invalid(`Error on parsing filter '${String(body.filter)}': ${(err as Error).message}`);
    }
    const max = body.max_results === undefined ? 1000 : int(body.max_results, 'max_results');
    if (max > 50000) throw invalid(`Invalid value for request parameter max_results. It must be at most 50000, but got value ${max}`);
    const all = [...this.runs.values()]
      .filter((r) => ids.includes(r.experimentId) && r.lifecycleStage === 'active' && clauses.every((c) => this.matches(r, c)))
      .sort((a, b) => b.startTime - a.startTime || a.runId.localeCompare(b.runId));
    const offset = typeof body.page_token === 'string' && body.page_token !== '' ? decodeOffset(body.page_token) : 0;
    const runs = all.slice(offset, offset + max);
    return { runs, nextPageToken: offset + max < all.length ? encodeOffset(offset + max) : undefined };
  }

  metricHistory(runId: unknown, key: unknown): Metric[] {
    const run = this.getRun(runId);
    return run.metrics.get(str(key, 'metric_key')) ?? [];
  }
}

export function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodeOffset(token: string): number {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof o.offset === 'number' && Number.isSafeInteger(o.offset) && o.offset >= 0) return o.offset;
  } catch {
    // fall through
  }
  throw invalid(`Invalid page token '${token}'`);
}
