import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { copyFileAtomic } from '../atomic.js';
import { MlflowError } from '../errors.js';
import { listLocalArtifacts, splitArtifactPath } from '../fileStore/fileStore.js';
import type { ArtifactFile, CreatedRun, CreateRunOptions, LogBatch, Metric, Run, RunInfo, Tracker, UpdateRunOptions } from '../types.js';
import { validateKey, validateMetric, validateRunId } from '../validation.js';
import { artifactFileUrl, artifactTarget } from './artifactUri.js';
import { authorizationHeader } from './auth.js';
import { LOG_BATCH_LIMITS, type LogBatchLimits, splitLogBatch } from './batch.js';
import { tagsFilter } from './filter.js';
import { type FetchLike, type HttpOptions, httpRequest, type RequestSpec } from './http.js';
import { metricFromWire, runFromWire } from './wire.js';

export interface RestClientOptions {
  /** http(s) URL of the tracking server, e.g. http://localhost:5000. */
  trackingUri: string;
  username?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  fetch?: FetchLike;
  /** Per request attempt; MLflow's client default is 120 s. */
  timeoutMs?: number;
  /** Further attempts after the first, on network errors, 408, 429 and 5xx. */
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxRetryAfterMs?: number;
  /** Page size for metrics/get-history. */
  historyPageSize?: number;
  limits?: LogBatchLimits;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Written as user_id on created runs. */
  userId?: string;
}

export const REST_DEFAULTS = { timeoutMs: 120_000, retries: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000, historyPageSize: 25_000 };

/** Paths of the MLflow REST API 2.0 that the client calls. */
const API = '/api/2.0/mlflow';

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.yaml': 'application/x-yaml',
  '.yml': 'application/x-yaml',
  '.html': 'text/html',
};

/**
 * A typed client of MLflow's REST API on Node's fetch: experiments, runs, batched logging within
 * the server's limits, paged metric histories and artifact upload through the tracking server.
 */
export class RestClient implements Tracker {
  readonly trackingUri: string;
  private readonly http: HttpOptions;
  private readonly historyPageSize: number;
  private readonly limits: LogBatchLimits;
  private readonly userId: string | undefined;
  private readonly artifactUris = new Map<string, string>();

  constructor(options: RestClientOptions) {
    let url: URL;
    try {
      url = new URL(options.trackingUri);
    } catch {
      throw new Error(`trackingUri '${options.trackingUri}' is not a URL; expected http(s)://host[:port][/path]`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`trackingUri '${options.trackingUri}' must be http:// or https://`);
    }
    this.trackingUri = options.trackingUri.replace(/\/+$/, '');
    const positive = (name: string, v: number | undefined, d: number): number => {
      if (v === undefined) return d;
      if (!Number.isFinite(v) || v < 0) throw new Error(`RestClient option ${name} must be a non-negative number, got ${v}`);
      return v;
    };
    this.http = {
      baseUrl: this.trackingUri,
      authorization: authorizationHeader(options),
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      timeoutMs: positive('timeoutMs', options.timeoutMs, REST_DEFAULTS.timeoutMs),
      retries: Math.floor(positive('retries', options.retries, REST_DEFAULTS.retries)),
      baseDelayMs: positive('baseDelayMs', options.baseDelayMs, REST_DEFAULTS.baseDelayMs),
      maxDelayMs: positive('maxDelayMs', options.maxDelayMs, REST_DEFAULTS.maxDelayMs),
      maxRetryAfterMs: positive('maxRetryAfterMs', options.maxRetryAfterMs, REST_DEFAULTS.maxRetryAfterMs),
      sleep: options.sleep ?? ((ms) => sleep(ms)),
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
    };
    this.historyPageSize = Math.max(1, Math.floor(positive('historyPageSize', options.historyPageSize, REST_DEFAULTS.historyPageSize)));
    this.limits = options.limits ?? LOG_BATCH_LIMITS;
    this.userId = options.userId;
  }

  describe(): string {
    return this.trackingUri;
  }

  private call<T>(spec: RequestSpec): Promise<T> {
    return httpRequest<T>(this.http, spec);
  }

  /** experiments/get-by-name; null when the server answers RESOURCE_DOES_NOT_EXIST. */
  async getExperimentByName(name: string): Promise<{ experimentId: string; lifecycleStage: string; artifactLocation: string } | null> {
    try {
      const res = await this.call<{ experiment?: { experiment_id?: unknown; lifecycle_stage?: unknown; artifact_location?: unknown } }>({
        method: 'GET',
        path: `${API}/experiments/get-by-name`,
        query: { experiment_name: name },
      });
      const e = res.experiment ?? {};
      return {
        experimentId: String(e.experiment_id),
        lifecycleStage: String(e.lifecycle_stage ?? 'active'),
        artifactLocation: String(e.artifact_location ?? ''),
      };
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw err;
    }
  }

  /** experiments/create; the new experiment's id. */
  async createExperiment(name: string, options: { artifactLocation?: string; tags?: Record<string, string> } = {}): Promise<string> {
    const res = await this.call<{ experiment_id?: unknown }>({
      method: 'POST',
      path: `${API}/experiments/create`,
      json: {
        name,
        artifact_location: options.artifactLocation,
        tags: Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value })),
      },
    });
    return String(res.experiment_id);
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    if (typeof name !== 'string' || name === '') {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `experiment name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    const check = (e: { experimentId: string; lifecycleStage: string }): string => {
      if (e.lifecycleStage === 'deleted') {
        throw new MlflowError(
          'RESOURCE_ALREADY_EXISTS',
          `Experiment '${name}' exists in deleted state on ${this.trackingUri}; restore it (mlflow experiments restore --experiment-id ${e.experimentId}) or remove it permanently (mlflow gc)`,
        );
      }
      return e.experimentId;
    };
    const existing = await this.getExperimentByName(name);
    if (existing) return check(existing);
    try {
      return await this.createExperiment(name);
    } catch (err) {
      // Another process created it between our lookup and create.
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const again = await this.getExperimentByName(name);
        if (again) return check(again);
      }
      throw err;
    }
  }

  /** runs/search over one or more experiments, following next_page_token. */
  async searchRuns(experimentIds: string[], filter: string, options: { maxResults?: number; orderBy?: string[] } = {}): Promise<Run[]> {
    const runs: Run[] = [];
    const seen = new Set<string>();
    let pageToken: string | undefined;
    for (;;) {
      const res = await this.call<{ runs?: unknown[]; next_page_token?: string }>({
        method: 'POST',
        path: `${API}/runs/search`,
        json: {
          experiment_ids: experimentIds,
          filter,
          run_view_type: 'ACTIVE_ONLY',
          max_results: options.maxResults ?? 1000,
          order_by: options.orderBy ?? [],
          page_token: pageToken,
        },
      });
      runs.push(...(res.runs ?? []).map(runFromWire));
      const next = res.next_page_token;
      if (!next || seen.has(next)) break;
      seen.add(next);
      pageToken = next;
    }
    for (const r of runs) this.artifactUris.set(r.info.runId, r.info.artifactUri);
    return runs;
  }

  async findRunsByTags(experimentId: string, tags: Readonly<Record<string, string>>): Promise<RunInfo[]> {
    const runs = await this.searchRuns([experimentId], tagsFilter(tags));
    // The server filters; checking again guards against servers that ignore part of the filter.
    return runs
      .filter((r) => Object.entries(tags).every(([k, v]) => r.tags[k] === v))
      .map((r) => r.info)
      .sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0) || a.runId.localeCompare(b.runId));
  }

  async createRun(experimentId: string, options: CreateRunOptions = {}): Promise<CreatedRun> {
    const res = await this.call<{ run?: unknown }>({
      method: 'POST',
      path: `${API}/runs/create`,
      json: {
        experiment_id: experimentId,
        user_id: this.userId ?? options.tags?.['mlflow.user'],
        run_name: options.runName,
        start_time: options.startTime ?? this.http.now(),
        tags: Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value })),
      },
      // A repeated create after an ambiguous failure would make a second run.
      idempotent: false,
    });
    const run = runFromWire(res.run);
    if (run.info.runId === '') throw new MlflowError('INTERNAL_ERROR', `runs/create on ${this.trackingUri} returned no run id`);
    this.artifactUris.set(run.info.runId, run.info.artifactUri);
    return { runId: run.info.runId, artifactUri: run.info.artifactUri };
  }

  async getRun(runId: string): Promise<Run> {
    validateRunId(runId);
    const res = await this.call<{ run?: unknown }>({ method: 'GET', path: `${API}/runs/get`, query: { run_id: runId } });
    const run = runFromWire(res.run);
    this.artifactUris.set(runId, run.info.artifactUri);
    return run;
  }

  /** runs/log-batch, split into as many requests as the limits need; sent in order, stopping at the first failure. */
  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    validateRunId(runId);
    // Checked here too so bad input fails before the first request, not after half the chunks.
    for (const m of batch.metrics ?? []) validateMetric(m);
    for (const p of batch.params ?? []) validateKey('param', p.key);
    for (const t of batch.tags ?? []) validateKey('tag', t.key);
    for (const body of splitLogBatch(runId, batch, this.limits)) {
      await this.call({ method: 'POST', path: `${API}/runs/log-batch`, json: body });
    }
  }

  async updateRun(runId: string, options: UpdateRunOptions): Promise<void> {
    validateRunId(runId);
    await this.call({
      method: 'POST',
      path: `${API}/runs/update`,
      json: { run_id: runId, run_uuid: runId, status: options.status, end_time: options.endTime ?? undefined },
    });
  }

  /** runs/delete: the run's lifecycle_stage becomes deleted (MLflow's soft delete). */
  async deleteRun(runId: string): Promise<void> {
    validateRunId(runId);
    await this.call({ method: 'POST', path: `${API}/runs/delete`, json: { run_id: runId } });
  }

  /**
   * metrics/get-history with max_results, following next_page_token until it is absent or comes
   * back a second time (a server that repeats a token would otherwise loop forever).
   */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateRunId(runId);
    const out: Metric[] = [];
    const seen = new Set<string>();
    let pageToken: string | undefined;
    for (;;) {
      const res = await this.call<{ metrics?: unknown[]; next_page_token?: string }>({
        method: 'GET',
        path: `${API}/metrics/get-history`,
        query: { run_id: runId, metric_key: key, max_results: this.historyPageSize, page_token: pageToken },
      });
      out.push(...(res.metrics ?? []).map(metricFromWire));
      const next = res.next_page_token;
      if (!next || seen.has(next)) break;
      seen.add(next);
      pageToken = next;
    }
    return out;
  }

  private async artifactUriOf(runId: string): Promise<string> {
    return this.artifactUris.get(runId) ?? (await this.getRun(runId)).info.artifactUri;
  }

  async logArtifact(runId: string, localFile: string, artifactPath = ''): Promise<void> {
    const parts = splitArtifactPath(artifactPath);
    const target = artifactTarget(await this.artifactUriOf(runId), this.trackingUri);
    if (target.kind === 'local') {
      await copyFileAtomic(localFile, join(target.dir, ...parts, basename(localFile)));
      return;
    }
    const body = await readFile(localFile);
    await this.call({
      method: 'PUT',
      path: artifactFileUrl(target.baseUrl, parts.join('/'), basename(localFile)),
      body,
      contentType: MIME_TYPES[extname(localFile).toLowerCase()] ?? 'application/octet-stream',
    });
  }

  /** artifacts/list (the server lists its own artifact store), recursively; a local copy target is listed directly. */
  async listArtifacts(runId: string): Promise<ArtifactFile[]> {
    const target = artifactTarget(await this.artifactUriOf(runId), this.trackingUri);
    if (target.kind === 'local') return listLocalArtifacts(target.dir);
    const out: ArtifactFile[] = [];
    const walk = async (path: string): Promise<void> => {
      let pageToken: string | undefined;
      const seen = new Set<string>();
      for (;;) {
        const res = await this.call<{ files?: Array<{ path?: string; is_dir?: boolean; file_size?: unknown }>; next_page_token?: string }>({
          method: 'GET',
          path: `${API}/artifacts/list`,
          query: { run_id: runId, path: path === '' ? undefined : path, page_token: pageToken },
        });
        for (const f of res.files ?? []) {
          const p = String(f.path ?? '');
          if (p === '' || p === path) continue;
          if (f.is_dir) await walk(p);
          else out.push({ path: p, size: Number(f.file_size ?? 0) });
        }
        const next = res.next_page_token;
        if (!next || seen.has(next)) break;
        seen.add(next);
        pageToken = next;
      }
    };
    await walk('');
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }
}
