/**
 * `ganbench sweep --slurm` against a real single-node Slurm cluster (test/slurmCluster.ts): the array
 * runs every trial once through `ganbench trial`, the dependent job writes the report and syncs
 * MLflow's file store, a second submission after a scancel submits only what is missing, a requeued
 * task resumes from its checkpoint, and a local sweep of the same folder shares the trials with the array.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlurmCluster, startSlurmCluster } from './slurmCluster.js';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'ganbench-slurm-test-'));

const study = (name: string, seeds: number, steps: number) => `name: ${name}
dataset: { name: ring }
architecture: { name: mlp, options: { latentDim: 4, gWidth: 8, gLayers: 1, dWidth: 8, dLayers: 1 } }
training: { steps: ${steps}, batchSize: 16, checkpointEvery: 10 }
evaluation: { every: ${steps}, samples: 100, metrics: [frechet_2d] }
loss: hinge
seeds: ${seeds}
`;

let cluster: SlurmCluster | null = null;
let skipped = '';

beforeAll(async () => {
  const started = await startSlurmCluster();
  if ('skip' in started) {
    // CI installs Slurm (.ci/run) and sets this: there a skip is a failure.
    if (process.env.GANBENCH_REQUIRE_SLURM === '1') throw new Error(`GANBENCH_REQUIRE_SLURM=1 but ${started.skip}`);
    skipped = started.skip;
    console.log(`test/slurm.test.ts skips: ${skipped}`);
    return;
  }
  cluster = started;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(root, { recursive: true, force: true });
});

function ganbench(args: string[], extra: Record<string, string> = {}) {
  const env = { ...process.env, ...cluster?.env, GANBENCH_BACKEND: '', GANBENCH_THREADS: '1', MLFLOW_TRACKING_URI: '', ...extra };
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const slurm = (command: string, args: string[]) => execFileSync(command, args, { env: cluster?.env, encoding: 'utf8' });

/** Waits until Slurm has no queued or running task of these jobs. */
async function drained(jobs: string[], ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(500)) {
    const live = slurm('squeue', ['-h', '-r', '-o', '%F %T'])
      .split('\n')
      .filter((l) => jobs.includes(l.trim().split(' ')[0] ?? ''));
    if (live.length === 0) return;
  }
  throw new Error(`jobs ${jobs.join(',')} still queued after ${ms / 1000} s\n${slurm('squeue', ['-r'])}\n${cluster?.logs()}`);
}

const jobIds = (stdout: string) => {
  const array = /array job (\d+)/.exec(stdout)?.[1];
  const report = /report job (\d+)/.exec(stdout)?.[1];
  if (array === undefined || report === undefined) throw new Error(`no job ids in:\n${stdout}`);
  return { array, report };
};

const records = (dir: string) =>
  readFileSync(path.join(dir, 'trials.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; status: string });

/** The file store's runs of experiment `name` by their ganbench.role tag. */
function roles(mlruns: string, name: string): string[] {
  const experiment = readdirSync(mlruns).find(
    (e) => existsSync(path.join(mlruns, e, 'meta.yaml')) && readFileSync(path.join(mlruns, e, 'meta.yaml'), 'utf8').includes(`name: ${name}\n`),
  );
  if (experiment === undefined) throw new Error(`no experiment ${name} in ${mlruns}`);
  const dir = path.join(mlruns, experiment);
  return readdirSync(dir)
    .filter((r) => existsSync(path.join(dir, r, 'tags', 'ganbench.role')))
    .map((r) => readFileSync(path.join(dir, r, 'tags', 'ganbench.role'), 'utf8'))
    .sort();
}

describe('ganbench sweep --slurm on a real Slurm cluster', () => {
  it('runs every trial once as an array task; the dependent job writes the report and the file store has one parent and one child per trial', async (context) => {
    if (cluster === null) return context.skip(skipped);
    const file = path.join(root, 'ring3.yaml');
    writeFileSync(file, study('ring3', 3, 30));
    const out = path.join(root, 'results');
    const mlruns = path.join(root, 'mlruns');
    const uri = { MLFLOW_TRACKING_URI: `file:${mlruns}` };
    const dry = ganbench(['sweep', file, '--slurm', '--out', out, '--max-parallel', '2', '--dry-run'], uri);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('sbatch --array=0-2%2');
    expect(dry.stdout).toContain('#SBATCH --requeue');
    expect(dry.stdout).toContain('#SBATCH --signal=B:USR1@120');
    expect(existsSync(path.join(out, 'ring3')), 'a dry run writes nothing').toBe(false);
    const partition = ganbench(['sweep', file, '--slurm', '--out', out, '--partition', 'nope'], uri);
    expect(partition.status).toBe(2);
    expect(partition.stderr).toContain("--partition: 'nope' is not allowed; this cluster's partitions: debug");
    expect(existsSync(path.join(out, 'ring3')), 'bad input writes nothing').toBe(false);

    const r = ganbench(['sweep', file, '--slurm', '--out', out, '--max-parallel', '2', '--cpus-per-trial', '1'], uri);
    expect(r.status, r.stderr).toBe(0);
    const { array, report } = jobIds(r.stdout);
    expect(r.stdout).toContain('trials 0-2%2 (3 tasks)');
    await drained([array, report], 90_000);
    const dir = path.join(out, 'ring3');
    const got = records(dir);
    expect(got.map((g) => g.status)).toEqual(['finished', 'finished', 'finished']);
    expect(new Set(got.map((g) => g.id)).size).toBe(3);
    const table = JSON.parse(readFileSync(path.join(dir, 'trials.index.json'), 'utf8')) as { trials: string[] };
    expect([...table.trials].sort()).toEqual(got.map((g) => g.id).sort());
    expect(existsSync(path.join(dir, 'report.md')), readdirSync(path.join(dir, 'cluster')).join(' ')).toBe(true);
    expect(roles(mlruns, 'ring3')).toEqual(['study', 'trial', 'trial', 'trial']);

    const status = ganbench(['status', dir, '--json']);
    const parsed = JSON.parse(status.stdout) as { counts: Record<string, number>; jobs: { jobId: string; role: string }[] };
    expect(parsed.counts).toMatchObject({ finished: 3, pending: 0, running: 0 });
    expect(parsed.jobs.map((j) => [j.role, j.jobId])).toEqual([
      ['trials', array],
      ['report', report],
    ]);
    const again = ganbench(['sweep', file, '--slurm', '--out', out], uri);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('3 ended, 0 running or queued, 0 to submit');
    expect(again.stdout).toContain('nothing to submit');
  }, 150_000);

  it('after a scancel of tasks, --slurm again submits only the missing trials; status shows them pending', async (context) => {
    if (cluster === null) return context.skip(skipped);
    const file = path.join(root, 'cancelled.yaml');
    writeFileSync(file, study('cancelled', 3, 20));
    const out = path.join(root, 'results');
    const first = ganbench(['sweep', file, '--slurm', '--out', out, '--max-parallel', '1', '--no-mlflow', '--no-report']);
    expect(first.status, first.stderr).toBe(0);
    const { array, report } = jobIds(first.stdout);
    // With one task at a time, tasks 1 and 2 are still pending.
    slurm('scancel', [`${array}_1`, `${array}_2`]);
    await drained([array, report], 60_000);
    const dir = path.join(out, 'cancelled');
    const status = ganbench(['status', dir]);
    expect(status.stdout).toContain('2 pending, 1 finished');
    expect(status.stdout).toMatch(/\n {4}1 [0-9a-f]+ {2}pending/);

    const second = ganbench(['sweep', file, '--slurm', '--out', out, '--no-mlflow', '--no-report']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('1 ended, 0 running or queued, 2 to submit');
    expect(second.stdout).toContain('trials 1-2 (2 tasks)');
    const ids = jobIds(second.stdout);
    await drained([ids.array, ids.report], 60_000);
    const got = records(dir);
    expect(got.length).toBe(3);
    expect(new Set(got.map((g) => g.id)).size).toBe(3);
    expect(got.every((g) => g.status === 'finished')).toBe(true);
  }, 150_000);

  it('`scontrol requeue` of a running task: the trial checkpoints, resumes in its next allocation and ends as an uninterrupted run does', async (context) => {
    if (cluster === null) return context.skip(skipped);
    const file = path.join(root, 'requeue.yaml');
    writeFileSync(file, study('requeue', 1, 800));
    const out = path.join(root, 'results');
    const r = ganbench(['sweep', file, '--slurm', '--out', out, '--no-mlflow', '--no-report']);
    expect(r.status, r.stderr).toBe(0);
    const { array, report } = jobIds(r.stdout);
    const trialsDir = path.join(out, 'requeue', 'trials');
    const checkpointed = () =>
      existsSync(trialsDir) && readdirSync(trialsDir).some((id) => existsSync(path.join(trialsDir, id, 'checkpoint', 'latest.safetensors')));
    for (const deadline = Date.now() + 60_000; !checkpointed() && Date.now() < deadline; ) await sleep(100);
    slurm('scontrol', ['requeue', `${array}_0`]);
    // A requeued task waits cred_expire seconds before it starts again (5 s in the test cluster's config, 120 by default).
    await drained([array, report], 90_000);
    const log = readFileSync(path.join(out, 'requeue', 'cluster', `slurm-${array}_0.out`), 'utf8');
    expect(log).toContain('stopped by SIGTERM, checkpointed');
    expect(log).toMatch(/of requeue: [0-9a-f]+ finished/);
    const got = records(path.join(out, 'requeue')) as { id: string; status: string; final?: Record<string, number> }[];
    expect(got.map((g) => g.status)).toEqual(['finished']);
    // The same trial without an interruption, same backend and threads.
    const whole = path.join(root, 'whole');
    const straight = ganbench(['trial', file, '--index', '0', '--out', whole, '--no-mlflow']);
    expect(straight.status, straight.stderr).toBe(0);
    const [uninterrupted] = records(path.join(whole, 'requeue')) as { final?: Record<string, number> }[];
    expect(got[0]?.final).toEqual(uninterrupted?.final);
  }, 150_000);

  it("the time limit's signal (USR1 to the batch shell): the trial checkpoints, the script requeues the task, and it resumes", async (context) => {
    if (cluster === null) return context.skip(skipped);
    const file = path.join(root, 'limit.yaml');
    writeFileSync(file, study('limit', 1, 800));
    const out = path.join(root, 'results');
    const r = ganbench(['sweep', file, '--slurm', '--out', out, '--no-mlflow', '--no-report']);
    expect(r.status, r.stderr).toBe(0);
    const { array, report } = jobIds(r.stdout);
    const trialsDir = path.join(out, 'limit', 'trials');
    const checkpointed = () =>
      existsSync(trialsDir) && readdirSync(trialsDir).some((id) => existsSync(path.join(trialsDir, id, 'checkpoint', 'latest.safetensors')));
    for (const deadline = Date.now() + 60_000; !checkpointed() && Date.now() < deadline; ) await sleep(100);
    // What --signal=B:USR1@120 sends two minutes before the time limit, sent now.
    slurm('scancel', ['--signal=USR1', '--batch', `${array}_0`]);
    await drained([array, report], 90_000);
    const log = readFileSync(path.join(out, 'limit', 'cluster', `slurm-${array}_0.out`), 'utf8');
    expect(log).toContain('stopped by SIGTERM, checkpointed');
    expect(log).toContain(`time limit near; trial checkpointed, requeueing ${array}_0`);
    expect(log).toContain('1 resume from their checkpoint');
    expect(records(path.join(out, 'limit')).map((g) => g.status)).toEqual(['finished']);
  }, 120_000);

  it('a study on Slurm and a local sweep of the same folder at once: every trial trained once, one line each', async (context) => {
    if (cluster === null) return context.skip(skipped);
    const file = path.join(root, 'shared.yaml');
    writeFileSync(file, study('shared', 4, 600));
    const out = path.join(root, 'results');
    const r = ganbench(['sweep', file, '--slurm', '--out', out, '--no-mlflow', '--no-report']);
    expect(r.status, r.stderr).toBe(0);
    const { array, report } = jobIds(r.stdout);
    const local = ganbench(['sweep', file, '--out', out, '--workers', '1', '--no-mlflow', '--no-report']);
    expect(local.status, local.stderr).toBe(0);
    await drained([array, report], 90_000);
    const dir = path.join(out, 'shared');
    const got = records(dir);
    expect(got.length).toBe(4);
    expect(new Set(got.map((g) => g.id)).size).toBe(4);
    // Who trained what: the local pool's "done" lines and the tasks' "<id> finished" lines name each trial once in all.
    const logs = readdirSync(path.join(dir, 'cluster'))
      .filter((f) => f.endsWith('.out'))
      .map((f) => readFileSync(path.join(dir, 'cluster', f), 'utf8'))
      .join('\n');
    const trained = [...`${local.stdout}${local.stderr}`.matchAll(/done .*\[([0-9a-f]+)\]/g), ...logs.matchAll(/of shared: ([0-9a-f]+) finished/g)].map(
      (m) => m[1],
    );
    expect(trained.sort()).toEqual(got.map((g) => g.id).sort());
  }, 150_000);
});
