import { describe, expect, it } from 'vitest';
import { authorizationHeader } from './auth.js';

describe('auth header', () => {
  it('prefers basic auth, else bearer, as MLflow does', () => {
    expect(authorizationHeader({ username: 'ann', password: 'pw:1', token: 't' })).toBe(`Basic ${Buffer.from('ann:pw:1').toString('base64')}`);
    expect(authorizationHeader({ token: 'tok' })).toBe('Bearer tok');
    expect(authorizationHeader({})).toBeUndefined();
    expect(() => authorizationHeader({ username: 'ann' })).toThrow('needs both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD');
  });
});
