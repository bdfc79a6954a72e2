import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendClusterJob, CLUSTER_DIR, inspectLease, latestTrialRecords, readClusterJobs, readTrialRecords, trialState } from '@ganbench/study-folder';
import { expandStudy, type Study, selectTrials, studyHash, TRIALS_DIR, trialId, writeStudyInfo } from '@ganbench/sweep';
import { syncStudy, trackerFromEnv } from '@ganbench/tracking';
import { type ParsedFlags, UsageError } from './args.js';
import { loadInput, shellWord } from './study.js';

type Out = (line: string) => void;

/** The ganbench command every task runs: this node and this checkout's bin, by absolute path (the cluster's shared filesystem). */
export const GANBENCH_BIN = fileURLToPath(new URL('../bin/ganbench.js', import.meta.url));

/** Seconds before the time limit at which Slurm signals the batch shell, which stops the trial (a checkpoint) and requeues it. */
export const SIGNAL_BEFORE_LIMIT_S = 120;

/** Indices as an array spec: 0-3,7,9-10. */
export function arrayRanges(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export interface SlurmSettings {
  partition?: string;
  gpusPerTrial?: number;
  cpusPerTrial?: number;
  time?: string;
  maxParallel?: number;
  sbatchArgs: string[];
}

/** The --slurm flags, checked before any work: each mistake names the flag, the value and what is allowed. */
export function slurmSettings(flags: ParsedFlags): SlurmSettings {
  const settings: SlurmSettings = { sbatchArgs: (flags['sbatch-arg'] as string[] | undefined) ?? [] };
  if (flags.partition !== undefined) {
    const p = flags.partition as string;
    if (!/^[A-Za-z0-9_.,-]+$/.test(p))
      throw new UsageError(`--partition: '${p}' is not allowed; a partition name (letters, digits, '_', '.', '-'; several with ',')`);
    settings.partition = p;
  }
  if (flags.time !== undefined) {
    const t = flags.time as string;
    // Slurm's forms, without the bare-minutes one (a number alone is easy to mistake for hours).
    if (!/^(\d+-)?\d{1,2}:\d{2}:\d{2}$/.test(t) && !/^\d+-\d{1,2}(:\d{2})?$/.test(t))
      throw new UsageError(`--time: '${t}' is not allowed; use HH:MM:SS or D-HH[:MM[:SS]], e.g. 02:00:00`);
    settings.time = t;
  }
  for (const arg of settings.sbatchArgs) {
    if (!arg.startsWith('-') || /[\n\r]/.test(arg))
      throw new UsageError(`--sbatch-arg: '${arg}' is not allowed; one sbatch option on one line, e.g. --sbatch-arg=--qos=high`);
  }
  if (flags['gpus-per-trial'] !== undefined) settings.gpusPerTrial = flags['gpus-per-trial'] as number;
  if (flags['cpus-per-trial'] !== undefined) settings.cpusPerTrial = flags['cpus-per-trial'] as number;
  if (flags['max-parallel'] !== undefined) settings.maxParallel = flags['max-parallel'] as number;
  return settings;
}

const quote = shellWord;

/** The ganbench arguments every task of the study gets, from the sweep's flags. */
/** `out`: the results root (the study folder is <out>/<study>). */
function taskFlags(flags: ParsedFlags, out: string, gpus: boolean): string[] {
  const words = ['--out', path.resolve(out)];
  const backend = (flags.backend as string | undefined) ?? (gpus ? 'tensorflow-gpu' : undefined);
  if (backend !== undefined) words.push('--backend', backend);
  if (flags['no-mlflow'] === true) words.push('--no-mlflow');
  if (flags['retry-failed'] === true) words.push('--retry-failed');
  if (typeof flags.plugin === 'string') words.push('--plugin', flags.plugin);
  return words;
}

/**
 * The array's batch script. The trial runs in the background so the shell can take signals while
 * it waits: Slurm sends USR1 to the shell alone before the time limit (--signal=B:USR1@120); the
 * shell passes it on as SIGTERM (the trial checkpoints and exits 143) and requeues the task, which
 * resumes from the checkpoint in its next allocation. A scancel or `scontrol requeue` sends SIGTERM to
 * every process of the job itself, so the shell's TERM trap only keeps it waiting (passing it on would
 * be the trial's second signal, which kills rather than checkpoints); Slurm requeues or cancels as asked.
 */
export function trialsScript(study: Study, file: string, dir: string, flags: ParsedFlags, s: SlurmSettings): string {
  const logs = path.join(path.resolve(dir), CLUSTER_DIR);
  const lines = [
    '#!/bin/bash',
    `# ganbench study ${study.name} (hash ${studyHash(study)}): one array task per trial, \`ganbench trial FILE\` with SLURM_ARRAY_TASK_ID.`,
    '# Written by `ganbench sweep FILE --slurm`; the array range comes on the sbatch command line (only the trials not finished).',
    `#SBATCH --job-name=${quote(`ganbench-${study.name}`)}`,
    `#SBATCH --output=${logs}/slurm-%A_%a.out`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    `#SBATCH --signal=B:USR1@${SIGNAL_BEFORE_LIMIT_S}`,
    '#SBATCH --ntasks=1',
  ];
  if (s.partition !== undefined) lines.push(`#SBATCH --partition=${s.partition}`);
  if (s.cpusPerTrial !== undefined) lines.push(`#SBATCH --cpus-per-task=${s.cpusPerTrial}`);
  if (s.gpusPerTrial !== undefined && s.gpusPerTrial > 0) lines.push(`#SBATCH --gres=gpu:${s.gpusPerTrial}`);
  if (s.time !== undefined) lines.push(`#SBATCH --time=${s.time}`);
  for (const arg of s.sbatchArgs) lines.push(`#SBATCH ${arg}`);
  const command = [
    process.execPath,
    GANBENCH_BIN,
    'trial',
    path.resolve(file),
    ...taskFlags(flags, (flags.out as string | undefined) ?? 'results', (s.gpusPerTrial ?? 0) > 0),
  ]
    .map(quote)
    .join(' ');
  lines.push(
    '',
    `cd ${quote(process.cwd())}`,
    '# wasm threads: the cores Slurm gave the task.',
    'if [ -n "$SLURM_CPUS_PER_TASK" ]; then export GANBENCH_THREADS="$SLURM_CPUS_PER_TASK"; fi',
    'requeue=0',
    'trap \'requeue=1; kill -TERM "$pid" 2>/dev/null\' USR1',
    "trap ':' TERM",
    `${command} &`,
    'pid=$!',
    '# wait returns early when a trap runs: wait again until the trial has exited.',
    'while :; do',
    '  wait "$pid"; rc=$?',
    '  kill -0 "$pid" 2>/dev/null || break',
    'done',
    'if [ "$rc" -eq 143 ] && [ "$requeue" -eq 1 ]; then',
    '  echo "ganbench: time limit near; trial checkpointed, requeueing $SLURM_ARRAY_JOB_ID"_"$SLURM_ARRAY_TASK_ID"',
    '  scontrol requeue "$SLURM_ARRAY_JOB_ID"_"$SLURM_ARRAY_TASK_ID"',
    'fi',
    'exit "$rc"',
    '',
  );
  return lines.join('\n');
}

/** The job that runs after the array (afterany): the report, then the MLflow sync of everything the tasks did not send. */
export function reportScript(study: Study, dir: string, flags: ParsedFlags, s: SlurmSettings): string {
  const logs = path.join(path.resolve(dir), CLUSTER_DIR);
  const ganbench = [process.execPath, GANBENCH_BIN].map(quote).join(' ');
  const lines = [
    '#!/bin/bash',
    `# ganbench study ${study.name}: the report and the final MLflow sync, after every task of the array has ended.`,
    `#SBATCH --job-name=${quote(`ganbench-${study.name}-report`)}`,
    `#SBATCH --output=${logs}/slurm-report-%j.out`,
    '#SBATCH --ntasks=1',
  ];
  if (s.partition !== undefined) lines.push(`#SBATCH --partition=${s.partition}`);
  for (const arg of s.sbatchArgs) lines.push(`#SBATCH ${arg}`);
  lines.push('', `cd ${quote(process.cwd())}`, 'set -e');
  if (flags['no-report'] !== true) lines.push(`${ganbench} report ${quote(path.resolve(dir))}`);
  if (flags['no-mlflow'] !== true) lines.push(`${ganbench} mlflow sync ${quote(path.resolve(dir))}`);
  lines.push('');
  return lines.join('\n');
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, text, { mode: 0o755 });
  renameSync(tmp, file);
}

/** Array tasks of the given jobs that Slurm still has queued or running (a requeued task is pending again). */
function liveTasks(jobIds: readonly string[]): Set<number> {
  const live = new Set<number>();
  if (jobIds.length === 0) return live;
  // Every job, filtered here: `squeue -j` fails outright on one id Slurm has forgotten.
  const text = execFileSync('squeue', ['-h', '-r', '-o', '%F %K %T'], { encoding: 'utf8' });
  for (const line of text.split('\n')) {
    const [job, task, state] = line.trim().split(/\s+/);
    if (job === undefined || task === undefined || !jobIds.includes(job) || !/^\d+$/.test(task)) continue;
    if (state !== 'COMPLETED' && state !== 'CANCELLED' && state !== 'FAILED' && state !== 'TIMEOUT') live.add(Number(task));
  }
  return live;
}

/**
 * Makes the study's MLflow experiment and parent run before any task starts: tasks that end at the
 * same moment would otherwise each find none and each create one. A tracker that cannot be reached is
 * a warning: the tasks sync when they end, and the report job's sync finishes the rest.
 */
export async function createParentRun(dir: string, flags: ParsedFlags, out: Out): Promise<void> {
  if (flags['no-mlflow'] === true) return;
  const tracker = trackerFromEnv();
  try {
    await syncStudy(dir, tracker);
  } catch (error) {
    out(`  warning: MLflow (${tracker.describe()}) not reached from here: ${(error as Error).message}; the tasks sync their trials as they end`);
  }
}

/**
 * Before anything is written: Slurm's commands are here and reach a controller (a login node, not a
 * laptop), and the partitions asked for exist.
 */
function checkCluster(settings: SlurmSettings): void {
  const sinfo = spawnSync('sinfo', ['-h', '-o', '%R'], { encoding: 'utf8' });
  if (sinfo.error !== undefined)
    throw new UsageError(
      "--slurm: Slurm's commands (sinfo, sbatch) are not on PATH; run this where jobs are submitted (a login node), or add --dry-run to see the scripts",
    );
  if (sinfo.status !== 0) throw new Error(`--slurm: sinfo cannot reach the Slurm controller: ${sinfo.stderr.trim()}`);
  const partitions = new Set(
    sinfo.stdout
      .split('\n')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  );
  for (const p of settings.partition?.split(',') ?? []) {
    if (!partitions.has(p)) throw new UsageError(`--partition: '${p}' is not allowed; this cluster's partitions: ${[...partitions].join(', ')}`);
  }
}

function sbatch(args: string[]): string {
  try {
    // --parsable: "jobid" or "jobid;cluster".
    return (
      execFileSync('sbatch', ['--parsable', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
        .trim()
        .split(';')[0] as string
    ).trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`sbatch ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/**
 * `ganbench sweep FILE --slurm`: the index table and study.json, the batch scripts in
 * <study>/cluster/, then one array over the trials that are neither finished (nor failed, unless
 * --retry-failed) nor running nor still queued from an earlier submission, and the report job after it.
 */
export async function slurmCommand(flags: ParsedFlags, file: string, out: Out): Promise<number> {
  const settings = slurmSettings(flags);
  const dryRun = flags['dry-run'] === true;
  if (!dryRun) checkCluster(settings);
  const study = await loadInput(flags, file);
  const dir = path.join((flags.out as string | undefined) ?? 'results', study.name);
  const hash = studyHash(study);
  // A dry run writes nothing: the table is what a submission would record.
  const trials = dryRun ? expandStudy(study) : selectTrials(study, dir);
  const records = new Map(latestTrialRecords(await readTrialRecords(dir)).map((r) => [r.id, r]));
  const jobs = (await readClusterJobs(dir)).filter((j) => j.scheduler === 'slurm' && j.role === 'trials' && j.hash === hash);
  const queued = dryRun ? new Set<number>() : liveTasks(jobs.map((j) => j.jobId));
  const missing: number[] = [];
  let done = 0;
  let running = 0;
  for (const [index, config] of trials.entries()) {
    const id = trialId(config);
    const state = trialState(records.get(id), inspectLease(path.join(dir, TRIALS_DIR, id)));
    if (state === 'finished' || state === 'diverged' || (state === 'failed' && flags['retry-failed'] !== true)) done++;
    else if (state === 'running' || queued.has(index)) running++;
    else missing.push(index);
  }
  const trialsFile = path.join(dir, CLUSTER_DIR, 'slurm-trials.sbatch');
  const reportFile = path.join(dir, CLUSTER_DIR, 'slurm-report.sbatch');
  const array = `${arrayRanges(missing)}${settings.maxParallel === undefined ? '' : `%${settings.maxParallel}`}`;
  const trialsText = trialsScript(study, file, dir, flags, settings);
  const reportText = reportScript(study, dir, flags, settings);
  out(`study ${study.name}: ${trials.length} trials, ${done} ended, ${running} running or queued, ${missing.length} to submit`);
  if (dryRun) {
    out(`# ${trialsFile} (sbatch --array=${array || '<none>'} ${trialsFile})`);
    out(trialsText);
    out(`# ${reportFile} (sbatch --dependency=afterany:<array job> ${reportFile})`);
    out(reportText);
    return 0;
  }
  if (missing.length === 0) {
    out(`  nothing to submit; \`ganbench status ${dir}\` shows every trial`);
    return 0;
  }
  await writeStudyInfo(study, dir);
  await createParentRun(dir, flags, out);
  writeAtomic(trialsFile, trialsText);
  writeAtomic(reportFile, reportText);
  const submittedAt = new Date().toISOString();
  const arrayJob = sbatch([`--array=${array}`, trialsFile]);
  appendClusterJob(dir, { scheduler: 'slurm', role: 'trials', jobId: arrayJob, indices: missing, submittedAt, hash });
  const reportJob = sbatch([`--dependency=afterany:${arrayJob}`, '--kill-on-invalid-dep=no', reportFile]);
  appendClusterJob(dir, { scheduler: 'slurm', role: 'report', jobId: reportJob, indices: [], submittedAt, hash });
  out(`  array job ${arrayJob}: trials ${array} (${missing.length} tasks)`);
  out(`  report job ${reportJob}: runs after every task has ended`);
  out(`  watch:  squeue -j ${arrayJob},${reportJob}   ganbench status ${dir}   tail -f ${path.join(dir, CLUSTER_DIR)}/slurm-${arrayJob}_*.out`);
  out(`  cancel: scancel ${arrayJob} ${reportJob}; \`ganbench sweep ${file} --slurm\` again submits what is missing`);
  return 0;
}
