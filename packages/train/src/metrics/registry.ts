import { fid } from './fid.js';
import { frechet2d } from './frechet2d.js';
import { highQuality } from './highQuality.js';
import { is } from './is.js';
import { kid } from './kid.js';
import type { EvaluationData, MetricDefinition } from './metric.js';
import { modesCovered } from './modesCovered.js';
import { precision } from './precision.js';
import { recall } from './recall.js';

/** Every metric a study can name; adding one is a file beside these and a line here. */
export const METRICS: readonly MetricDefinition[] = [modesCovered, highQuality, frechet2d, fid, kid, is, precision, recall];

export const METRIC_NAMES = METRICS.map((m) => m.name) as [string, ...string[]];

export function getMetric(name: string): MetricDefinition {
  const metric = METRICS.find((m) => m.name === name);
  if (metric === undefined) throw new Error(`metric '${name}' is not allowed; allowed: ${METRIC_NAMES.join(', ')}`);
  return metric;
}

/** The metrics that apply to a kind of data, in registry order. */
export function metricsFor(kind: EvaluationData['kind']): string[] {
  return METRICS.filter((m) => m.appliesTo === kind).map((m) => m.name);
}
