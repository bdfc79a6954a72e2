/**
 * `ganbench trial FILE --index I` as a scheduler runs it: SIGTERM (a time limit, a preemption, a
 * deleted pod) checkpoints the trial and exits 143, the exit status the Slurm batch script and the
 * Kubernetes pod failure policy take as "run it again"; the next run resumes from the checkpoint and
 * ends with the result of an uninterrupted run (same backend and threads).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'ganbench-trial-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STUDY = `name: term
dataset: { name: ring }
architecture: { name: mlp, options: { latentDim: 4, gWidth: 8, gLayers: 1, dWidth: 8, dLayers: 1 } }
training: { steps: 3000, batchSize: 16, checkpointEvery: 50 }
evaluation: { every: 3000, samples: 200, metrics: [frechet_2d] }
loss: hinge
seeds: 2
`;
const file = path.join(root, 'term.yaml');
writeFileSync(file, STUDY);
const env = { ...process.env, GANBENCH_BACKEND: '', GANBENCH_THREADS: '1', MLFLOW_TRACKING_URI: '' };
const trial = (out: string) => ['trial', file, '--index', '1', '--out', out, '--no-mlflow'];

const records = (out: string) =>
  existsSync(path.join(out, 'term', 'trials.jsonl'))
    ? readFileSync(path.join(out, 'term', 'trials.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; status: string; steps: number; final: Record<string, number> })
    : [];

describe('ganbench trial on SIGTERM', () => {
  it('checkpoints and exits 143; run again, it resumes and ends as an uninterrupted run does', async () => {
    const out = path.join(root, 'interrupted');
    const child = spawn(process.execPath, [bin, ...trial(out)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Signalled once it has a checkpoint (step 50 or later), well before its last step.
    const trialsDir = path.join(out, 'term', 'trials');
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
      const ids = existsSync(trialsDir) ? readdirSync(trialsDir) : [];
      if (ids.some((id) => existsSync(path.join(trialsDir, id, 'checkpoint', 'latest.safetensors')))) break;
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stdout).toContain('stopped by SIGTERM, checkpointed');
    expect(records(out)).toEqual([]);

    const resumed = spawnSync(process.execPath, [bin, ...trial(out)], { env, encoding: 'utf8', timeout: 120_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    const whole = path.join(root, 'whole');
    const uninterrupted = spawnSync(process.execPath, [bin, ...trial(whole)], { env, encoding: 'utf8', timeout: 120_000 });
    expect(uninterrupted.status, uninterrupted.stderr).toBe(0);
    const [a] = records(out);
    const [b] = records(whole);
    expect(records(out)).toHaveLength(1);
    expect(a).toMatchObject({ status: 'finished', steps: 3000, id: b?.id });
    expect(a?.final).toEqual(b?.final);
  }, 180_000);
});
