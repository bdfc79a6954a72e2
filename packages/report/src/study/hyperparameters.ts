/** A trial's configuration as flat `name → value` pairs, so the report can say which settings a study varied. */
import { type TrialConfig, type TrialRecord, trialSettings } from '@ganbench/study-folder';

export type HyperparameterValue = string | number | boolean | null;

/** Settings that have their own column in the report (or identify the trial), so they are not hyperparameters. */
const OWN_COLUMNS = new Set(['dataset', 'architecture', 'loss', 'regularizers', 'normalization', 'seed']);

/** The trial's settings by the names MLflow params and study files use (training.optimizer.lr, regularizers.r1.gamma), minus those with their own column. */
export function flattenConfig(config: TrialConfig): Map<string, HyperparameterValue> {
  return new Map(Object.entries(trialSettings(config)).filter(([name]) => !OWN_COLUMNS.has(name)));
}

export interface HyperparameterSummary {
  /** Names of the settings that differ between trials, sorted. */
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
export function summarizeHyperparameters(trials: readonly TrialRecord[]): HyperparameterSummary {
  const flat = new Map(trials.map((trial) => [trial.id, flattenConfig(trial.config)]));
  // Sorted, so the settings read in the same order in every row.
  const paths = [...new Set([...flat.values()].flatMap((map) => [...map.keys()]))].sort((a, b) => a.localeCompare(b));
  const isVarying = (dotted: string): boolean => {
    const seen = new Set([...flat.values()].map((map) => (map.has(dotted) ? JSON.stringify(map.get(dotted)) : undefined)));
    return seen.size > 1;
  };
  const varyingPaths = paths.filter(isVarying);
  const first = flat.values().next().value ?? new Map<string, HyperparameterValue>();
  return {
    varying: varyingPaths,
    fixed: paths.filter((dotted) => !isVarying(dotted)).map((name) => [name, first.get(name) ?? null]),
    valuesOf(id: string) {
      const map = flat.get(id);
      if (!map) return [];
      return varyingPaths.filter((dotted) => map.has(dotted)).map((name) => [name, map.get(name) ?? null]);
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
