import { createProgressReporter, interruptOnSignals, resolveTaskIndex, runTrialTask, TrialIndexError } from '@ganbench/sweep';
import { trackerFromEnv } from '@ganbench/tracking';
import { type ParsedFlags, UsageError } from './args.js';
import { loadInput, runnerOptions } from './study.js';

type Out = (line: string) => void;

/**
 * `ganbench trial FILE [--index I]`: the index contract every executor goes through. Exit code 0:
 * the trial is finished or diverged (now or before); 1: it failed, or its worker was killed (it
 * resumes from its checkpoint when run again); 2: bad input, the study changed since it was
 * submitted included; 130/143: stopped by SIGINT/SIGTERM after checkpointing, which the Slurm batch
 * script and the Kubernetes pod failure policy take as "run it again".
 */
export async function trialCommand(flags: ParsedFlags, positional: string[], out: Out): Promise<number> {
  const file = positional[0];
  if (file === undefined) throw new UsageError('trial: needs a study file, e.g. ganbench trial experiments/quick.yaml --index 0');
  let index: number;
  let from: string;
  try {
    ({ index, from } = resolveTaskIndex(flags.index as number | undefined));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const study = await loadInput(flags, file);
  const tracker = flags['no-mlflow'] === true ? null : trackerFromEnv();
  const interrupts = interruptOnSignals();
  const progress = createProgressReporter();
  let waiting = false;
  try {
    const run = await runTrialTask(study, {
      index,
      ...runnerOptions(flags, tracker, interrupts, progress.onEvent),
      onWait: () => {
        if (!waiting) out(`trial ${index}: another runner holds its lease; waiting until it records the trial or its lease goes stale`);
        waiting = true;
      },
    }).catch((error: Error) => {
      throw error instanceof TrialIndexError ? new UsageError(error.message) : error;
    });
    const label = `trial ${index} (${from}) of ${study.name}`;
    if (interrupts.signal.aborted) {
      out(`${label}: stopped by ${interrupts.received}, checkpointed; running it again resumes it`);
      return interrupts.exitCode();
    }
    const record = run.records[0];
    if (record === undefined) {
      if (run.interrupted > 0) {
        out(`${label}: its worker was killed; running it again resumes it from its checkpoint`);
        return 1;
      }
      if (run.failedSkipped > 0) {
        out(`${label}: failed in an earlier run; --retry-failed runs it again`);
        return 1;
      }
      out(`${label}: already recorded, nothing to do`);
      return 0;
    }
    out(`${label}: ${record.id} ${record.status}${record.error === undefined ? '' : `: ${record.error.split('\n')[0]}`}`);
    return record.status === 'failed' ? 1 : 0;
  } finally {
    interrupts.dispose();
  }
}
