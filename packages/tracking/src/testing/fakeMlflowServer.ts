/**
 * An in-process MLflow tracking server on node:http that reproduces the documented REST behaviour
 * ganbench relies on: `{"error_code","message"}` errors, write-once params, the log-batch limits,
 * paged metric histories, basic/bearer auth with 401/403, mlflow-artifacts uploads, and injected
 * faults (429 with Retry-After, 503, dropped connections, slow answers). For tests of this package
 * and of any package that syncs to MLflow.
 */
import { readdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMetricValue, parseJsonLenient } from '../rest/wire.js';
import type { Metric } from '../types.js';
import { decodeOffset, encodeOffset, FakeApiError, type FakeExperiment, FakeMlflowState, type FakeRun, type FakeStateOptions } from './fakeState.js';

export type Permission = 'READ' | 'EDIT';

export interface FakeAuth {
  /** username → password and permission (basic auth). */
  users?: Record<string, { password: string; permission: Permission }>;
  /** bearer token → permission. */
  tokens?: Record<string, Permission>;
}

export interface FakeFault {
  /** Matches the request path (prefix string or RegExp); every request when left out. */
  path?: string | RegExp;
  /** Matching requests to let through before the fault starts; 0 by default. */
  skip?: number;
  /** How many matching requests it answers; 1 by default. */
  times?: number;
  /** Answer with this status and an MLflow error body... */
  status?: number;
  /** ...and this Retry-After header. */
  retryAfter?: string;
  /** Or: close the connection without an answer (a network error). */
  drop?: boolean;
  /** Or: wait this long before handling the request normally (for timeouts). */
  delayMs?: number;
}

export interface FakeServerOptions extends FakeStateOptions {
  /** 0 (any free port) by default. */
  port?: number;
  auth?: FakeAuth;
  /** The most history points one get-history page holds, whatever max_results asks. */
  maxHistoryPageSize?: number;
  /** Answer every non-final history page with the same token (a misbehaving server). */
  repeatHistoryToken?: boolean;
  /** Write int64 fields as JSON strings, as older MLflow servers did. */
  int64AsString?: boolean;
  /** Share the data of an earlier server (a restart that lost nothing). */
  state?: FakeMlflowState;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  contentType: string | undefined;
  bytes: number;
  json: unknown;
}

const ARTIFACTS_ROUTE = '/api/2.0/mlflow-artifacts/artifacts';
const API = '/api/2.0/mlflow';

class JsonEncoder {
  constructor(private readonly int64AsString: boolean) {}

  int(v: number | null): number | string | undefined {
    if (v === null) return undefined;
    return this.int64AsString ? String(v) : v;
  }

  metric(m: Metric): Record<string, unknown> {
    return { key: m.key, value: encodeMetricValue(m.value), timestamp: this.int(m.timestamp), step: this.int(m.step) };
  }

  experiment(e: FakeExperiment): Record<string, unknown> {
    return {
      experiment_id: e.experimentId,
      name: e.name,
      artifact_location: e.artifactLocation,
      lifecycle_stage: e.lifecycleStage,
      creation_time: this.int(e.creationTime),
      last_update_time: this.int(e.lastUpdateTime),
      tags: [...e.tags].map(([key, value]) => ({ key, value })),
    };
  }

  runInfo(r: FakeRun): Record<string, unknown> {
    return {
      run_id: r.runId,
      run_uuid: r.runId,
      run_name: r.runName,
      experiment_id: r.experimentId,
      user_id: r.userId,
      status: r.status,
      start_time: this.int(r.startTime),
      end_time: this.int(r.endTime),
      artifact_uri: r.artifactUri,
      lifecycle_stage: r.lifecycleStage,
    };
  }

  run(r: FakeRun, state: FakeMlflowState): Record<string, unknown> {
    return {
      info: this.runInfo(r),
      data: {
        metrics: state.latestMetrics(r).map((m) => this.metric(m)),
        params: [...r.params].map(([key, value]) => ({ key, value })),
        tags: [...r.tags].map(([key, value]) => ({ key, value })),
      },
    };
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, errorCode: string, message: string, headers: Record<string, string> = {}): void {
  send(res, status, { error_code: errorCode, message }, headers);
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class FakeMlflowServer {
  readonly state: FakeMlflowState;
  readonly requests: RecordedRequest[] = [];
  private readonly faults: Array<FakeFault & { left: number; toSkip: number }> = [];
  private readonly encoder: JsonEncoder;
  private readonly repeatOffsets = new Map<string, number>();
  private server: Server | undefined;
  private portNumber: number;

  private constructor(private readonly options: FakeServerOptions) {
    this.state = options.state ?? new FakeMlflowState(options);
    this.encoder = new JsonEncoder(options.int64AsString ?? false);
    this.portNumber = options.port ?? 0;
  }

  /** Starts a server on 127.0.0.1 and resolves once it listens. */
  static async start(options: FakeServerOptions = {}): Promise<FakeMlflowServer> {
    const s = new FakeMlflowServer(options);
    await s.listen();
    return s;
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  /** Queues a fault for the next matching requests. */
  inject(fault: FakeFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1, toSkip: fault.skip ?? 0 });
  }

  /** Recorded requests whose path starts with this. */
  requestsTo(pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(pathPrefix));
  }

  private listen(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'INTERNAL_ERROR', String(err));
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portNumber, '127.0.0.1', () => {
        this.portNumber = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stops listening and cuts open connections: clients now get connection errors. */
  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Down and up again on the same port with the same data. */
  async restart(): Promise<void> {
    await this.close();
    await this.listen();
  }

  private takeFault(path: string): FakeFault | undefined {
    const matching = this.faults.filter(
      (x) => x.left > 0 && (x.path === undefined || (typeof x.path === 'string' ? path.startsWith(x.path) : x.path.test(path))),
    );
    for (const f of matching) {
      if (f.toSkip > 0) {
        f.toSkip--;
        continue;
      }
      f.left--;
      return f;
    }
    return undefined;
  }

  /** 401 without valid credentials, 403 for a READ principal writing. */
  private authorize(req: IncomingMessage, res: ServerResponse): boolean {
    const auth = this.options.auth;
    if (auth === undefined) return true;
    const header = req.headers.authorization ?? '';
    let permission: Permission | undefined;
    if (header.startsWith('Basic ')) {
      const [user = '', ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      const entry = auth.users?.[user];
      if (entry !== undefined && entry.password === rest.join(':')) permission = entry.permission;
    } else if (header.startsWith('Bearer ')) {
      permission = auth.tokens?.[header.slice(7)];
    }
    if (permission === undefined) {
      // MLflow's basic-auth app answers 401 with plain text and a challenge.
      res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Basic realm="mlflow"' });
      res.end('You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.');
      return false;
    }
    if (permission === 'READ' && WRITE_METHODS.has(req.method ?? '')) {
      sendError(res, 403, 'PERMISSION_DENIED', 'Permission denied');
      return false;
    }
    return true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    const raw = await readBody(req);
    const isJson = (req.headers['content-type'] ?? '').includes('application/json');
    let json: unknown;
    if (isJson && raw.length > 0) {
      try {
        json = parseJsonLenient(raw.toString('utf8'));
      } catch {
        sendError(res, 400, 'MALFORMED_REQUEST', 'Malformed JSON in request body');
        return;
      }
    }
    this.requests.push({
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      bytes: raw.length,
      json,
    });
    const fault = this.takeFault(path);
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault?.delayMs !== undefined) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.status !== undefined) {
      const code = fault.status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : fault.status >= 500 ? 'TEMPORARILY_UNAVAILABLE' : 'BAD_REQUEST';
      sendError(res, fault.status, code, `injected ${fault.status}`, fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter });
      return;
    }
    if (!this.authorize(req, res)) return;
    try {
      await this.route(req.method ?? 'GET', path, url.searchParams, (json ?? {}) as Record<string, unknown>, raw, res);
    } catch (err) {
      if (err instanceof FakeApiError) sendError(res, err.status, err.errorCode, err.message);
      else throw err;
    }
  }

  private async route(method: string, path: string, q: URLSearchParams, body: Record<string, unknown>, raw: Buffer, res: ServerResponse): Promise<void> {
    const s = this.state;
    const enc = this.encoder;
    const key = `${method} ${path}`;
    switch (key) {
      case `GET ${API}/experiments/get-by-name`:
        return send(res, 200, { experiment: enc.experiment(s.getExperimentByName(q.get('experiment_name'))) });
      case `GET ${API}/experiments/get`:
        return send(res, 200, { experiment: enc.experiment(s.getExperiment(q.get('experiment_id'))) });
      case `POST ${API}/experiments/create`:
        return send(res, 200, { experiment_id: s.createExperiment(body).experimentId });
      case `POST ${API}/runs/create`:
        return send(res, 200, { run: enc.run(s.createRun(body), s) });
      case `POST ${API}/runs/update`:
        return send(res, 200, { run_info: enc.runInfo(s.updateRun(body)) });
      case `POST ${API}/runs/delete`:
        s.deleteRun(body.run_id);
        return send(res, 200, {});
      case `GET ${API}/runs/get`:
        return send(res, 200, { run: enc.run(s.getRun(q.get('run_id') ?? q.get('run_uuid')), s) });
      case `POST ${API}/runs/search`: {
        const { runs, nextPageToken } = s.searchRuns(body);
        return send(res, 200, { runs: runs.map((r) => enc.run(r, s)), ...(nextPageToken ? { next_page_token: nextPageToken } : {}) });
      }
      case `POST ${API}/runs/log-batch`:
        s.logBatch(body, raw.length);
        return send(res, 200, {});
      case `GET ${API}/metrics/get-history`:
        return this.history(q, res);
      case `GET ${API}/artifacts/list`:
        return send(res, 200, await this.listRunArtifacts(q));
      case `GET ${ARTIFACTS_ROUTE}`:
        return send(res, 200, { files: this.listStored(q.get('path') ?? '') });
    }
    if (path.startsWith(`${ARTIFACTS_ROUTE}/`)) {
      const rel = path.slice(ARTIFACTS_ROUTE.length + 1);
      if (rel.split('/').some((p) => p === '..' || p === '') || rel.startsWith('/')) throw new FakeApiError('INVALID_PARAMETER_VALUE', 'Invalid path', 400);
      if (method === 'PUT') {
        s.artifacts.set(rel, raw);
        return send(res, 200, {});
      }
      if (method === 'GET') {
        const bytes = s.artifacts.get(rel);
        if (bytes === undefined) throw new FakeApiError('RESOURCE_DOES_NOT_EXIST', `File ${rel} not found`, 404);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length });
        res.end(bytes);
        return;
      }
    }
    throw new FakeApiError('ENDPOINT_NOT_FOUND', `No API route for ${key}`, 404);
  }

  /**
   * metrics/get-history: pages of min(max_results, the server cap), next_page_token while more
   * remain. Without max_results MLflow 3.6 answers no points and a token for the same offset (a
   * client following it without max_results would loop), so the fake does too.
   */
  private history(q: URLSearchParams, res: ServerResponse): void {
    const all = this.state.metricHistory(q.get('run_id') ?? q.get('run_uuid'), q.get('metric_key'));
    const askedRaw = q.get('max_results');
    if (askedRaw === null) {
      const at = q.get('page_token') ? decodeOffset(q.get('page_token') as string) : 0;
      send(res, 200, all.length > at ? { next_page_token: encodeOffset(at) } : {});
      return;
    }
    const asked = Number(askedRaw);
    if (!Number.isFinite(asked)) throw new FakeApiError('INVALID_PARAMETER_VALUE', `Invalid max_results '${askedRaw}'`, 400);
    const pageSize = Math.min(asked, this.options.maxHistoryPageSize ?? Number.POSITIVE_INFINITY);
    const token = q.get('page_token');
    let offset = 0;
    if (token) offset = this.options.repeatHistoryToken ? (this.repeatOffsets.get(token) ?? 0) : decodeOffset(token);
    const page = Number.isFinite(pageSize) ? all.slice(offset, offset + pageSize) : all.slice(offset);
    const end = offset + page.length;
    let next: string | undefined;
    if (end < all.length) {
      if (this.options.repeatHistoryToken) {
        next = 'same-token';
        this.repeatOffsets.set(next, end);
      } else next = encodeOffset(end);
    }
    send(res, 200, { metrics: page.map((m) => this.encoder.metric(m)), ...(next ? { next_page_token: next } : {}) });
  }

  /** The artifacts/list answer: run-relative paths of the direct children of `path`. */
  private async listRunArtifacts(q: URLSearchParams): Promise<Record<string, unknown>> {
    const run = this.state.getRun(q.get('run_id') ?? q.get('run_uuid'));
    const sub = (q.get('path') ?? '').replace(/^\/+|\/+$/g, '');
    const uri = run.artifactUri;
    let files: Array<{ path: string; is_dir: boolean; file_size?: number | string }>;
    if (uri.startsWith('mlflow-artifacts:')) {
      const root = uri.replace(/^mlflow-artifacts:\/*/, '');
      files = this.listStored(sub === '' ? root : `${root}/${sub}`).map((f) => ({ ...f, path: sub === '' ? f.path : `${sub}/${f.path}` }));
    } else {
      const dir = join(fileURLToPath(uri), ...sub.split('/').filter(Boolean));
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      files = [];
      for (const e of entries) {
        const p = sub === '' ? e.name : `${sub}/${e.name}`;
        if (e.isDirectory()) files.push({ path: p, is_dir: true });
        else files.push({ path: p, is_dir: false, file_size: this.encoder.int((await stat(join(dir, e.name))).size) as number });
      }
    }
    return { root_uri: uri, files };
  }

  /** mlflow-artifacts listing: basenames of the direct children of a stored folder. */
  private listStored(dir: string): Array<{ path: string; is_dir: boolean; file_size?: number }> {
    const prefix = dir.replace(/\/+$/, '') === '' ? '' : `${dir.replace(/\/+$/, '')}/`;
    const out = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
    for (const [p, bytes] of this.state.artifacts) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const [head = '', ...tail] = rest.split('/');
      if (tail.length > 0) out.set(head, { path: head, is_dir: true });
      else out.set(head, { path: head, is_dir: false, file_size: this.encoder.int(bytes.length) as number });
    }
    return [...out.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
}

export { FakeMlflowState };
