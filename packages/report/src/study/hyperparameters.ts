/** A trial's configuration as flat `name → value` pairs, so the report can say which settings a study varied. */
import type { TrialRecordInput } from './records.js';

export type HyperparameterValue = string | number | boolean | null;

/** Fields that have their own column in the report (or identify the trial), so they are not hyperparameters. */
const OWN_COLUMNS = new Set(['dataset.name', 'architecture.name', 'loss.name', 'regularizer.name', 'seed']);

/** Shorter names a GAN reader knows: `training.generatorOptimizer.lr` → `G.lr`, `regularizer.params.lambda` → `regularizer.lambda`. */
function shortName(dotted: string): string {
  return dotted
    .split('.')
    .filter((part, index) => part !== 'params' && part !== 'options' && !(index === 0 && part === 'training'))
    .map((part) => (part === 'generatorOptimizer' ? 'G' : part === 'discriminatorOptimizer' ? 'D' : part))
    .join('.');
}

/** Every scalar leaf of the config by dotted path (arrays as comma-joined text), minus the fields with their own column. */
export function flattenConfig(config: unknown): Map<string, HyperparameterValue> {
  const out = new Map<string, HyperparameterValue>();
  const walk = (value: unknown, at: string): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, item] of Object.entries(value)) walk(item, at === '' ? key : `${at}.${key}`);
    } else if (!OWN_COLUMNS.has(at)) {
      out.set(at, Array.isArray(value) ? value.map(String).join(',') : (value as HyperparameterValue));
    }
  };
  walk(config, '');
  return out;
}

export interface HyperparameterSummary {
  /** Names (short where unambiguous) of the settings that differ between trials, sorted. */
  varying: string[];
  /** Settings shared by every trial, for one line above the appendix. */
  fixed: [string, HyperparameterValue][];
  /** A trial's values of the varying settings, by id. */
  valuesOf(id: string): [string, HyperparameterValue][];
}

/**
 * Splits the settings into those a study varied and those it fixed. A setting only some trials have (λ exists
 * only for the regularizers that take one) counts as varying.
 */
export function summarizeHyperparameters(trials: readonly TrialRecordInput[]): HyperparameterSummary {
  const flat = new Map(trials.map((trial) => [trial.id, flattenConfig(trial.config)]));
  const allPaths = [...new Set([...flat.values()].flatMap((map) => [...map.keys()]))];
  const unique = new Set(allPaths.map(shortName)).size === allPaths.length;
  const nameOf = new Map(allPaths.map((dotted) => [dotted, unique ? shortName(dotted) : dotted]));
  // Sorted by the name shown, so the settings read in the same order in every row.
  const paths = allPaths.sort((a, b) => (nameOf.get(a) as string).localeCompare(nameOf.get(b) as string));
  const isVarying = (dotted: string): boolean => {
    const seen = new Set([...flat.values()].map((map) => (map.has(dotted) ? JSON.stringify(map.get(dotted)) : undefined)));
    return seen.size > 1;
  };
  const varyingPaths = paths.filter(isVarying);
  const first = flat.values().next().value ?? new Map<string, HyperparameterValue>();
  return {
    varying: varyingPaths.map((dotted) => nameOf.get(dotted) as string),
    fixed: paths.filter((dotted) => !isVarying(dotted)).map((dotted) => [nameOf.get(dotted) as string, first.get(dotted) ?? null]),
    valuesOf(id: string) {
      const map = flat.get(id);
      if (!map) return [];
      return varyingPaths.filter((dotted) => map.has(dotted)).map((dotted) => [nameOf.get(dotted) as string, map.get(dotted) ?? null]);
    },
  };
}

/** `name=value` pairs, numbers at four significant digits. */
export function formatSettings(settings: readonly [string, HyperparameterValue][]): string {
  return settings.map(([name, value]) => `${name}=${typeof value === 'number' ? formatNumber(value) : String(value)}`).join(', ');
}

/** Four significant digits: enough to tell metric values and learning rates apart, short enough for a table. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(roundForDisplay(value));
}

/** The value as displayed, so marks of "best" agree with what the reader sees. */
export function roundForDisplay(value: number): number {
  return Number(value.toPrecision(4));
}
