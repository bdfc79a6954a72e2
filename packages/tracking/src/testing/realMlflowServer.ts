/**
 * MLflow's own tracking server (../shared/mlflow-server beside the checkout: MLflow 3.6 run from
 * source on Debian's Python), started on a free loopback port for tests that must agree with the
 * real thing, not only with FakeMlflowServer. Each server runs in its own process group (MLflow
 * forks uvicorn) and is stopped as a group, also when the test process exits.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The folder holding `start`, `python/` and `debian-packages.txt`; GANBENCH_MLFLOW_SERVER_DIR overrides. */
export const MLFLOW_SERVER_DIR = process.env.GANBENCH_MLFLOW_SERVER_DIR ?? fileURLToPath(new URL('../../../../../shared/mlflow-server/', import.meta.url));
const PYTHON = '/usr/bin/python3';

/** The Debian packages the server needs that dpkg says are not installed; null when dpkg cannot say. */
function missingDebianPackages(): string[] | null {
  const wanted = readFileSync(join(MLFLOW_SERVER_DIR, 'debian-packages.txt'), 'utf8').split(/\s+/).filter(Boolean);
  let listed: string;
  try {
    // dpkg-query's own format fields, not a template.
    const format = ['-f=$', '{db:Status-Abbrev} $', '{Package}\\n'].join('');
    listed = execFileSync('dpkg-query', ['-W', format, ...wanted], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    // dpkg-query exits 1 when some package is unknown, still listing the known ones.
    const out = (err as { stdout?: unknown; code?: unknown }).stdout;
    if ((err as { code?: unknown }).code === 'ENOENT' || typeof out !== 'string') return null;
    listed = out;
  }
  const installed = new Set(
    listed
      .split('\n')
      .filter((line) => line.startsWith('ii'))
      .map((line) => line.split(/\s+/).pop()),
  );
  return wanted.filter((p) => !installed.has(p));
}

/**
 * Why MLflow's server cannot run here, or null when it can: the only reasons a real-server test
 * may skip. Elsewhere a server that fails to start fails the test.
 */
export function realMlflowServerUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing (MLflow's server runs on Debian's Python)`;
  if (!existsSync(join(MLFLOW_SERVER_DIR, 'start'))) return `${MLFLOW_SERVER_DIR} is missing (MLflow's server, beside the checkout)`;
  const missing = missingDebianPackages();
  if (missing !== null && missing.length > 0) {
    return `Debian packages missing: ${missing.join(' ')} (apt-get install -y --no-install-recommends $(cat ${join(MLFLOW_SERVER_DIR, 'debian-packages.txt')}))`;
  }
  return null;
}

/** Environment for MLflow's Python client: its packages on the path, no telemetry. */
export function mlflowPythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const pythonPath = join(MLFLOW_SERVER_DIR, 'python');
  return {
    ...process.env,
    PYTHONPATH: process.env.PYTHONPATH ? `${pythonPath}:${process.env.PYTHONPATH}` : pythonPath,
    MLFLOW_ALLOW_FILE_STORE: 'true',
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
    ...extra,
  };
}

/** Runs a Python snippet with MLflow importable; its stdout. */
export function runMlflowPython(code: string, args: readonly string[] = []): string {
  return execFileSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', env: mlflowPythonEnv(), maxBuffer: 64 * 1024 * 1024 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RealMlflowServer {
  url: string;
  /** What --backend-store-uri was: a sqlite: URI or a file store folder. */
  backendStoreUri: string;
  /** Seconds from spawn until /health answered. */
  startSeconds: number;
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Starts MLflow's server in `dir` with a SQL store (`dir/mlflow.db`) or a file store (`dir/mlruns`,
 * or `fileStore` when given, e.g. a folder ganbench wrote), artifacts served from `dir/artifacts`.
 * Resolves once /health answers; a server that exits or stays silent for `timeoutMs` rejects with
 * the tail of its log.
 */
export async function startRealMlflowServer(options: {
  store: 'sql' | 'file';
  dir: string;
  fileStore?: string;
  timeoutMs?: number;
}): Promise<RealMlflowServer> {
  await mkdir(options.dir, { recursive: true });
  const backendStoreUri = options.store === 'sql' ? `sqlite:///${join(options.dir, 'mlflow.db')}` : (options.fileStore ?? join(options.dir, 'mlruns'));
  const port = await freePort();
  const logFile = join(options.dir, 'server.log');
  const logFd = openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(join(MLFLOW_SERVER_DIR, 'start'), [String(port), backendStoreUri, join(options.dir, 'artifacts')], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  running.add(child);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
    running.delete(child);
  });
  const url = `http://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    if (exited !== null || child.pid === undefined) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    killGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (exited !== null) break;
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return { url, backendStoreUri, startSeconds: (performance.now() - started) / 1000, close };
    if (Date.now() > deadline) break;
    await sleep(100);
  }
  await close();
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
  throw new Error(
    `MLflow server (${backendStoreUri}) on port ${port} ${exited ?? `did not answer /health within ${options.timeoutMs ?? 90_000} ms`}; log ${logFile}:\n${tail}`,
  );
}
