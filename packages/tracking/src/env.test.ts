import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeTracker, parseTrackingUri, trackerFromEnv } from './env.js';
import { FileStore } from './fileStore/fileStore.js';
import { RestClient } from './rest/client.js';

describe('MLFLOW_TRACKING_URI', () => {
  const cwd = '/work/proj';

  it('unset → ./mlruns; file: and plain paths → a file store there; http(s) → REST', () => {
    expect(parseTrackingUri(undefined, cwd)).toEqual({ kind: 'file', root: '/work/proj/mlruns' });
    expect(parseTrackingUri('  ', cwd)).toEqual({ kind: 'file', root: '/work/proj/mlruns' });
    expect(parseTrackingUri('file:///data/mlruns', cwd)).toEqual({ kind: 'file', root: '/data/mlruns' });
    expect(parseTrackingUri('file:./runs', cwd)).toEqual({ kind: 'file', root: '/work/proj/runs' });
    expect(parseTrackingUri('../shared/mlruns', cwd)).toEqual({ kind: 'file', root: '/work/shared/mlruns' });
    expect(parseTrackingUri('https://mlflow.example.org/ml/', cwd)).toEqual({ kind: 'rest', url: 'https://mlflow.example.org/ml' });
  });

  it('names the variable, the value and what is allowed for a bad scheme', () => {
    expect(() => parseTrackingUri('databricks', cwd)).toThrow("MLFLOW_TRACKING_URI='databricks' names a Databricks workspace");
    expect(() => parseTrackingUri('sqlite:///mlflow.db', cwd)).toThrow(
      "MLFLOW_TRACKING_URI='sqlite:///mlflow.db' has the unsupported scheme 'sqlite:'; allowed: unset (./mlruns), a local path, a file: URI, or an http(s):// URL",
    );
    expect(() => parseTrackingUri('databricks://profile', cwd)).toThrow("unsupported scheme 'databricks:'");
  });

  it('builds the tracker and describes it for the CLI', () => {
    const local = trackerFromEnv({}, cwd);
    expect(local).toBeInstanceOf(FileStore);
    expect(describeTracker(local, cwd)).toBe('MLflow runs: ./mlruns (view with `mlflow ui --backend-store-uri ./mlruns`)');
    expect(describeTracker(new FileStore('/elsewhere/mlruns'), cwd)).toBe(
      'MLflow runs: /elsewhere/mlruns (view with `mlflow ui --backend-store-uri /elsewhere/mlruns`)',
    );
    const remote = trackerFromEnv({ MLFLOW_TRACKING_URI: 'http://localhost:5000', MLFLOW_TRACKING_TOKEN: 't', MLFLOW_HTTP_REQUEST_TIMEOUT: '3' }, cwd);
    expect(remote).toBeInstanceOf(RestClient);
    expect(describeTracker(remote, cwd)).toBe('MLflow runs: http://localhost:5000');
    expect(() => trackerFromEnv({ MLFLOW_TRACKING_URI: 'http://h', MLFLOW_TRACKING_USERNAME: 'u' }, cwd)).toThrow(
      'needs both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD',
    );
    expect(() => trackerFromEnv({ MLFLOW_TRACKING_URI: 'http://h', MLFLOW_HTTP_REQUEST_MAX_RETRIES: 'x' }, cwd)).toThrow(
      "MLFLOW_HTTP_REQUEST_MAX_RETRIES='x' must be a non-negative number",
    );
    expect(join(cwd, 'mlruns')).toBe((local as FileStore).root);
  });
});
