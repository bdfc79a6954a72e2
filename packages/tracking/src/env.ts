import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStore } from './fileStore/fileStore.js';
import { RestClient, type RestClientOptions } from './rest/client.js';
import type { Tracker } from './types.js';

export type TrackingTarget = { kind: 'file'; root: string } | { kind: 'rest'; url: string };

const ALLOWED = 'allowed: unset (./mlruns), a local path, a file: URI, or an http(s):// URL of an MLflow tracking server';

/** How MLflow reads MLFLOW_TRACKING_URI: unset → ./mlruns, file: or a path → a file store there, http(s) → the REST API. */
export function parseTrackingUri(value: string | undefined, cwd: string): TrackingTarget {
  const uri = value?.trim() ?? '';
  if (uri === '') return { kind: 'file', root: join(resolve(cwd), 'mlruns') };
  if (/^https?:\/\//i.test(uri)) {
    try {
      new URL(uri);
    } catch {
      throw new Error(`MLFLOW_TRACKING_URI='${uri}' is not a valid URL; ${ALLOWED}`);
    }
    return { kind: 'rest', url: uri.replace(/\/+$/, '') };
  }
  if (uri.startsWith('file://')) return { kind: 'file', root: fileURLToPath(uri) };
  if (uri.startsWith('file:')) return { kind: 'file', root: resolve(cwd, uri.slice('file:'.length)) };
  // MLflow reads a bare 'databricks' as the Databricks workspace, never as a folder.
  if (/^databricks(-uc)?$/.test(uri)) throw new Error(`MLFLOW_TRACKING_URI='${uri}' names a Databricks workspace, which ganbench does not support; ${ALLOWED}`);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1];
  // A one-letter "scheme" is a Windows drive.
  if (scheme === undefined || (scheme.length === 1 && /^[a-zA-Z]:[\\/]/.test(uri))) return { kind: 'file', root: resolve(cwd, uri) };
  const hint = /^(sqlite|postgresql|mysql|mssql)/i.test(scheme)
    ? ` (for a database backend, run \`mlflow server --backend-store-uri ${uri}\` and set MLFLOW_TRACKING_URI to that server's http:// URL)`
    : '';
  throw new Error(`MLFLOW_TRACKING_URI='${uri}' has the unsupported scheme '${scheme}:'; ${ALLOWED}${hint}`);
}

function numberFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}='${raw}' must be a non-negative number`);
  return n;
}

/**
 * The tracker MLflow's own client would use in this environment. Credentials come from
 * MLFLOW_TRACKING_USERNAME/PASSWORD (basic) or MLFLOW_TRACKING_TOKEN (bearer); MLflow's
 * MLFLOW_HTTP_REQUEST_TIMEOUT (seconds) and MLFLOW_HTTP_REQUEST_MAX_RETRIES are honoured.
 */
export function trackerFromEnv(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), overrides: Partial<RestClientOptions> = {}): Tracker {
  const target = parseTrackingUri(env.MLFLOW_TRACKING_URI, cwd);
  if (target.kind === 'file') return new FileStore(target.root);
  const timeoutS = numberFromEnv(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT');
  const retries = numberFromEnv(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES');
  return new RestClient({
    trackingUri: target.url,
    username: env.MLFLOW_TRACKING_USERNAME || undefined,
    password: env.MLFLOW_TRACKING_PASSWORD || undefined,
    token: env.MLFLOW_TRACKING_TOKEN || undefined,
    ...(timeoutS === undefined ? {} : { timeoutMs: timeoutS * 1000 }),
    ...(retries === undefined ? {} : { retries }),
    ...overrides,
  });
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(resolve(cwd), path);
  const shown = rel === '' ? '.' : !rel.startsWith('..') && !isAbsolute(rel) ? `.${sep}${rel}` : path;
  return /\s/.test(shown) ? `"${shown}"` : shown;
}

/** One line for the CLI saying where the runs are and how to look at them. */
export function describeTracker(tracker: Tracker, cwd: string = process.cwd()): string {
  if (tracker instanceof FileStore) {
    const shown = displayPath(tracker.root, cwd);
    return `MLflow runs: ${shown} (view with \`mlflow ui --backend-store-uri ${shown}\`)`;
  }
  return `MLflow runs: ${tracker.describe()}`;
}
