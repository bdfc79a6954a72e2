/** Statuses worth another try: the request timed out, was throttled, or the server failed (MLflow's client retries the same family). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Statuses after which the server has certainly not acted on the request, so even a
 * non-idempotent call (runs/create) may be repeated without making a duplicate.
 */
export function isUnprocessedStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 503;
}

/** RFC 9110 Retry-After: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Exponential backoff with jitter: base·2^attempt scaled by a factor in [0.5, 1), capped. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = options.baseDelayMs * 2 ** attempt;
  return Math.min(options.maxDelayMs, exp * (0.5 + random() * 0.5));
}
