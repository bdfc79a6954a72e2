import { createHash } from 'node:crypto';
import {
  legacyTrialConfig,
  type TrialConfig,
  withoutDefaultArchitectureOptions,
  withoutDefaultLossParams,
  withoutDefaultUnrolling,
} from '@ganbench/study-folder';

/**
 * JSON with object keys sorted at every depth, so the same value written in any key order has one
 * text. Undefined members are left out (as JSON.stringify does); non-finite numbers have no JSON
 * and fail rather than silently becoming null.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`canonicalJson: a ${typeof value} has no JSON form`);
}

/** First 16 hex digits of the SHA-256 of the canonical JSON. */
export function shortHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

/**
 * A trial's identity: the hash of its fully resolved configuration, in the form written before the
 * normalization axis when it has one (at most one regularizer, or spectral normalization alone), so
 * studies recorded before keep their ids and a rerun does no work; `training.unrolledSteps` is hashed only when it is not 0,
 * minibatchKernels and minibatchKernelDims only when minibatchKernels is not 0, generatorVirtualBatchNorm and
 * virtualBatchSize only when generatorVirtualBatchNorm is true, energy-based's pullAway only when it is not 0.
 */
export function trialId(config: TrialConfig): string {
  const legacy = (legacyTrialConfig(config) as TrialConfig | null) ?? config;
  return shortHash(withoutDefaultLossParams(withoutDefaultArchitectureOptions(withoutDefaultUnrolling(legacy))));
}
