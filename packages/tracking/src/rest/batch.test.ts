import { describe, expect, it } from 'vitest';
import type { Metric } from '../types.js';
import { LOG_BATCH_LIMITS, splitLogBatch } from './batch.js';

const metrics = (n: number, key = 'd_loss'): Metric[] =>
  Array.from({ length: n }, (_, i) => ({ key, value: i / 7, timestamp: 1_700_000_000_000 + i, step: i }));

function checkWithinLimits(chunks: ReturnType<typeof splitLogBatch>): void {
  for (const c of chunks) {
    expect(c.metrics.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.maxMetrics);
    expect(c.params.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.maxParams);
    expect(c.tags.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.maxTags);
    expect(c.metrics.length + c.params.length + c.tags.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.maxItems);
    expect(Buffer.byteLength(JSON.stringify(c))).toBeLessThanOrEqual(LOG_BATCH_LIMITS.maxBytes);
  }
}

describe('splitLogBatch', () => {
  it('splits 2,500 metrics into 3 requests of at most 1,000, keeping order', () => {
    const chunks = splitLogBatch('r1', { metrics: metrics(2500) });
    expect(chunks.map((c) => c.metrics.length)).toEqual([1000, 1000, 500]);
    checkWithinLimits(chunks);
    expect(chunks.flatMap((c) => c.metrics.map((m) => m.step))).toEqual(Array.from({ length: 2500 }, (_, i) => i));
  });

  it('keeps params ≤ 100, tags ≤ 100 and the total ≤ 1,000 per request', () => {
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    const tags = Array.from({ length: 150 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    const chunks = splitLogBatch('r1', { params, tags, metrics: metrics(1900) });
    checkWithinLimits(chunks);
    expect(chunks.flatMap((c) => c.params).length).toBe(250);
    expect(chunks.flatMap((c) => c.tags).length).toBe(150);
    expect(chunks.flatMap((c) => c.metrics).length).toBe(1900);
    // 250 params + 150 tags + 1900 metrics = 2300 items: at least ⌈2300/1000⌉ requests, and the param limit forces 3 for params alone.
    expect(chunks.length).toBeGreaterThanOrEqual(4);
  });

  it('splits on bytes when values are large (1 MB bodies)', () => {
    const big = 'x'.repeat(5000);
    const params = Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: big }));
    const tags = Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: big.repeat(1) }));
    const chunks = splitLogBatch('r1', { params, tags }, { ...LOG_BATCH_LIMITS, maxBytes: 200_000 });
    for (const c of chunks) expect(Buffer.byteLength(JSON.stringify(c))).toBeLessThanOrEqual(200_000);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil((200 * 5000) / 200_000));
    expect(chunks.flatMap((c) => [...c.params, ...c.tags]).length).toBe(200);
  });

  it('encodes NaN and ±Infinity as the strings MLflow accepts', () => {
    const [chunk] = splitLogBatch('r1', {
      metrics: [
        { key: 'a', value: Number.NaN, timestamp: 1, step: 0 },
        { key: 'a', value: Number.POSITIVE_INFINITY, timestamp: 2, step: 1 },
        { key: 'a', value: Number.NEGATIVE_INFINITY, timestamp: 3, step: 2 },
      ],
    });
    expect(JSON.stringify(chunk?.metrics.map((m) => m.value))).toBe('["NaN","Infinity","-Infinity"]');
  });

  it('sends nothing for an empty batch and refuses an item that cannot fit alone', () => {
    expect(splitLogBatch('r1', {})).toEqual([]);
    expect(() => splitLogBatch('r1', { params: [{ key: 'huge', value: 'x'.repeat(2000) }] }, { ...LOG_BATCH_LIMITS, maxBytes: 1000 })).toThrow(
      "param 'huge' alone makes a log-batch request",
    );
  });
});
