import os from 'node:os';
import type { TrialConfig } from '@ganbench/study-folder';
import type { TrialOutcome, TrialProgress } from '@ganbench/train';

export type { TrialOutcome };

/**
 * The IPC conversation between the sweep (parent) and a worker process: the worker says `ready`,
 * then runs one trial per `run` message and answers with progress and one `result` or `error`.
 * `abort` asks the running trial to checkpoint and stop. The parent closing the channel ends the
 * worker. Only the parent writes trials.jsonl; a worker writes only inside its trial's folder.
 */

export type TrialProgressMessage = TrialProgress;

/** Environment variable with the plugin entry files (path.delimiter-separated) a worker registers before its first trial. */
export const PLUGIN_MODULES_ENV = 'GANBENCH_PLUGIN_MODULES';

export interface RunRequest {
  config: TrialConfig;
  dir: string;
  /** A BackendName of @ganbench/core; absent: GANBENCH_BACKEND or the default. */
  backend?: string;
  /** Run tags: study, config hash, git commit. */
  tags: Record<string, string>;
}

export type ParentMessage = ({ type: 'run' } & RunRequest) | { type: 'abort' };

export type WorkerMessage =
  | { type: 'ready'; pid: number }
  | ({ type: 'progress' } & TrialProgressMessage)
  | { type: 'result'; outcome: TrialOutcome }
  | { type: 'error'; message: string };

export interface TrialRunOptions {
  signal: AbortSignal;
  onProgress(progress: TrialProgressMessage): void;
}

export type TrialRunner = (request: RunRequest, options: TrialRunOptions) => Promise<TrialOutcome>;

/** Progress goes to the parent at most this often (plus the last step), so fast toy trials do not flood the channel. */
export const PROGRESS_INTERVAL_MS = 250;

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Serves trials in a worker process until the parent disconnects. A trial that throws is reported
 * and ends the process (a fresh one replaces it: a failed trial may leave the engine in any state).
 * The first SIGINT (Ctrl-C reaches the whole process group) or SIGTERM (a scheduler stopping a job
 * signals all its processes) aborts the running trial like an `abort` message, so it checkpoints; a
 * second one exits at once.
 */
export function serveTrials(run: TrialRunner): void {
  if (process.send === undefined) throw new Error('serveTrials: this module runs as a worker of the sweep (child_process.fork), not on its own');
  let controller: AbortController | null = null;
  let interrupts = 0;
  // 128 + the signal's number, as a shell reports a process a signal ended.
  let signalExit = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signalExit = 128 + (os.constants.signals[signal] ?? 0);
    if (++interrupts > 1) process.exit(signalExit);
    controller?.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('disconnect', () => {
    // The parent is gone (or done): stop the trial at its next step, checkpointed, then leave.
    if (controller === null) process.exit(0);
    controller.abort();
  });
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'abort') {
      controller?.abort();
      return;
    }
    if (message.type !== 'run' || controller !== null) return;
    controller = new AbortController();
    if (interrupts > 0) controller.abort();
    void serveOne(run, message, controller.signal).then(async (reply) => {
      controller = null;
      await send(reply);
      if (reply.type === 'error') process.exit(1);
      // Interrupted by a signal of its own: take no further trial (the parent replaces it if the study goes on).
      if (!process.connected || interrupts > 0) process.exit(interrupts > 0 ? signalExit : 0);
    });
  });
  void send({ type: 'ready', pid: process.pid });
}

async function serveOne(run: TrialRunner, request: RunRequest, signal: AbortSignal): Promise<WorkerMessage> {
  let lastSent = 0;
  const onProgress = (progress: TrialProgressMessage) => {
    const now = Date.now();
    if (now - lastSent < PROGRESS_INTERVAL_MS && progress.step < progress.steps && progress.metrics === undefined) return;
    lastSent = now;
    void send({ type: 'progress', ...progress });
  };
  try {
    return { type: 'result', outcome: await run(request, { signal, onProgress }) };
  } catch (error) {
    return { type: 'error', message: errorText(error) };
  }
}
