import type { LogBatch, Param, RunTag } from '../types.js';
import { metricToWire, type WireMetric } from './wire.js';

/** The documented runs/log-batch request limits (MLflow REST API, "Request Limits"). */
export interface LogBatchLimits {
  maxMetrics: number;
  maxParams: number;
  maxTags: number;
  maxItems: number;
  /** Size of the serialised JSON body in bytes. */
  maxBytes: number;
}

export const LOG_BATCH_LIMITS: Readonly<LogBatchLimits> = { maxMetrics: 1000, maxParams: 100, maxTags: 100, maxItems: 1000, maxBytes: 1_000_000 };

export interface WireLogBatch {
  run_id: string;
  metrics: WireMetric[];
  params: Param[];
  tags: RunTag[];
}

type Item = { kind: 'params'; value: Param } | { kind: 'tags'; value: RunTag } | { kind: 'metrics'; value: WireMetric };

const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), 'utf8');

/**
 * Splits one logical batch into request bodies that each respect every limit, greedily and in
 * order (params, then tags, then metrics; each kind keeps its order). Nothing is dropped: an item
 * that cannot fit even alone is an error.
 */
export function splitLogBatch(runId: string, batch: LogBatch, limits: LogBatchLimits = LOG_BATCH_LIMITS): WireLogBatch[] {
  const items: Item[] = [
    ...(batch.params ?? []).map((value): Item => ({ kind: 'params', value: { key: value.key, value: value.value } })),
    ...(batch.tags ?? []).map((value): Item => ({ kind: 'tags', value: { key: value.key, value: value.value } })),
    ...(batch.metrics ?? []).map((m): Item => ({ kind: 'metrics', value: metricToWire(m) })),
  ];
  const empty = (): WireLogBatch => ({ run_id: runId, metrics: [], params: [], tags: [] });
  const overhead = bytes(empty());
  const max = { metrics: limits.maxMetrics, params: limits.maxParams, tags: limits.maxTags };
  const out: WireLogBatch[] = [];
  let current = empty();
  let size = overhead;
  let count = 0;
  for (const item of items) {
    // +1 for the comma that separates it from a previous element of its array.
    const itemBytes = bytes(item.value) + (current[item.kind].length > 0 ? 1 : 0);
    const full = current[item.kind].length >= max[item.kind] || count >= limits.maxItems || size + itemBytes > limits.maxBytes;
    if (full && count > 0) {
      out.push(current);
      current = empty();
      size = overhead;
      count = 0;
    }
    const added = bytes(item.value);
    if (overhead + added > limits.maxBytes) {
      throw new Error(
        `${item.kind.slice(0, -1)} '${item.value.key}' alone makes a log-batch request of ${overhead + added} bytes; the limit is ${limits.maxBytes}`,
      );
    }
    size += added + (current[item.kind].length > 0 ? 1 : 0);
    (current[item.kind] as unknown[]).push(item.value);
    count++;
  }
  if (count > 0) out.push(current);
  return out;
}
