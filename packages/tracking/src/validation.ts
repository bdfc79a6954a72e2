import { posix } from 'node:path';
import { MlflowError } from './errors.js';

/** mlflow.utils.validation limits. */
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 8000;

/** MLflow (non-Windows): keys may hold alphanumerics, underscores, dashes, periods, spaces, colons and slashes. */
const KEY_PATTERN = /^[/\w.\- :]*$/;

/**
 * Metric, param and tag keys become file paths in the file store, so MLflow rejects any key that
 * a path normalisation would change (`a//b`, `./a`, `../a`, `/a`).
 */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `${kind} key must be a non-empty string, got ${JSON.stringify(key)}`);
  }
  if (!KEY_PATTERN.test(key)) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `${kind} key '${key}' is invalid: names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/)`,
    );
  }
  const norm = posix.normalize(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `${kind} key '${key}' is invalid: as a file path it would resolve to '${norm}'`);
  }
  if (key.length > MAX_ENTITY_KEY_LENGTH) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `${kind} key '${key.slice(0, 40)}…' exceeds the maximum length of ${MAX_ENTITY_KEY_LENGTH} characters`);
  }
}

export function validateValueLength(kind: 'param' | 'tag', key: string, value: string): void {
  const limit = kind === 'param' ? MAX_PARAM_VAL_LENGTH : MAX_TAG_VAL_LENGTH;
  if (value.length > limit) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `${kind} '${key}' value has ${value.length} characters; MLflow allows at most ${limit}`);
  }
}

/** MLflow's run ids: an alphanumeric then up to 255 word characters or dashes. */
export function validateRunId(runId: string): void {
  if (!/^[a-zA-Z0-9][\w-]{0,255}$/.test(runId)) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `invalid run id ${JSON.stringify(runId)}: expected an alphanumeric string of 1 to 256 characters`);
  }
}

/** The file store's experiment ids: MLflow's _EXPERIMENT_ID_REGEX. */
export function validateExperimentId(experimentId: string): void {
  if (!/^[a-zA-Z0-9][\w-]{0,63}$/.test(experimentId)) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `invalid experiment id ${JSON.stringify(experimentId)}: expected an alphanumeric string of 1 to 64 characters`,
    );
  }
}

/** The message MLflow's stores give when a logged param would change (file_store._validate_new_param_value). */
export function paramChangeMessage(key: string, oldValue: string, newValue: string, runId: string): string {
  return (
    `Changing param values is not allowed. Param with key='${key}' was already logged with value='${oldValue}' ` +
    `for run ID='${runId}'. Attempted logging new value '${newValue}'.`
  );
}

export function validateMetric(m: { key: string; value: number; timestamp: number; step: number }): void {
  validateKey('metric', m.key);
  if (typeof m.value !== 'number') {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `metric '${m.key}' value must be a number (NaN and ±Infinity allowed), got ${JSON.stringify(m.value)}`);
  }
  if (!Number.isSafeInteger(m.timestamp) || m.timestamp < 0) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `metric '${m.key}' timestamp must be a non-negative integer (milliseconds), got ${m.timestamp}`);
  }
  if (!Number.isSafeInteger(m.step)) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `metric '${m.key}' step must be an integer, got ${m.step}`);
  }
}
