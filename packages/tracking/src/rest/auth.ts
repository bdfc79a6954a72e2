export interface Credentials {
  username?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
}

/**
 * MLflow's order (mlflow.utils.rest_utils): basic auth when both username and password are set,
 * else a bearer token, else nothing.
 */
export function authorizationHeader(creds: Credentials): string | undefined {
  const { username, password, token } = creds;
  if ((username !== undefined && username !== '') !== (password !== undefined && password !== '')) {
    throw new Error(
      `MLflow basic auth needs both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD; only ${username ? 'the username' : 'the password'} is set`,
    );
  }
  if (username && password) return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  if (token) return `Bearer ${token}`;
  return undefined;
}
