/**
 * The per-trial overhead of the Slurm path against the local pool, on the test's single-node cluster
 * (test/slurmCluster.ts): for a one-trial study, the time from the start (the `ganbench sweep`
 * process locally, the sbatch submission on Slurm) to the trial's first logged step, and from its last
 * logged step to its record in trials.jsonl. Run as root: `npx tsx test/slurmOverhead.ts [runs]`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startSlurmCluster } from './slurmCluster.js';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const root = mkdtempSync(path.join(os.tmpdir(), 'ganbench-overhead-'));
const file = path.join(root, 'one.yaml');
writeFileSync(
  file,
  `name: one
dataset: { name: ring }
architecture: { name: mlp, options: { latentDim: 4, gWidth: 8, gLayers: 1, dWidth: 8, dLayers: 1 } }
training: { steps: 200, batchSize: 16, checkpointEvery: 100 }
evaluation: { every: 200, samples: 100, metrics: [frechet_2d] }
loss: hinge
seeds: 1
`,
);

/** First and last metric timestamps of the study's one trial, and its record's time. */
function times(out: string): { first: number; last: number; recorded: number } {
  const trials = path.join(out, 'one', 'trials');
  const id = readdirSync(trials)[0] as string;
  const stamps = readFileSync(path.join(trials, id, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { timestamp: number }).timestamp);
  const record = JSON.parse(
    readFileSync(path.join(out, 'one', 'trials.jsonl'), 'utf8')
      .trim()
      .split('\n')[0] as string,
  ) as { finishedAt: string };
  return { first: Math.min(...stamps), last: Math.max(...stamps), recorded: Date.parse(record.finishedAt) };
}

const cluster = await startSlurmCluster();
if ('skip' in cluster) {
  console.log(`skipped: ${cluster.skip}`);
  process.exit(0);
}
const env = { ...cluster.env, GANBENCH_BACKEND: '', GANBENCH_THREADS: '1', MLFLOW_TRACKING_URI: '' };
const rows: string[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const local = path.join(root, `local-${i}`);
    const started = Date.now();
    spawnSync(process.execPath, [bin, 'sweep', file, '--out', local, '--workers', '1', '--no-mlflow', '--no-report'], { env });
    const l = times(local);
    const slurm = path.join(root, `slurm-${i}`);
    const r = spawnSync(process.execPath, [bin, 'sweep', file, '--slurm', '--out', slurm, '--no-mlflow', '--no-report'], { env, encoding: 'utf8' });
    const submitted = Date.parse(
      (JSON.parse(readFileSync(path.join(slurm, 'one', 'cluster', 'jobs.jsonl'), 'utf8').split('\n')[0] as string) as { submittedAt: string }).submittedAt,
    );
    const array = /array job (\d+)/.exec(r.stdout)?.[1] as string;
    while (execFileSync('squeue', ['-h', '-r', '-j', array], { env, encoding: 'utf8' }).trim() !== '') await sleep(100);
    const s = times(slurm);
    rows.push(
      `local: start→first step ${l.first - started} ms, last step→record ${l.recorded - l.last} ms | slurm: submit→first step ${s.first - submitted} ms, last step→record ${s.recorded - s.last} ms`,
    );
    console.log(rows.at(-1));
  }
} finally {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
}
