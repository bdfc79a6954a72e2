/**
 * MLflow's JSON (protobuf JSON mapping): doubles NaN/±Inf travel as the strings "NaN",
 * "Infinity", "-Infinity"; int64 fields arrive as numbers or, from older servers, as strings.
 */
import { isRunStatus, type Metric, type Run, type RunInfo } from '../types.js';

export type WireMetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

export function encodeMetricValue(value: number): WireMetricValue {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

export function decodeMetricValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  throw new Error(`metric value ${JSON.stringify(value)} is not a number`);
}

export function decodeInt64(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new Error(`expected an integer, got ${JSON.stringify(value)}`);
  return n;
}

export interface WireMetric {
  key: string;
  value: WireMetricValue;
  timestamp: number;
  step: number;
}

export function metricToWire(m: Metric): WireMetric {
  return { key: m.key, value: encodeMetricValue(m.value), timestamp: m.timestamp, step: m.step };
}

export function metricFromWire(raw: unknown): Metric {
  const m = raw as { key?: unknown; value?: unknown; timestamp?: unknown; step?: unknown };
  return { key: String(m.key ?? ''), value: decodeMetricValue(m.value), timestamp: decodeInt64(m.timestamp) ?? 0, step: decodeInt64(m.step) ?? 0 };
}

export function runInfoFromWire(raw: unknown): RunInfo {
  const i = (raw ?? {}) as Record<string, unknown>;
  const status = isRunStatus(i.status) ? i.status : 'RUNNING';
  return {
    runId: String(i.run_id ?? i.run_uuid ?? ''),
    runName: String(i.run_name ?? ''),
    experimentId: String(i.experiment_id ?? ''),
    userId: String(i.user_id ?? ''),
    status,
    startTime: decodeInt64(i.start_time),
    endTime: decodeInt64(i.end_time),
    artifactUri: String(i.artifact_uri ?? ''),
    lifecycleStage: i.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
}

function keyValues(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (raw ?? []) as Array<{ key?: unknown; value?: unknown }>) out[String(kv.key)] = String(kv.value ?? '');
  return out;
}

export function runFromWire(raw: unknown): Run {
  const r = (raw ?? {}) as { info?: unknown; data?: { metrics?: unknown[]; params?: unknown; tags?: unknown } };
  return {
    info: runInfoFromWire(r.info),
    metrics: (r.data?.metrics ?? []).map(metricFromWire),
    params: keyValues(r.data?.params),
    tags: keyValues(r.data?.tags),
  };
}

/**
 * JSON.parse, falling back to reading bare NaN / Infinity / -Infinity tokens (which Python's
 * json.dumps emits) as their string forms, so a server that sends them is still understood.
 */
export function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    let out = '';
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (inString) {
        out += c;
        if (c === '\\') out += text[++i] ?? '';
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') {
        inString = true;
        out += c;
        continue;
      }
      const token = ['-Infinity', 'Infinity', 'NaN'].find((t) => text.startsWith(t, i));
      if (token !== undefined) {
        out += `"${token}"`;
        i += token.length - 1;
      } else out += c;
    }
    if (out === text) throw err;
    return JSON.parse(out);
  }
}
