import type { TrialConfig } from './config.js';

/**
 * A trial's configuration as MLflow params: a named part becomes its name under its own key and
 * its settings under `key.setting` (loss = hinge, regularizer.lambda = 10), the rest dotted paths.
 */
export function trialParams(config: TrialConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (prefix: string, value: unknown): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      out[prefix] = Array.isArray(value) ? value.join(',') : String(value);
      return;
    }
    const record = value as Record<string, unknown>;
    const named = typeof record.name === 'string';
    for (const [key, inner] of Object.entries(record)) {
      if (named && key === 'name') out[prefix] = inner as string;
      else if (named && (key === 'params' || key === 'options')) visit(prefix, inner);
      else visit(prefix === '' ? key : `${prefix}.${key}`, inner);
    }
  };
  visit('', config);
  return out;
}
