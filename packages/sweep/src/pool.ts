import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BACKEND_NAMES, isBackendName, MAX_WASM_THREADS, WEBGPU_GPU_ENV } from '@ganbench/core';
import {
  acquireLease,
  appendTrialRecord,
  describeHolder,
  followTrialRecords,
  HEARTBEATS_PER_TIMEOUT,
  inspectLease,
  LEASE_TIMEOUT_MS,
  latestTrialRecords,
  type MetricGoal,
  TRIALS_FILE,
  type TrialConfig,
  type TrialLease,
  type TrialRecord,
  type TrialStatus,
  trialState,
} from '@ganbench/study-folder';
import { trialId } from './ids.js';
import type { ParentMessage, TrialOutcome, WorkerMessage } from './protocol.js';

export const TRIALS_DIR = 'trials';
/** How much of a worker's stderr a failed trial's record keeps. */
const STDERR_TAIL = 4000;

const require = createRequire(import.meta.url);
/**
 * tsx's ESM loader as an absolute file URL, so workers load TypeScript whatever the current
 * directory. ESM only, like the CLI's `tsx/esm/api`: tsx's CommonJS hook would transform
 * dependencies with top-level await (vega-canvas) into CommonJS and fail.
 */
const TSX_LOADER = pathToFileURL(require.resolve('tsx/esm')).href;
export const DEFAULT_WORKER_MODULE = fileURLToPath(new URL('./trialWorker.ts', import.meta.url));
const BOOTSTRAP = fileURLToPath(new URL('./workerBootstrap.mjs', import.meta.url));

/** What the sweep reports as it goes; `createProgressReporter` turns these into a display. */
export type StudyEvent =
  | {
      type: 'start';
      study: string;
      dir: string;
      total: number;
      skipped: number;
      pending: number;
      /** Of `pending`: started before and stopped without a record (they resume from their checkpoint), and failed ones run again. */
      resuming: number;
      retrying: number;
      /** Held by a live lease of another runner: left to it. */
      runningElsewhere: number;
      /** Failed before and skipped (retryFailed runs them again). */
      failedSkipped: number;
      workers: number;
      steps: number;
    }
  | { type: 'trial-start'; id: string; config: TrialConfig; worker: number; pid: number }
  | { type: 'trial-progress'; id: string; step: number; steps: number; metrics?: Record<string, number> }
  /** `reason`: why an interrupted trial stopped when it was not asked to (a worker killed, a lease taken over). */
  | { type: 'trial-end'; id: string; config: TrialConfig; status: TrialStatus | 'interrupted'; record?: TrialRecord; reason?: string }
  /** A trial this runner meant to run that another runner holds, or recorded meanwhile. */
  | { type: 'trial-skip'; id: string; config: TrialConfig; reason: string }
  | { type: 'interrupting' }
  | { type: 'warning'; message: string }
  | { type: 'end'; summary: PoolSummary };

export interface PoolSummary {
  /** Trials in the study. */
  total: number;
  /** Already in trials.jsonl before this run (or recorded by another runner while it ran). */
  skipped: number;
  /** Of `skipped`: failed in an earlier run and not run again (retryFailed runs them). */
  failedSkipped: number;
  /** Held by another runner's live lease: left to it. */
  runningElsewhere: number;
  finished: number;
  diverged: number;
  failed: number;
  /**
   * Stopped without a record: by an interrupt (checkpointed), or because their worker was killed
   * (the OOM killer's SIGKILL) or their lease taken over. The next run resumes them from their checkpoint.
   */
  interrupted: number;
  /** Never started because of an interrupt. */
  notStarted: number;
  /** The records this run appended. */
  records: TrialRecord[];
}

export interface PoolOptions {
  /** results/<study>: trials.jsonl and trials/<id>/ go here. */
  studyDir: string;
  study: string;
  primary: { metric: string; goal: MetricGoal };
  /** Worker processes; default: one per GPU when gpus are given, else one per core. */
  workers?: number;
  /** Pins worker i to GPU gpus[i mod n]: tensorflow-gpu (the default) or webgpu, by `gpuEnvironment`. */
  gpus?: readonly number[];
  /** A BackendName of @ganbench/core for every worker. */
  backend?: string;
  /** Run failed trials again (from their checkpoint where they have one) instead of skipping them. */
  retryFailed?: boolean;
  /** A lease whose heartbeat is older than this is taken over (default LEASE_TIMEOUT_MS); heartbeats come 6 times as often. */
  leaseTimeoutMs?: number;
  /** Abort: running trials checkpoint and stop, no new ones start, no record is written for them. */
  signal?: AbortSignal;
  /** Abort: workers are killed at once (a second Ctrl-C). */
  kill?: AbortSignal;
  /** The module each worker runs (default trialWorker.ts); tests pass a fake. */
  workerModule?: string;
  /** Tags for every trial's run, besides ganbench.study and ganbench.configHash. */
  tags?: Record<string, string>;
  onEvent?(event: StudyEvent): void;
  /** Called after each record is appended (the sweep syncs MLflow here); awaited before runTrials resolves. */
  onRecord?(record: TrialRecord): void | Promise<void>;
  /** Marks a failed trial's run log FAILED with its error (runStudy passes @ganbench/tracking's); errors become warnings. */
  onFailure?(dir: string, config: TrialConfig, tags: Record<string, string>, error: string): Promise<void>;
}

interface Job {
  id: string;
  config: TrialConfig;
  dir: string;
  tags: Record<string, string>;
  started: number;
  lastStep: number;
  error?: string;
  /** Held from before the worker gets the trial until its record is written (or it stops without one). */
  lease?: TrialLease;
  /** Another runner took the lease over: this one must record nothing. */
  lost?: boolean;
}

interface Slot {
  index: number;
  gpu?: number;
  child?: ChildProcess;
  pid?: number;
  ready: boolean;
  job?: Job;
  stderr: string;
}

export function defaultWorkers(gpus?: readonly number[]): number {
  return gpus !== undefined && gpus.length > 0 ? gpus.length : os.availableParallelism();
}

/** The backends `--gpus` pins a worker's GPU for: tensorflow-gpu by CUDA_VISIBLE_DEVICES, webgpu by GANBENCH_WEBGPU_GPU. */
export const GPU_BACKENDS = ['tensorflow-gpu', 'webgpu'] as const;

/** The environment that pins a worker to one GPU on its backend. */
export function gpuEnvironment(backend: string | undefined, gpu: number): NodeJS.ProcessEnv {
  return backend === 'webgpu' ? { [WEBGPU_GPU_ENV]: String(gpu) } : { CUDA_VISIBLE_DEVICES: String(gpu) };
}

/** The pool's options checked before any work: the CLI calls this first, so a bad flag is bad input, not a failed study. */
export function checkPoolOptions(options: Pick<PoolOptions, 'workers' | 'gpus' | 'backend'>): { workers: number; backend?: string } {
  const workers = options.workers ?? defaultWorkers(options.gpus);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers: ${JSON.stringify(workers)} is not allowed; must be an integer ≥ 1`);
  for (const gpu of options.gpus ?? []) {
    if (!Number.isInteger(gpu) || gpu < 0) throw new Error(`--gpus: ${JSON.stringify(gpu)} is not allowed; must be GPU indices (integers ≥ 0), e.g. 0,1`);
  }
  let backend = options.backend;
  if (backend !== undefined && !isBackendName(backend)) throw new Error(`--backend: '${backend}' is not allowed; allowed: ${BACKEND_NAMES.join(', ')}`);
  if (options.gpus !== undefined && options.gpus.length > 0) {
    if (backend !== undefined && !(GPU_BACKENDS as readonly string[]).includes(backend))
      throw new Error(`--backend: '${backend}' cannot be combined with --gpus; allowed with it: tensorflow-gpu (the default) or webgpu`);
    backend ??= 'tensorflow-gpu';
  }
  return backend === undefined ? { workers } : { workers, backend };
}

function failedRecord(job: Job, options: PoolOptions, error: string): TrialRecord {
  return {
    id: job.id,
    study: options.study,
    config: job.config,
    status: 'failed',
    error,
    final: {},
    best: {},
    primary: options.primary,
    steps: job.lastStep,
    seconds: (Date.now() - job.started) / 1000,
    finishedAt: new Date().toISOString(),
  };
}

function outcomeRecord(job: Job, options: PoolOptions, outcome: TrialOutcome): TrialRecord {
  return {
    id: job.id,
    study: options.study,
    config: job.config,
    status: outcome.status === 'diverged' ? 'diverged' : 'finished',
    ...(outcome.divergedAt === undefined ? {} : { divergedAt: outcome.divergedAt }),
    final: outcome.final,
    best: outcome.best,
    primary: options.primary,
    steps: outcome.steps,
    seconds: outcome.seconds,
    finishedAt: new Date().toISOString(),
  };
}

/**
 * Runs the trials not yet in `<studyDir>/trials.jsonl` in a pool of worker processes, appending
 * one record per trial that ends (finished, diverged, or failed — a worker that throws or exits
 * with an error). A failed trial does not stop the others; a fresh worker takes the crashed one's
 * place. A worker killed by a signal (the OOM killer) leaves its trial interrupted, for the next run
 * to resume from its checkpoint. On `signal` the running trials checkpoint and stop without a record,
 * so the next run resumes them.
 *
 * Each trial runs under its lease (see @ganbench/study-folder's lease.ts), so any number of runners
 * can share a study folder: a trial another runner holds is left to it, and none is trained or
 * recorded twice.
 */
export async function runTrials(trials: readonly TrialConfig[], options: PoolOptions): Promise<PoolSummary> {
  const { workers, backend } = checkPoolOptions(options);
  const timeoutMs = options.leaseTimeoutMs ?? LEASE_TIMEOUT_MS;
  // Read once here, then only what other runners append (to learn of trials they ended meanwhile).
  const follow = followTrialRecords(options.studyDir);
  const latest = new Map(latestTrialRecords(follow.read()).map((r) => [r.id, r]));
  const recordedSince = new Set<string>();
  const seen = new Set<string>();
  const queue: Job[] = [];
  let failedSkipped = 0;
  let runningElsewhere = 0;
  let resuming = 0;
  let retrying = 0;
  for (const config of trials) {
    const id = trialId(config);
    if (seen.has(id)) continue;
    seen.add(id);
    const record = latest.get(id);
    if (record !== undefined && !(record.status === 'failed' && options.retryFailed === true)) {
      if (record.status === 'failed') failedSkipped++;
      continue;
    }
    const dir = join(options.studyDir, TRIALS_DIR, id);
    const state = trialState(record, inspectLease(dir, timeoutMs));
    if (state === 'running') {
      runningElsewhere++;
      continue;
    }
    if (state === 'failed') retrying++;
    if (state === 'interrupted') resuming++;
    const tags = { ...options.tags, 'ganbench.study': options.study, 'ganbench.configHash': id };
    queue.push({ id, config, dir, tags, started: 0, lastStep: 0 });
  }
  const summary: PoolSummary = {
    total: trials.length,
    skipped: trials.length - queue.length - runningElsewhere,
    failedSkipped,
    runningElsewhere,
    finished: 0,
    diverged: 0,
    failed: 0,
    interrupted: 0,
    notStarted: 0,
    records: [],
  };
  const emit = (event: StudyEvent) => options.onEvent?.(event);
  const size = Math.min(workers, queue.length);
  emit({
    type: 'start',
    study: options.study,
    dir: options.studyDir,
    total: summary.total,
    skipped: summary.skipped,
    pending: queue.length,
    resuming,
    retrying,
    runningElsewhere,
    failedSkipped,
    workers: size,
    steps: queue.reduce((n, job) => n + job.config.training.steps, 0),
  });
  if (queue.length === 0 || options.signal?.aborted || options.kill?.aborted) {
    summary.notStarted = queue.length;
    emit({ type: 'end', summary });
    return summary;
  }

  const workerModule = options.workerModule?.startsWith('file:') ? fileURLToPath(options.workerModule) : resolve(options.workerModule ?? DEFAULT_WORKER_MODULE);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // wasm threads: share the cores among the workers rather than oversubscribe them.
  env.GANBENCH_THREADS ??= String(Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(os.availableParallelism() / size))));

  let stopping = false;
  let fatal: Error | undefined;
  const pending = new Set<Promise<void>>();
  const track = (promise: Promise<void>) => {
    const safe = promise.catch((error: Error) => {
      fatal ??= error;
    });
    pending.add(safe);
    void safe.finally(() => pending.delete(safe));
  };
  const warn = (message: string) => emit({ type: 'warning', message });

  return new Promise<PoolSummary>((resolvePool, rejectPool) => {
    const slots: Slot[] = Array.from({ length: size }, (_, index) => {
      const gpu = options.gpus?.length ? options.gpus[index % options.gpus.length] : undefined;
      return { index, ready: false, stderr: '', ...(gpu === undefined ? {} : { gpu }) };
    });

    const post = (slot: Slot, message: ParentMessage) => {
      try {
        if (slot.child?.connected) slot.child.send(message);
      } catch {
        // The worker is going away; its exit handler decides what becomes of its trial.
      }
    };

    const record = (record: TrialRecord) => {
      try {
        appendTrialRecord(options.studyDir, record);
      } catch (error) {
        // Results that cannot be written must not be computed: stop cleanly and report why.
        fatal ??= new Error(`cannot append to ${join(options.studyDir, TRIALS_FILE)}: ${(error as Error).message}`);
        stop(false);
        return;
      }
      summary.records.push(record);
      summary[record.status]++;
      const hook = options.onRecord?.(record);
      if (hook instanceof Promise) track(hook.catch((error: Error) => warn(error.message)));
    };

    // The record comes first: a runner that takes the released lease must find the trial recorded.
    const release = (job: Job) => {
      try {
        job.lease?.release();
      } catch (error) {
        warn(`trial ${job.id}: could not release its lease (another runner takes it over after ${timeoutMs / 1000} s): ${(error as Error).message}`);
      }
    };

    /** Takes the trial's lease for `slot`'s worker; false when another runner holds it or recorded it meanwhile. */
    const claim = (job: Job, slot: Slot): boolean => {
      let result: ReturnType<typeof acquireLease>;
      try {
        result = acquireLease(job.dir, { timeoutMs, ...(slot.pid === undefined ? {} : { workerPid: slot.pid }) });
      } catch (error) {
        fatal ??= new Error(`cannot take the lease of trial ${job.id}: ${(error as Error).message}`);
        stop(false);
        return false;
      }
      if (!result.acquired) {
        summary.runningElsewhere++;
        emit({ type: 'trial-skip', id: job.id, config: job.config, reason: `running elsewhere: ${describeHolder(result.holder)}` });
        return false;
      }
      // A runner that ended the trial after this one looked appended its record before releasing the lease.
      for (const r of follow.read()) recordedSince.add(r.id);
      if (recordedSince.has(job.id)) {
        result.lease.release();
        summary.skipped++;
        emit({ type: 'trial-skip', id: job.id, config: job.config, reason: 'recorded meanwhile by another runner' });
        return false;
      }
      job.lease = result.lease;
      return true;
    };

    const finishJob = (slot: Slot, outcome: TrialOutcome) => {
      const job = slot.job as Job;
      slot.job = undefined;
      if (job.lost === true) {
        // Its result came in as the worker was being killed: the new holder's run counts, not this one.
        summary.interrupted++;
        emit({ type: 'trial-end', id: job.id, config: job.config, status: 'interrupted', reason: 'its lease was taken over by another runner' });
        return;
      }
      if (outcome.status === 'interrupted') {
        release(job);
        // A signal to the worker alone (the study goes on): the trial resumes from its checkpoint in a fresh worker.
        if (!stopping) queue.unshift(job);
        else summary.interrupted++;
        emit({ type: 'trial-end', id: job.id, config: job.config, status: 'interrupted' });
        return;
      }
      const rec = outcomeRecord(job, options, outcome);
      record(rec);
      release(job);
      emit({ type: 'trial-end', id: job.id, config: job.config, status: rec.status, record: rec });
    };

    const failJob = (job: Job, error: string) => {
      const rec = failedRecord(job, options, error);
      // The run log says FAILED before the record exists, so a sync triggered by the record sees it so.
      const marked = options
        .onFailure?.(job.dir, job.config, job.tags, error)
        .catch((e: Error) => warn(`trial ${job.id}: could not mark its run log failed: ${e.message}`));
      track(
        Promise.resolve(marked).then(() => {
          record(rec);
          release(job);
          emit({ type: 'trial-end', id: job.id, config: job.config, status: 'failed', record: rec });
        }),
      );
    };

    const next = (slot: Slot) => {
      let job: Job | undefined;
      do job = stopping ? undefined : queue.shift();
      while (job !== undefined && !claim(job, slot));
      if (job === undefined) {
        slot.child?.disconnect();
        return;
      }
      job.started = Date.now();
      slot.job = job;
      mkdirSync(job.dir, { recursive: true });
      post(slot, { type: 'run', config: job.config, dir: job.dir, tags: job.tags, ...(backend === undefined ? {} : { backend }) });
      emit({ type: 'trial-start', id: job.id, config: job.config, worker: slot.index, pid: slot.pid ?? -1 });
    };

    // While the trials run, their leases stay fresh; a lease found taken over (this process was taken
    // for dead, e.g. its machine suspended past the timeout) stops its trial at once, unrecorded.
    const heartbeat = setInterval(() => {
      for (const slot of slots) {
        const job = slot.job;
        if (job?.lease === undefined || job.lost === true) continue;
        let held: boolean;
        try {
          held = job.lease.heartbeat();
        } catch (error) {
          warn(`trial ${job.id}: could not refresh its lease: ${(error as Error).message}`);
          continue;
        }
        if (held) continue;
        job.lost = true;
        const holder = inspectLease(job.dir, timeoutMs);
        warn(
          `trial ${job.id}: its lease was taken over by ${holder.state === 'free' ? 'another runner' : describeHolder(holder.holder)}; stopped here without a record`,
        );
        // SIGKILL, not abort: an aborted worker would write its checkpoint over the new holder's.
        slot.child?.kill('SIGKILL');
      }
    }, timeoutMs / HEARTBEATS_PER_TIMEOUT);
    heartbeat.unref();

    let settling = false;
    const settle = () => {
      if (settling || slots.some((slot) => slot.child !== undefined)) return;
      settling = true;
      clearInterval(heartbeat);
      summary.notStarted = queue.length;
      void (async () => {
        // Pending work may queue more (a failure's mark, then its record's sync): wait until none is left.
        while (pending.size > 0) await Promise.all([...pending]);
        if (fatal !== undefined) return rejectPool(fatal);
        emit({ type: 'end', summary });
        resolvePool(summary);
      })();
    };

    const onExit = (slot: Slot, code: number | null, signal: NodeJS.Signals | null) => {
      const job = slot.job;
      const wasReady = slot.ready;
      slot.child = undefined;
      slot.job = undefined;
      slot.ready = false;
      const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
      if (job !== undefined) {
        if (job.lost === true) {
          summary.interrupted++;
          emit({ type: 'trial-end', id: job.id, config: job.config, status: 'interrupted', reason: 'its lease was taken over by another runner' });
        } else if (job.error !== undefined) failJob(job, job.error);
        else if (stopping) {
          // Interrupted (or killed) mid-trial: no record, the next run resumes from its checkpoint.
          summary.interrupted++;
          release(job);
          emit({ type: 'trial-end', id: job.id, config: job.config, status: 'interrupted' });
        } else if (signal !== null) {
          // Killed from outside (the OOM killer's SIGKILL): nothing says the trial itself is wrong, so it
          // stays resumable from its last checkpoint, for the next run (not this one: it could be killed again).
          summary.interrupted++;
          release(job);
          emit({ type: 'trial-end', id: job.id, config: job.config, status: 'interrupted', reason: `worker ${how} at step ${job.lastStep}` });
        } else failJob(job, `worker ${how} during the trial${slot.stderr.trim() === '' ? '' : `; its stderr ended with:\n${slot.stderr.trim()}`}`);
      } else if (!wasReady && !stopping) {
        // A worker that cannot even start would fail every trial in turn: stop the study instead.
        fatal = new Error(`a worker (${workerModule}) ${how} before it was ready${slot.stderr.trim() === '' ? '' : `:\n${slot.stderr.trim()}`}`);
        stop(true);
      }
      slot.stderr = '';
      if (!stopping && queue.length > 0) spawn(slot);
      settle();
    };

    const spawn = (slot: Slot) => {
      const child = fork(BOOTSTRAP, [workerModule], {
        execArgv: ['--import', TSX_LOADER],
        env: slot.gpu === undefined ? env : { ...env, ...gpuEnvironment(backend, slot.gpu) },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      slot.child = child;
      slot.pid = child.pid;
      child.stdout?.resume();
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        slot.stderr = (slot.stderr + text).slice(-STDERR_TAIL);
      });
      child.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'ready':
            slot.ready = true;
            slot.pid = message.pid;
            next(slot);
            break;
          case 'progress':
            if (slot.job === undefined) break;
            slot.job.lastStep = message.step;
            emit({
              type: 'trial-progress',
              id: slot.job.id,
              step: message.step,
              steps: message.steps,
              ...(message.metrics === undefined ? {} : { metrics: message.metrics }),
            });
            break;
          case 'result': {
            if (slot.job === undefined) break;
            const lost = slot.job.lost === true;
            finishJob(slot, message.outcome);
            // An interrupted worker (our abort, or a SIGINT of its own) takes no further trial; if the
            // study goes on, a fresh worker replaces it when it has exited. A worker whose lease was lost is being killed.
            if (lost) break;
            if (message.outcome.status === 'interrupted') slot.child?.disconnect();
            else next(slot);
            break;
          }
          case 'error':
            // The worker exits after reporting; the exit handler records the failure and replaces it.
            if (slot.job !== undefined) slot.job.error = message.message;
            break;
        }
      });
      child.on('error', (error) => {
        if (child.pid === undefined && slot.child === child) {
          slot.stderr += error.message;
          onExit(slot, null, null);
        }
      });
      child.on('exit', (code, signal) => {
        if (slot.child === child) onExit(slot, code, signal);
      });
    };

    const stop = (kill: boolean) => {
      if (!stopping) emit({ type: 'interrupting' });
      stopping = true;
      for (const slot of slots) {
        if (slot.child === undefined) continue;
        if (kill) slot.child.kill('SIGKILL');
        else if (slot.job !== undefined) post(slot, { type: 'abort' });
        else if (slot.ready) slot.child.disconnect();
      }
    };

    options.signal?.addEventListener('abort', () => stop(false), { once: true });
    options.kill?.addEventListener('abort', () => stop(true), { once: true });
    for (const slot of slots) spawn(slot);
  });
}
