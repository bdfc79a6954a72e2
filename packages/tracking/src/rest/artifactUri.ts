import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlflowError } from '../errors.js';

/** Where a run's artifacts go: an HTTP base to PUT under, or a local folder to copy into. */
export type ArtifactTarget = { kind: 'http'; baseUrl: string } | { kind: 'local'; dir: string };

export const MLFLOW_ARTIFACTS_ROUTE = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * MlflowArtifactsRepository.resolve_uri: `mlflow-artifacts:/<path>` becomes
 * `<tracking scheme>://<host of the URI, else of the tracking URI><tracking path>/api/2.0/mlflow-artifacts/artifacts/<path>`.
 */
export function resolveMlflowArtifactsUri(artifactUri: string, trackingUri: string): string {
  const uri = new URL(artifactUri);
  const track = new URL(trackingUri);
  if (track.protocol !== 'http:' && track.protocol !== 'https:') {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `an mlflow-artifacts: URI needs an http(s) tracking URI, got '${trackingUri}'`);
  }
  const path = decodeURIComponent(uri.pathname);
  let resolved: string;
  if (path === '/') resolved = `${MLFLOW_ARTIFACTS_ROUTE}/`;
  else if (path === MLFLOW_ARTIFACTS_ROUTE) resolved = MLFLOW_ARTIFACTS_ROUTE;
  else resolved = `${track.pathname}/${MLFLOW_ARTIFACTS_ROUTE}/${path}`.replace(/\/{2,}/g, '/');
  const host = uri.host !== '' ? uri.host : track.host;
  return `${track.protocol}//${host}${resolved}`.replace(/\/+$/, '');
}

/** Chooses how to deliver artifacts for a run's artifact_uri, as MLflow's artifact repository registry would. */
export function artifactTarget(artifactUri: string, trackingUri: string): ArtifactTarget {
  if (artifactUri.startsWith('mlflow-artifacts:')) return { kind: 'http', baseUrl: resolveMlflowArtifactsUri(artifactUri, trackingUri) };
  if (/^https?:\/\//.test(artifactUri)) return { kind: 'http', baseUrl: artifactUri.replace(/\/+$/, '') };
  if (artifactUri.startsWith('file:')) return { kind: 'local', dir: fileURLToPath(artifactUri) };
  if (artifactUri.startsWith('/') || !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(artifactUri)) return { kind: 'local', dir: resolve(artifactUri) };
  throw new MlflowError(
    'INVALID_PARAMETER_VALUE',
    `run artifact URI '${artifactUri}' uses a scheme this client cannot write to; allowed: mlflow-artifacts: (start the server with --serve-artifacts, the default since MLflow 2), http(s)://, file: or a local path`,
  );
}

/** The URL of one uploaded file: the artifact base, the artifact directory, the file name; each segment escaped. */
export function artifactFileUrl(baseUrl: string, artifactPath: string, fileName: string): string {
  const segments = [...artifactPath.split('/'), fileName].filter((s) => s !== '' && s !== '.');
  return `${baseUrl}/${segments.map(encodeURIComponent).join('/')}`;
}
