import { describe, expect, it } from 'vitest';
import { artifactFileUrl, artifactTarget, resolveMlflowArtifactsUri } from './artifactUri.js';

describe('artifact URIs (MlflowArtifactsRepository.resolve_uri)', () => {
  it('maps mlflow-artifacts: onto the tracking server', () => {
    expect(resolveMlflowArtifactsUri('mlflow-artifacts:/1/abc/artifacts', 'http://localhost:5000')).toBe(
      'http://localhost:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts',
    );
    expect(resolveMlflowArtifactsUri('mlflow-artifacts:/1/abc/artifacts', 'https://host/mlflow/')).toBe(
      'https://host/mlflow/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts',
    );
    expect(resolveMlflowArtifactsUri('mlflow-artifacts://other:6000/1/abc/artifacts', 'http://localhost:5000')).toBe(
      'http://other:6000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts',
    );
  });

  it('builds upload URLs and picks copy for local URIs', () => {
    expect(artifactFileUrl('http://h/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts', 'samples', 'step 1.png')).toBe(
      'http://h/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/samples/step%201.png',
    );
    expect(artifactTarget('file:///tmp/mlruns/1/r/artifacts', 'http://h')).toEqual({ kind: 'local', dir: '/tmp/mlruns/1/r/artifacts' });
    expect(artifactTarget('/srv/mlruns/1/r/artifacts', 'http://h')).toEqual({ kind: 'local', dir: '/srv/mlruns/1/r/artifacts' });
    expect(() => artifactTarget('s3://bucket/1/r/artifacts', 'http://h')).toThrow('uses a scheme this client cannot write to; allowed: mlflow-artifacts:');
  });
});
