import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const ganbench = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, GANBENCH_BACKEND: '' }, timeout: 300_000 });

const STUDY = (primary: string) => `name: tiny
dataset: { name: ring }
architecture: { name: mlp, options: { latentDim: 4, gWidth: 8, gLayers: 1, dWidth: 8, dLayers: 1 } }
training: { steps: 10, batchSize: 16, checkpointEvery: 10 }
evaluation: { every: 10, samples: 100, metrics: [frechet_2d, modes_covered], primary: ${primary} }
loss: hinge
seeds: 2
`;

describe('a finished study whose primary metric is edited, as a user does it', () => {
  it('a rerun trains nothing and rewrites the report ranked by the new metric; ganbench report agrees', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ganbench-primary-'));
    writeFileSync(path.join(dir, 'tiny.yaml'), STUDY('frechet_2d'));
    const first = ganbench(dir, 'sweep', 'tiny.yaml', '--no-mlflow', '--workers', '1');
    expect(first.status, first.stderr).toBe(0);
    const report = path.join(dir, 'results', 'tiny', 'report.md');
    expect(readFileSync(report, 'utf8')).toContain('- Primary metric: `frechet_2d`, lower is better');
    // Before, both the rerun and `ganbench report` failed with "trials disagree on the primary metric", or
    // the rerun left report.md as it was because no trial was newer than it.
    writeFileSync(path.join(dir, 'tiny.yaml'), STUDY('modes_covered'));
    const rerun = ganbench(dir, 'sweep', 'tiny.yaml', '--no-mlflow', '--workers', '1');
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('2 already done');
    const rewritten = readFileSync(report, 'utf8');
    expect(rewritten).toContain('- Primary metric: `modes_covered`, higher is better');
    expect(rewritten).toContain('## modes_covered per loss and regularization');
    const again = ganbench(dir, 'report', path.join('results', 'tiny'));
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(report, 'utf8').split('\n').slice(2)).toEqual(rewritten.split('\n').slice(2));
  });
});
