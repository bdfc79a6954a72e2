import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LeaseInfo, ParamValue, TrialConfig } from '@ganbench/study-folder';
import { acquireLease, inspectLease, LEASE_DIR, latestTrialRecords, readTrialRecords, TRIALS_FILE } from '@ganbench/study-folder';
import { FAKE_TRIAL_WORKER } from '@ganbench/sweep/testing';
import { describe, expect, it } from 'vitest';
import { trialId } from './ids.js';
import { type PoolOptions, runTrials, type StudyEvent, TRIALS_DIR } from './pool.js';

const adam = { name: 'adam' as const, lr: 2e-4, beta1: 0.5, beta2: 0.999 };

/** A trial for the fake worker: `options` steer it (stepMs, crashAt, throwAt, divergeAt). */
function fakeTrial(seed: number, options: Record<string, ParamValue> = {}, steps = 20): TrialConfig {
  return {
    dataset: { name: 'ring' },
    architecture: { name: 'fake', options: { stepMs: 5, ...options } },
    loss: { name: 'hinge', params: {} },
    regularizers: [],
    normalization: { name: 'none', params: {} },
    training: { steps, batchSize: 1, nDisc: 1, optimizer: adam, discriminatorOptimizer: adam, emaDecay: null, unrolledSteps: 0, checkpointEvery: 5 },
    evaluation: { every: 10, samples: 1, metrics: ['frechet_2d'] },
    seed,
  };
}

function setup(overrides: Partial<PoolOptions> = {}) {
  const studyDir = join(mkdtempSync(join(tmpdir(), 'ganbench-pool-')), 'fake');
  const events: StudyEvent[] = [];
  const options: PoolOptions = {
    studyDir,
    study: 'fake',
    primary: { metric: 'frechet_2d', goal: 'min' },
    workers: 2,
    workerModule: FAKE_TRIAL_WORKER,
    onEvent: (event) => events.push(event),
    ...overrides,
  };
  return { studyDir, events, options };
}

/** Most trials running at once, from the start and end events. */
function peakRunning(events: readonly StudyEvent[]): number {
  let running = 0;
  let peak = 0;
  for (const e of events) {
    if (e.type === 'trial-start') peak = Math.max(peak, ++running);
    if (e.type === 'trial-end') running--;
  }
  return peak;
}

const started = (events: readonly StudyEvent[]) => events.flatMap((e) => (e.type === 'trial-start' ? [e] : []));
const stepsRun = (studyDir: string, config: TrialConfig) =>
  readFileSync(join(studyDir, TRIALS_DIR, trialId(config), 'steps.log'), 'utf8')
    .trim()
    .split('\n')
    .map(Number);
const lines = (studyDir: string) => readFileSync(join(studyDir, TRIALS_FILE), 'utf8').trim().split('\n');
const trialDir = (studyDir: string, config: TrialConfig) => join(studyDir, TRIALS_DIR, trialId(config));
const steps = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** A process that has exited: its pid names no one (until the system reuses it). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('runTrials (local pool, fake worker)', () => {
  it('runs every trial once with at most `workers` processes, reusing them', async () => {
    const { studyDir, events, options } = setup();
    // 400 ms a trial: long enough that the second worker is up before the first could take every trial.
    const trials = [0, 1, 2, 3, 4, 5].map((seed) => fakeTrial(seed, { stepMs: 20 }));
    const summary = await runTrials(trials, options);
    expect(summary).toMatchObject({ total: 6, skipped: 0, finished: 6, failed: 0, interrupted: 0, notStarted: 0 });
    expect(peakRunning(events)).toBe(2);
    const pids = new Set(started(events).map((e) => e.pid));
    expect(pids.size).toBe(2);
    const records = await readTrialRecords(studyDir);
    expect(records.map((r) => r.id).sort()).toEqual(trials.map(trialId).sort());
    for (const r of records) {
      expect(r).toMatchObject({ study: 'fake', status: 'finished', steps: 20, primary: { metric: 'frechet_2d', goal: 'min' } });
      expect(pids).toContain(r.final.pid);
      expect(r.final.frechet_2d).toBeCloseTo(1 / (1 + r.config.seed), 12);
    }
    for (const t of trials) expect(stepsRun(studyDir, t)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'end' });
    expect(events.filter((e) => e.type === 'trial-progress').length).toBeGreaterThan(0);
  });

  it('skips trials already in trials.jsonl', async () => {
    const { studyDir, events, options } = setup({ workers: 3 });
    const first = [0, 1, 2].map((seed) => fakeTrial(seed));
    await runTrials(first, options);
    events.length = 0;
    const extra = fakeTrial(3);
    const summary = await runTrials([...first, extra, first[0] as TrialConfig], options);
    expect(summary).toMatchObject({ total: 5, skipped: 4, finished: 1 });
    expect(started(events).map((e) => e.id)).toEqual([trialId(extra)]);
    expect(lines(studyDir)).toHaveLength(4);
    const again = await runTrials([...first, extra], options);
    expect(again).toMatchObject({ skipped: 4, finished: 0, records: [] });
  });

  it('records a crashed or throwing trial as failed with its error, replaces the worker and goes on', async () => {
    const crash = fakeTrial(1, { crashAt: 3 });
    const thrower = fakeTrial(2, { throwAt: 2 });
    const diverging = fakeTrial(3, { divergeAt: 4 });
    const fine = [fakeTrial(0), fakeTrial(4), fakeTrial(5)];
    const failures: string[] = [];
    const { studyDir, events, options } = setup({
      onFailure: async (dir, config, _tags, error) => {
        expect(dir).toBe(join(studyDir, TRIALS_DIR, trialId(config)));
        failures.push(error);
      },
    });
    const summary = await runTrials([crash, thrower, diverging, ...fine], options);
    expect(summary).toMatchObject({ finished: 3, diverged: 1, failed: 2 });
    const byId = new Map((await readTrialRecords(studyDir)).map((r) => [r.id, r]));
    const crashed = byId.get(trialId(crash));
    expect(crashed?.status).toBe('failed');
    expect(crashed?.error).toMatch(/worker exited with code 3 during the trial/);
    expect(crashed?.error).toMatch(/fake worker: crashing at step 3/);
    expect(byId.get(trialId(thrower))?.error).toMatch(/Error: fake trial failed at step 2/);
    expect(byId.get(trialId(diverging))).toMatchObject({ status: 'diverged', divergedAt: 4 });
    for (const t of fine) expect(byId.get(trialId(t))?.status).toBe('finished');
    expect(failures).toHaveLength(2);
    // Two workers died, so fresh ones ran the rest.
    expect(new Set(started(events).map((e) => e.pid)).size).toBeGreaterThanOrEqual(3);
    expect(peakRunning(events)).toBeLessThanOrEqual(2);
  });

  it('stops on abort with running trials checkpointed and unrecorded; a rerun resumes them and records each trial once', async () => {
    const trials = [0, 1, 2, 3].map((seed) => fakeTrial(seed, { stepMs: 10 }, 40));
    const controller = new AbortController();
    const { studyDir, events, options } = setup({
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'trial-progress' && event.step >= 10) controller.abort();
      },
    });
    const first = await runTrials(trials, options);
    expect(first).toMatchObject({ finished: 0, failed: 0, records: [] });
    expect(first.interrupted + first.notStarted).toBe(4);
    expect(first.interrupted).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(studyDir, TRIALS_FILE))).toBe(false);
    expect(events.some((e) => e.type === 'interrupting')).toBe(true);
    const stopped = started(events).map((e) => e.id);
    const reached = new Map<string, number>();
    for (const e of events) if (e.type === 'trial-progress') reached.set(e.id, e.step);
    expect(Math.max(...reached.values())).toBeGreaterThanOrEqual(10);

    const rerun = setup({ studyDir });
    const second = await runTrials(trials, rerun.options);
    expect(second).toMatchObject({ finished: 4, skipped: 0, interrupted: 0 });
    const records = await readTrialRecords(studyDir);
    expect(records.map((r) => r.id).sort()).toEqual(trials.map(trialId).sort());
    for (const r of records) {
      // The stopped trials went on from their checkpoint; every step ran exactly once.
      if (stopped.includes(r.id)) expect(r.final.resumed_from).toBeGreaterThanOrEqual(reached.get(r.id) ?? 0);
      else expect(r.final.resumed_from).toBe(0);
      expect(stepsRun(studyDir, r.config)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    }
    expect((await runTrials(trials, rerun.options)).records).toEqual([]);
    expect(lines(studyDir)).toHaveLength(4);
  });

  it('checkpoints a trial whose worker alone gets SIGINT, and resumes it in a fresh worker', async () => {
    const trials = [0, 1].map((seed) => fakeTrial(seed, { stepMs: 20 }, 50));
    let signalled = false;
    const { studyDir, events, options } = setup({
      workers: 1,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'trial-progress' && !signalled) {
          signalled = true;
          const worker = started(events).at(-1);
          process.kill(worker?.pid as number, 'SIGINT');
        }
      },
    });
    const summary = await runTrials(trials, options);
    expect(summary).toMatchObject({ finished: 2, interrupted: 0, failed: 0 });
    expect(events.filter((e) => e.type === 'trial-end').map((e) => (e as { status: string }).status)).toEqual(['interrupted', 'finished', 'finished']);
    const first = started(events)[0];
    expect(new Set(started(events).map((e) => e.pid)).size).toBe(2);
    const resumed = (await readTrialRecords(studyDir)).find((r) => r.id === first?.id);
    expect(resumed?.final.resumed_from).toBeGreaterThan(0);
    expect(stepsRun(studyDir, resumed?.config as TrialConfig)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('kills the workers on the second signal, writing nothing; a rerun still records each trial once', async () => {
    const trials = [0, 1].map((seed) => fakeTrial(seed, { stepMs: 10 }, 30));
    const kill = new AbortController();
    const { studyDir, options } = setup({
      kill: kill.signal,
      onEvent: (event) => {
        if (event.type === 'trial-progress' && event.step >= 5) kill.abort();
      },
    });
    const first = await runTrials(trials, options);
    expect(first.records).toEqual([]);
    expect(first.interrupted + first.notStarted).toBe(2);
    expect(first.interrupted).toBeGreaterThanOrEqual(1);
    await runTrials(trials, setup({ studyDir }).options);
    expect(
      lines(studyDir)
        .map((l) => (JSON.parse(l) as { id: string }).id)
        .sort(),
    ).toEqual(trials.map(trialId).sort());
  });

  it('pins worker i to gpus[i] with tensorflow-gpu', async () => {
    const gpus = [3, 7];
    const { studyDir, events, options } = setup({ gpus, workers: 2 });
    await runTrials(
      [0, 1, 2, 3].map((seed) => fakeTrial(seed)),
      options,
    );
    const worker = new Map(started(events).map((e) => [e.id, e.worker]));
    const records = await readTrialRecords(studyDir);
    expect(records).toHaveLength(4);
    for (const r of records) expect(r.final).toMatchObject({ gpu: gpus[worker.get(r.id) as number], webgpu_gpu: -1, gpu_backend: 1 });
    await expect(runTrials([fakeTrial(9)], { ...options, backend: 'cpu' })).rejects.toThrow("--backend: 'cpu' cannot be combined with --gpus");
  });

  it('pins worker i to gpus[i] with webgpu through GANBENCH_WEBGPU_GPU, leaving CUDA_VISIBLE_DEVICES alone', async () => {
    const gpus = [1, 0];
    const { studyDir, events, options } = setup({ gpus, workers: 2, backend: 'webgpu' });
    await runTrials(
      [0, 1, 2].map((seed) => fakeTrial(seed)),
      options,
    );
    const worker = new Map(started(events).map((e) => [e.id, e.worker]));
    const records = await readTrialRecords(studyDir);
    expect(records).toHaveLength(3);
    for (const r of records) expect(r.final).toMatchObject({ gpu: -1, webgpu_gpu: gpus[worker.get(r.id) as number], gpu_backend: 2 });
  });

  it('works from any current directory (tsx is loaded by absolute URL)', async () => {
    const { studyDir, options } = setup({ workers: 1 });
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      expect((await runTrials([fakeTrial(0)], options)).finished).toBe(1);
    } finally {
      process.chdir(cwd);
    }
    expect(await readTrialRecords(studyDir)).toHaveLength(1);
  });

  it('fails the study when a worker cannot start, and rejects bad options before any work', async () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'ganbench-broken-')), 'worker.ts');
    writeFileSync(broken, "throw new Error('cannot load the worker');\n");
    const { options } = setup({ workerModule: broken });
    await expect(runTrials([fakeTrial(0)], options)).rejects.toThrow(/before it was ready[\s\S]*cannot load the worker/);
    await expect(runTrials([fakeTrial(0)], { ...options, workers: 0 })).rejects.toThrow('--workers: 0 is not allowed; must be an integer ≥ 1');
    await expect(runTrials([fakeTrial(0)], { ...options, backend: 'cuda' })).rejects.toThrow("--backend: 'cuda' is not allowed; allowed: wasm, cpu");
  });
  it('leaves a trial whose worker is killed by a signal (the OOM killer) interrupted, unrecorded; the next run resumes it from its checkpoint', async () => {
    const killed = fakeTrial(0, { killOnceAt: 7 });
    const others = [fakeTrial(1), fakeTrial(2)];
    const { studyDir, events, options } = setup();
    const first = await runTrials([killed, ...others], options);
    expect(first).toMatchObject({ finished: 2, failed: 0, interrupted: 1 });
    expect((await readTrialRecords(studyDir)).map((r) => r.id).sort()).toEqual(others.map(trialId).sort());
    const end = events.find((e) => e.type === 'trial-end' && e.id === trialId(killed));
    expect(end).toMatchObject({ status: 'interrupted', reason: expect.stringMatching(/^worker was killed by SIGKILL at step \d+$/) });
    // Its lease is released: the next runner takes the trial at once.
    expect(inspectLease(trialDir(studyDir, killed)).state).toBe('free');

    const rerun = setup({ studyDir });
    const second = await runTrials([killed, ...others], rerun.options);
    expect(second).toMatchObject({ finished: 1, skipped: 2, interrupted: 0 });
    expect(rerun.events.find((e) => e.type === 'start')).toMatchObject({ pending: 1, resuming: 1 });
    const record = (await readTrialRecords(studyDir)).find((r) => r.id === trialId(killed));
    expect(record).toMatchObject({ status: 'finished', steps: 20, final: { resumed_from: 5 } });
    expect(stepsRun(studyDir, killed)).toEqual([1, 2, 3, 4, 5, 6, ...steps(20).slice(5)]);
  });

  it('skips a failed trial on a rerun and counts it; with retryFailed it runs again from its checkpoint', async () => {
    const flaky = fakeTrial(0, { throwOnceAt: 7 });
    const fine = fakeTrial(1);
    const { studyDir, options } = setup();
    expect(await runTrials([flaky, fine], options)).toMatchObject({ finished: 1, failed: 1 });
    const again = setup({ studyDir });
    expect(await runTrials([flaky, fine], again.options)).toMatchObject({ skipped: 2, failedSkipped: 1, finished: 0, failed: 0 });
    expect(started(again.events)).toEqual([]);

    const retry = setup({ studyDir, retryFailed: true });
    expect(await runTrials([flaky, fine], retry.options)).toMatchObject({ skipped: 1, failedSkipped: 0, finished: 1, failed: 0 });
    expect(retry.events.find((e) => e.type === 'start')).toMatchObject({ pending: 1, retrying: 1 });
    expect(started(retry.events).map((e) => e.id)).toEqual([trialId(flaky)]);
    const records = await readTrialRecords(studyDir);
    expect(records.filter((r) => r.id === trialId(flaky)).map((r) => r.status)).toEqual(['failed', 'finished']);
    expect(latestTrialRecords(records).find((r) => r.id === trialId(flaky))).toMatchObject({ status: 'finished', final: { resumed_from: 5 } });
    expect(stepsRun(studyDir, flaky)).toEqual([1, 2, 3, 4, 5, 6, ...steps(20).slice(5)]);
  });

  it('two pools on one study folder at once train and record each trial once', async () => {
    const trials = [0, 1, 2, 3, 4, 5].map((seed) => fakeTrial(seed, { stepMs: 10 }));
    const a = setup();
    const b = setup({ studyDir: a.studyDir });
    const [first, second] = await Promise.all([runTrials(trials, a.options), runTrials(trials, b.options)]);
    expect(first.finished + second.finished).toBe(6);
    for (const summary of [first, second]) expect(summary.finished + summary.skipped + summary.runningElsewhere).toBe(6);
    expect(lines(a.studyDir)).toHaveLength(6);
    expect((await readTrialRecords(a.studyDir)).map((r) => r.id).sort()).toEqual(trials.map(trialId).sort());
    for (const t of trials) expect(stepsRun(a.studyDir, t)).toEqual(steps(20));
    const skips = [...a.events, ...b.events].filter((e) => e.type === 'trial-skip').map((e) => (e as { reason: string }).reason);
    // Each trial ran in one pool and was skipped by the other.
    expect(skips).toHaveLength(6);
    for (const reason of skips) expect(reason).toMatch(/^(running elsewhere: .+ pid \d+ \(worker \d+\)|recorded meanwhile by another runner)$/);
  });

  it('leaves a trial a live runner holds, takes over one whose runner died, and releases every lease it took', async () => {
    const [held, orphaned, fresh] = [0, 1, 2].map((seed) => fakeTrial(seed));
    const { studyDir, events, options } = setup();
    const holder = acquireLease(trialDir(studyDir, held as TrialConfig));
    acquireLease(trialDir(studyDir, orphaned as TrialConfig), { pid: await deadPid() });
    const summary = await runTrials([held, orphaned, fresh] as TrialConfig[], options);
    expect(summary).toMatchObject({ finished: 2, runningElsewhere: 1, skipped: 0 });
    expect(events.find((e) => e.type === 'start')).toMatchObject({ pending: 2, runningElsewhere: 1, resuming: 1 });
    expect((await readTrialRecords(studyDir)).map((r) => r.id).sort()).toEqual([orphaned, fresh].map((t) => trialId(t as TrialConfig)).sort());
    expect(existsSync(join(trialDir(studyDir, held as TrialConfig), 'steps.log'))).toBe(false);
    expect(readdirSync(join(trialDir(studyDir, orphaned as TrialConfig), LEASE_DIR)).sort()).toEqual(['0.json', '1.json']);
    for (const t of [orphaned, fresh]) expect(inspectLease(trialDir(studyDir, t as TrialConfig)).state).toBe('free');
    expect(inspectLease(trialDir(studyDir, held as TrialConfig)).state).toBe('live');
    if (holder.acquired) holder.lease.release();
  });

  it('stops a trial whose lease another runner took over: its worker is killed and nothing is recorded', async () => {
    const trial = fakeTrial(0, { stepMs: 20 }, 100);
    let takenOver = false;
    const other: LeaseInfo = { host: 'elsewhere', pid: 4242, token: 'other', acquiredAt: new Date().toISOString(), heartbeat: Date.now() };
    const { studyDir, events, options } = setup({
      workers: 1,
      leaseTimeoutMs: 600,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'trial-progress' && event.step >= 5 && !takenOver) {
          takenOver = true;
          // What a runner that took this one for dead does: it creates the next lease.
          writeFileSync(join(trialDir(studyDir, trial), LEASE_DIR, '1.json'), JSON.stringify({ ...other, heartbeat: Date.now() }));
        }
      },
    });
    const summary = await runTrials([trial], options);
    expect(summary).toMatchObject({ finished: 0, failed: 0, interrupted: 1, records: [] });
    expect(existsSync(join(studyDir, TRIALS_FILE))).toBe(false);
    expect(events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message)).toEqual([
      `trial ${trialId(trial)}: its lease was taken over by elsewhere pid 4242; stopped here without a record`,
    ]);
    expect(events.find((e) => e.type === 'trial-end')).toMatchObject({ status: 'interrupted', reason: 'its lease was taken over by another runner' });
    // Stopped well before its 100 steps, and the new holder's lease is left alone.
    expect(stepsRun(studyDir, trial).length).toBeLessThan(60);
    expect(inspectLease(trialDir(studyDir, trial), 600)).toMatchObject({ state: 'live', generation: 1, holder: { host: 'elsewhere' } });
  });
});
