import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkWebGpuGpus } from '@ganbench/core';
import { type Pivot, parsePivot, writeStudyReport } from '@ganbench/report';
import { TRIALS_FILE } from '@ganbench/study-folder';
import {
  checkPoolOptions,
  createProgressReporter,
  interruptOnSignals,
  loadStudy,
  PLUGIN_MODULES_ENV,
  type RunStudyOptions,
  runStudy,
  type StudyRun,
} from '@ganbench/sweep';
import { parseDiracStudy, runDiracStudy, writeDiracStudy } from '@ganbench/toy-problems';
import { describeTracker, ensureExecutionId, listTrialIds, syncStudy, type Tracker, trackerFromEnv } from '@ganbench/tracking';
import { initBackendFromFlags, type ParsedFlags, UsageError } from './args.js';
import { loadedPlugins, loadPlugins, pluginList } from './plugins.js';

type Out = (line: string) => void;

const relative = (p: string) => path.relative(process.cwd(), p) || '.';

function parseGpus(value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  const gpus = String(value)
    .split(',')
    .map((g) => Number(g));
  if (gpus.some((g) => !Number.isInteger(g) || g < 0)) throw new UsageError(`--gpus: '${value}' is not allowed; give GPU indices, e.g. 0,1`);
  return gpus;
}

/** The report is rewritten only when trials.jsonl changed after it, so a finished study's rerun does no work. */
function reportIsCurrent(dir: string, studyHash: string): boolean {
  const report = path.join(dir, 'report.md');
  const trials = path.join(dir, TRIALS_FILE);
  if (!existsSync(report) || !existsSync(trials) || statSync(report).mtimeMs < statSync(trials).mtimeMs) return false;
  // An edited study (another primary metric, say) with no new trial still needs a new report; the header names the study hash.
  return readFileSync(report, 'utf8').includes(`hash \`${studyHash}\``);
}

export interface SweepOutcome {
  run: StudyRun;
  interrupted: boolean;
  tracker: Tracker | null;
  /** 0 all trials finished or diverged, 1 some failed (or were left interrupted by a killed worker), 128 + signal when stopped by one. */
  exitCode: number;
}

/** A word for a shell command line: as it is when that is safe, else single-quoted. */
export const shellWord = (word: string) => (/^[A-Za-z0-9_\-.,/:=@+]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);

/** The command line that runs this sweep again: the command, its file and every flag as given. */
function rerunCommand(command: readonly string[], flags: ParsedFlags, extra: readonly string[] = []): string {
  const words = ['ganbench', ...command];
  for (const [flag, value] of Object.entries(flags)) {
    if (flag === 'help' || value === undefined || value === false) continue;
    if (Array.isArray(value)) {
      // A repeatable flag's values may start with '--' (--sbatch-arg=--qos=high): inline, each.
      for (const item of value) words.push(`--${flag}=${item}`);
      continue;
    }
    words.push(`--${flag}`);
    if (value !== true) words.push(String(value));
  }
  for (const flag of extra) if (!words.includes(flag)) words.push(flag);
  return words.map(shellWord).join(' ');
}

/** Everything the sweep is given, checked before any work: a mistake here is bad input (exit 2), never a failed trial. */
export async function loadInput(flags: ParsedFlags, file: string) {
  try {
    const gpus = parseGpus(flags.gpus);
    const { backend } = checkPoolOptions({
      ...(flags.workers === undefined ? {} : { workers: flags.workers as number }),
      ...(gpus === undefined ? {} : { gpus }),
      ...(flags.backend === undefined ? {} : { backend: flags.backend as string }),
    });
    // Each GPU must be one that Dawn can select, or the sweep would record every trial on it as failed.
    if (backend === 'webgpu' && gpus !== undefined) await checkWebGpuGpus(gpus);
    // Plugins register their losses and regularizers before the study is validated; the sweep's
    // worker processes load the same entry files (PLUGIN_MODULES_ENV).
    await loadPlugins(pluginList(flags.plugin));
    process.env[PLUGIN_MODULES_ENV] = loadedPlugins().join(path.delimiter);
    return await loadStudy(file);
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
}

/**
 * `ganbench sweep FILE`: every trial of the study not yet in its trials.jsonl, then the report.
 * `command` is how the user ran it (`sweep FILE`, `quick`), for the command lines it prints.
 */
/** What `sweep` and `trial` both pass to the runner: results root, backend, retry, signals, tracker and progress. */
export function runnerOptions(
  flags: ParsedFlags,
  tracker: Tracker | null,
  interrupts: ReturnType<typeof interruptOnSignals>,
  onEvent: RunStudyOptions['onEvent'],
) {
  return {
    ...(flags.out === undefined ? {} : { out: flags.out as string }),
    ...(flags.backend === undefined ? {} : { backend: flags.backend as string }),
    ...(flags['retry-failed'] === true ? { retryFailed: true } : {}),
    signal: interrupts.signal,
    kill: interrupts.kill,
    ...(tracker === null ? {} : { tracker }),
    ...(onEvent === undefined ? {} : { onEvent }),
  };
}

export async function sweepCommand(flags: ParsedFlags, positional: string[], out: Out, command?: readonly string[]): Promise<SweepOutcome> {
  const file = positional[0];
  if (file === undefined) throw new UsageError('sweep: needs a study file, e.g. ganbench sweep experiments/quick.yaml');
  const study = await loadInput(flags, file);
  const rerun = rerunCommand(command ?? ['sweep', file], flags);
  const tracker = flags['no-mlflow'] === true ? null : trackerFromEnv();
  const interrupts = interruptOnSignals();
  const progress = createProgressReporter();
  try {
    const run = await runStudy(study, {
      ...runnerOptions(flags, tracker, interrupts, progress.onEvent),
      ...(flags.workers === undefined ? {} : { workers: flags.workers as number }),
      ...(parseGpus(flags.gpus) === undefined ? {} : { gpus: parseGpus(flags.gpus) as number[] }),
    });
    const interrupted = interrupts.signal.aborted;
    if (interrupted) {
      out(`stopped: running trials checkpointed; \`${rerun}\` resumes them (finished trials are not run again)`);
      return { run, interrupted, tracker, exitCode: interrupts.exitCode() };
    }
    if (flags['no-report'] !== true && !reportIsCurrent(run.dir, run.hash)) {
      await writeStudyReport(run.dir, { command: `ganbench report ${relative(run.dir)}` });
    }
    const synced = tracker !== null && (await finalSync(run, tracker, (message) => progress.onEvent({ type: 'warning', message })));
    out(`study ${study.name}: ${run.finished} finished, ${run.diverged} diverged, ${run.failed} failed, ${run.skipped ?? 0} already done`);
    // A failed trial counts whenever it failed: a rerun that skipped it has not made the study whole.
    const failed = run.failed + run.failedSkipped;
    if (failed > 0)
      out(
        `  ${failed} failed: \`${rerunCommand(command ?? ['sweep', file], flags, ['--retry-failed'])}\` runs them again (from their checkpoint where they have one)`,
      );
    if (run.interrupted > 0) out(`  ${run.interrupted} interrupted (a worker was killed): \`${rerun}\` resumes them from their checkpoint`);
    if (run.runningElsewhere > 0) out(`  ${run.runningElsewhere} running elsewhere: another runner holds their lease and records them`);
    out(`  table and plots   ${relative(path.join(run.dir, 'report.md'))}  (figures in ${relative(path.join(run.dir, 'figures'))}/)`);
    out(`  trials            ${relative(path.join(run.dir, TRIALS_FILE))}`);
    // Only where the runs are: a sync that failed has been reported, with the command that finishes it.
    if (tracker !== null && synced) out(`  ${describeTracker(tracker)}`);
    return { run, interrupted, tracker, exitCode: failed > 0 || run.interrupted > 0 ? 1 : 0 };
  } finally {
    interrupts.dispose();
  }
}

/**
 * The sweep's last sync: the parent run (with report.md and the figures, written since) and every
 * trial not sent as it ended — trials of earlier runs, or all of them after a failed sync. A
 * failure is a warning with the command that finishes the sync later: the study itself is done.
 */
async function finalSync(run: StudyRun, tracker: Tracker, warn: (message: string) => void): Promise<boolean> {
  const sent = new Set(run.synced);
  try {
    const trials = (await listTrialIds(run.dir)).filter((id) => !sent.has(id));
    await syncStudy(run.dir, tracker, { trials });
    return true;
  } catch (error) {
    warn(
      `MLflow sync to ${tracker.describe()} failed: ${(error as Error).message}\nThe study's results are complete in ${relative(run.dir)}; send them to MLflow later with: ganbench mlflow sync ${relative(run.dir)}`,
    );
    return false;
  }
}

/** `ganbench report DIR [--out DIR] [--seed N] [--bootstrap-samples N]`. */
export async function reportCommand(flags: ParsedFlags, positional: string[], out: Out): Promise<void> {
  const dir = positional[0];
  if (dir === undefined) throw new UsageError('report: needs a study results folder, e.g. ganbench report results/quick');
  if (flags['bootstrap-samples'] === 0) throw new UsageError("--bootstrap-samples: '0' is not allowed; use an integer ≥ 1");
  let pivot: Pivot | undefined;
  try {
    pivot = flags.pivot === undefined ? undefined : parsePivot(flags.pivot as string);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
  const report = await writeStudyReport(dir, {
    ...(pivot === undefined ? {} : { pivot }),
    ...(flags.out === undefined ? {} : { out: flags.out as string }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed as number }),
    ...(flags['bootstrap-samples'] === undefined ? {} : { bootstrapSamples: flags['bootstrap-samples'] as number }),
  });
  out(`wrote ${relative(report.reportPath)} and ${report.figures.length} figures in ${relative(report.figuresDir)}/`);
}

/** `ganbench mlflow sync DIR`: replays what the tracking server has not seen yet. */
export async function mlflowSyncCommand(positional: string[], out: Out): Promise<void> {
  const dir = positional[0];
  if (dir === undefined) throw new UsageError('mlflow sync: needs a study results folder, e.g. ganbench mlflow sync results/quick');
  const tracker = trackerFromEnv();
  // A folder from before execution ids gets its id now: MLflow finds its parent run by it from then on.
  await ensureExecutionId(dir);
  const counts = await syncStudy(dir, tracker, { log: out });
  const more = [
    counts.runsDeleted > 0 ? `${counts.runsDeleted} runs deleted (replaced)` : '',
    counts.trialsNotEnded > 0 ? `${counts.trialsNotEnded} trials not sent: still running or interrupted (sent once they end)` : '',
  ].filter(Boolean);
  out(
    `synced ${dir} to ${describeTracker(tracker)}: ${counts.runsCreated} runs created, ${counts.metricsSent} metric points, ${counts.paramsSent} params, ${counts.artifactsSent} artifacts sent${more.length ? `; ${more.join('; ')}` : ''}`,
  );
}

/**
 * The Dirac-GAN study of experiments/dirac.yaml into `dir`, unless `dir` already holds the
 * results of this very file (its hash is kept beside them).
 */
export async function diracStudyOnce(file: string, dir: string, flags: ParsedFlags, out: Out): Promise<void> {
  const text = await readFile(file, 'utf8');
  const hash = createHash('sha256').update(text).digest('hex');
  const marker = path.join(dir, '.study-sha256');
  if (existsSync(marker) && (await readFile(marker, 'utf8')).trim() === hash && existsSync(path.join(dir, 'summary.md'))) {
    out(`Dirac-GAN study: ${relative(path.join(dir, 'summary.md'))} is up to date`);
    return;
  }
  const backend = await initBackendFromFlags(flags);
  const study = parseDiracStudy(text, file);
  const started = performance.now();
  const results = runDiracStudy(study);
  const seconds = (performance.now() - started) / 1000;
  await writeDiracStudy(study, results, dir, {
    command: 'ganbench quick',
    details: `backend ${backend}, ${study.runs.length} runs in ${seconds.toFixed(1)} s`,
  });
  await mkdir(dir, { recursive: true });
  await writeFile(marker, `${hash}\n`);
  out(`Dirac-GAN study: ${study.runs.length} runs in ${seconds.toFixed(1)} s → ${relative(path.join(dir, 'summary.md'))}`);
}
