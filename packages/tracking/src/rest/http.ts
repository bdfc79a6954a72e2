import { errorCodeForStatus, MlflowError } from '../errors.js';
import { backoffDelay, isRetryableStatus, isUnprocessedStatus, parseRetryAfter } from './retry.js';
import { parseJsonLenient } from './wire.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** Server base URL without a trailing slash, e.g. http://localhost:5000 or https://host/mlflow. */
  baseUrl: string;
  authorization: string | undefined;
  fetch: FetchLike;
  /** Per attempt, via AbortSignal.timeout. */
  timeoutMs: number;
  /** Further attempts after the first. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this fails the request instead of waiting. */
  maxRetryAfterMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL (starting with '/'), or an absolute URL (artifact uploads to another host). */
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  body?: Uint8Array;
  contentType?: string;
  /**
   * False for calls whose repetition could duplicate something (runs/create): those are retried
   * only when the server certainly did not act (connection refused, 408, 429, 503).
   */
  idempotent?: boolean;
}

function describeCause(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } } | undefined;
  const code = e?.cause?.code;
  const inner = e?.cause?.message;
  return [e?.message, code ?? inner].filter(Boolean).join(': ') || String(err);
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function isConnectionRefused(err: unknown): boolean {
  return (err as { cause?: { code?: string } } | undefined)?.cause?.code === 'ECONNREFUSED';
}

function buildUrl(base: string, path: string, query: RequestSpec['query']): string {
  const url = new URL(/^https?:\/\//.test(path) ? path : `${base}${path}`);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.append(k, String(v));
  return url.href;
}

/**
 * MLflow's file store refuses a changed param with INVALID_PARAMETER_VALUE, but its log-batch
 * handler rewraps every store error as 500 INTERNAL_ERROR (the SQL store answers 400). The message is
 * the store's own (file_store._validate_new_param_value, sqlalchemy_store alike): recognised here, the
 * refusal gets its real code and is not retried, since the same request cannot succeed later.
 */
const PARAM_CHANGE = /^Changing param values is not allowed\b/;

async function errorFromResponse(res: Response, endpoint: string): Promise<MlflowError> {
  const text = await res.text().catch(() => '');
  let code: string = errorCodeForStatus(res.status);
  let message = text.trim().slice(0, 500) || res.statusText;
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (typeof body.error_code === 'string') code = body.error_code;
    if (typeof body.message === 'string') message = body.message;
    if (PARAM_CHANGE.test(message)) code = 'INVALID_PARAMETER_VALUE';
  } catch {
    // Not MLflow's JSON (a proxy page, say): keep the status-derived code and the raw text.
  }
  return new MlflowError(code, `${endpoint} failed: HTTP ${res.status} ${code}: ${message}`, { httpStatus: res.status, endpoint });
}

/** One HTTP exchange with MLflow, retried on network errors, 408, 429 and 5xx with backoff that honours Retry-After. */
export async function httpRequest<T>(options: HttpOptions, spec: RequestSpec): Promise<T> {
  const url = buildUrl(options.baseUrl, spec.path, spec.query);
  const endpoint = `${spec.method} ${new URL(url).pathname}`;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.authorization !== undefined) headers.Authorization = options.authorization;
  let body: string | Uint8Array | undefined;
  if (spec.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(spec.json);
  } else if (spec.body !== undefined) {
    headers['Content-Type'] = spec.contentType ?? 'application/octet-stream';
    body = spec.body;
  }
  const idempotent = spec.idempotent ?? true;
  for (let attempt = 0; ; attempt++) {
    const canRetry = attempt < options.retries;
    let res: Response;
    try {
      res = await options.fetch(url, { method: spec.method, headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (err) {
      if (canRetry && (idempotent || isConnectionRefused(err))) {
        await options.sleep(backoffDelay(attempt, options, options.random));
        continue;
      }
      const timedOut = isTimeout(err);
      throw new MlflowError(
        timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        `MLflow server at ${options.baseUrl} is unreachable: ${endpoint} ${timedOut ? `timed out after ${options.timeoutMs} ms` : `failed (${describeCause(err)})`} after ${attempt + 1} attempt(s)`,
        { endpoint, cause: err },
      );
    }
    if (res.ok) {
      const text = await res.text();
      return (text.trim() === '' ? {} : parseJsonLenient(text)) as T;
    }
    if (canRetry && isRetryableStatus(res.status) && (idempotent || isUnprocessedStatus(res.status))) {
      // A 500 may be a refusal that the file store dresses as an internal error (PARAM_CHANGE): read it first.
      const refusal = res.status === 500 ? await errorFromResponse(res, endpoint) : undefined;
      if (refusal?.errorCode === 'INVALID_PARAMETER_VALUE') throw refusal;
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), options.now());
      if (retryAfter === undefined || retryAfter <= options.maxRetryAfterMs) {
        if (refusal === undefined) await res.body?.cancel().catch(() => undefined);
        await options.sleep(retryAfter ?? backoffDelay(attempt, options, options.random));
        continue;
      }
      if (refusal !== undefined) throw refusal;
    }
    throw await errorFromResponse(res, endpoint);
  }
}
