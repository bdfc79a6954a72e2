import type { TrialConfig, TrialRecord } from '@ganbench/study-folder';
import { describe, expect, it } from 'vitest';
import type { StudyEvent } from './pool.js';
import { createProgressReporter, formatDuration } from './progress.js';

const config = (seed: number) =>
  ({
    loss: { name: 'hinge', params: {} },
    regularizers: [{ name: 'r1', params: {} }],
    normalization: { name: 'none', params: {} },
    training: { steps: 100 },
    seed,
  }) as unknown as TrialConfig;

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: Object.assign({ write: (chunk: string) => writes.push(chunk) > 0 }, { isTTY, columns: 200 }) as unknown as NodeJS.WritableStream };
}

describe('createProgressReporter', () => {
  const start: StudyEvent = {
    type: 'start',
    study: 'tiny',
    dir: 'results/tiny',
    total: 4,
    skipped: 0,
    pending: 4,
    resuming: 0,
    retrying: 0,
    runningElsewhere: 0,
    failedSkipped: 0,
    workers: 2,
    steps: 400,
  };

  it('reports done/running/failed of the total, the step rate and the ETA it implies', () => {
    let t = 0;
    const { stream } = fakeStream(false);
    const reporter = createProgressReporter({ stream, now: () => t });
    reporter.onEvent(start);
    reporter.onEvent({ type: 'trial-start', id: 'a', config: config(0), worker: 0, pid: 1 });
    reporter.onEvent({ type: 'trial-progress', id: 'a', step: 10, steps: 100 });
    t = 5000;
    reporter.onEvent({ type: 'trial-progress', id: 'a', step: 60, steps: 100 });
    // 50 steps in 5 s = 10 steps/s; left: 3 trials × 100 + 40 = 340 steps, so 34 s.
    expect(reporter.status()).toBe('tiny: 0/4 trials done · 1 running · 0 failed · 10.0 steps/s · ETA 34s');
    const failed = { id: 'b', status: 'failed', error: 'boom\nstack', config: config(1) } as unknown as TrialRecord;
    reporter.onEvent({ type: 'trial-start', id: 'b', config: config(1), worker: 1, pid: 2 });
    reporter.onEvent({ type: 'trial-end', id: 'b', config: config(1), status: 'failed', record: failed });
    expect(reporter.status()).toMatch(/^tiny: 0\/4 trials done · 1 running · 1 failed · /);
  });

  it('without a TTY prints plain lines at most every interval, and a line per trial end', () => {
    let t = 0;
    const { stream, writes } = fakeStream(false);
    const reporter = createProgressReporter({ stream, now: () => t, intervalMs: 5000 });
    reporter.onEvent(start);
    reporter.onEvent({ type: 'trial-start', id: 'a', config: config(0), worker: 0, pid: 1 });
    for (let step = 1; step <= 100; step++) {
      t = step * 100;
      reporter.onEvent({ type: 'trial-progress', id: 'a', step, steps: 100 });
    }
    const status = writes.filter((w) => w.startsWith('tiny: ') && w.includes('steps/s'));
    // 10 s of progress, a line at most every 5 s.
    expect(status.length).toBeLessThanOrEqual(3);
    expect(writes.every((w) => !w.includes('\r'))).toBe(true);
    const record = {
      id: 'a',
      status: 'finished',
      primary: { metric: 'fid', goal: 'min' },
      final: { fid: 12.345 },
      best: { fid: 11 },
      seconds: 10,
    } as unknown as TrialRecord;
    reporter.onEvent({ type: 'trial-end', id: 'a', config: config(0), status: 'finished', record });
    expect(writes.at(-1)).toBe('  done      hinge + r1, seed 0 [a] fid 12.35 (best 11.00), 10s\n');
  });

  it('on a TTY redraws one line in place', () => {
    let t = 0;
    const { stream, writes } = fakeStream(true);
    const reporter = createProgressReporter({ stream, now: () => t });
    reporter.onEvent(start);
    reporter.onEvent({ type: 'trial-start', id: 'a', config: config(0), worker: 0, pid: 1 });
    t = 1000;
    reporter.onEvent({ type: 'trial-progress', id: 'a', step: 5, steps: 100 });
    expect(writes.at(-1)?.startsWith('\r\x1b[2Ktiny: 0/4 trials done')).toBe(true);
    expect(writes.at(-1)?.endsWith('\n')).toBe(false);
  });
});

describe('formatDuration', () => {
  it('writes seconds, minutes and hours', () => {
    expect([formatDuration(42), formatDuration(192), formatDuration(3 * 3600 + 5 * 60)]).toEqual(['42s', '3m 12s', '3h 05m']);
  });
});
