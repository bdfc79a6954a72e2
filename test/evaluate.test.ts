/**
 * `ganbench evaluate DIR` on a finished study: each finished trial's final checkpoint evaluated again reproduces
 * the trial's final evaluation at the study's sample count, another count is a second line, a rerun does no work,
 * and the report shows them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'ganbench-evaluate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STUDY = `name: reeval
dataset: { name: ring }
architecture: { name: mlp, options: { latentDim: 4, gWidth: 8, gLayers: 1, dWidth: 8, dLayers: 1 } }
training: { steps: 40, batchSize: 16, checkpointEvery: 20 }
evaluation: { every: 20, samples: 300, metrics: [modes_covered, frechet_2d] }
loss: non-saturating
seeds: 2
`;
const env = { ...process.env, GANBENCH_BACKEND: '', GANBENCH_THREADS: '1', MLFLOW_TRACKING_URI: '' };
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 180_000 });
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('ganbench evaluate', () => {
  it('re-evaluates every finished trial into evaluations.jsonl, reproducing its final metrics; a rerun is recorded', () => {
    const file = path.join(root, 'reeval.yaml');
    writeFileSync(file, STUDY);
    const sweep = cli('sweep', file, '--out', root, '--no-mlflow', '--no-report', '--workers', '1');
    expect(sweep.status, sweep.stderr).toBe(0);
    const dir = path.join(root, 'reeval');
    const trials = lines(path.join(dir, 'trials.jsonl')) as { id: string; final: Record<string, number> }[];

    const first = cli('evaluate', dir);
    expect(first.status, first.stderr).toBe(0);
    const evaluations = lines(path.join(dir, 'evaluations.jsonl')) as { id: string; samples: number; step: number; metrics: Record<string, number> }[];
    expect(evaluations.map((e) => e.id).sort()).toEqual(trials.map((t) => t.id).sort());
    for (const t of trials) expect(evaluations.find((e) => e.id === t.id)).toMatchObject({ samples: 300, step: 40, metrics: t.final });

    const more = cli('evaluate', dir, '--samples', '500');
    expect(more.status, more.stderr).toBe(0);
    expect(lines(path.join(dir, 'evaluations.jsonl'))).toHaveLength(4);
    const again = cli('evaluate', dir, '--samples', '500');
    expect(again.stdout.match(/\(recorded\)/g)).toHaveLength(2);
    expect(lines(path.join(dir, 'evaluations.jsonl'))).toHaveLength(4);

    const report = cli('report', dir);
    expect(report.status, report.stderr).toBe(0);
    const markdown = readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(markdown).toContain('## Final checkpoints evaluated again');
    const rows = markdown.split('\n').filter((line) => /^\| `[0-9a-f]+` \| non-saturating \| none \| [01] \| 40 \| (300|500) \|/.test(line));
    expect(rows).toHaveLength(4);

    const bad = cli('evaluate', dir, '--samples', '2');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--samples: '2' is not allowed");
  }, 300_000);
});
