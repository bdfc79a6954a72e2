/**
 * metrics.jsonl: one `{"key","value","step","timestamp"}` object per line; non-finite values as
 * the strings "NaN", "Infinity", "-Infinity" (JSON has no literal for them).
 */

import { decodeMetricValue, encodeMetricValue } from '../rest/wire.js';
import type { Metric } from '../types.js';

export function formatMetricsLines(points: readonly Metric[]): string {
  return points.map((m) => `${JSON.stringify({ key: m.key, value: encodeMetricValue(m.value), step: m.step, timestamp: m.timestamp })}\n`).join('');
}

function parseLine(line: string): Metric {
  const o = JSON.parse(line) as Record<string, unknown>;
  if (typeof o.key !== 'string' || o.key === '') throw new Error(`"key" must be a non-empty string, got ${JSON.stringify(o.key)}`);
  if (!Number.isSafeInteger(o.step)) throw new Error(`"step" must be an integer, got ${JSON.stringify(o.step)}`);
  if (!Number.isSafeInteger(o.timestamp)) throw new Error(`"timestamp" must be an integer (ms), got ${JSON.stringify(o.timestamp)}`);
  return { key: o.key, value: decodeMetricValue(o.value), step: o.step as number, timestamp: o.timestamp as number };
}

export interface ParsedMetrics {
  metrics: Metric[];
  /** True when the last line was cut short (a killed writer) and was left out. */
  tornTail: boolean;
}

/**
 * Reads every complete line. The last line is dropped when it lacks its newline or does not parse
 * (a process killed mid-write); any other bad line is an error naming file and line.
 */
export function parseMetricsJsonl(text: string, where: string): ParsedMetrics {
  const lines = text.split('\n');
  // After a final '\n' split leaves '', otherwise the unterminated tail.
  const tail = lines.pop() ?? '';
  const metrics: Metric[] = [];
  let tornTail = tail.trim() !== '';
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      metrics.push(parseLine(line));
    } catch (err) {
      if (i === lines.length - 1 && tail === '') {
        tornTail = true;
        return;
      }
      throw new Error(`${where}:${i + 1}: ${(err as Error).message}`);
    }
  });
  return { metrics, tornTail };
}
