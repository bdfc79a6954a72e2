import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const ganbench = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, GANBENCH_BACKEND: '' }, timeout: 120_000 });

/** Kurach et al.'s three axes, crossed, as small as a study gets: 2 losses × {none, GP} × {none, spectral}, 8 trials of 20 steps. */
const STUDY = `name: landscape
dataset: { name: ring }
architecture: { name: mlp, options: { latentDim: 4, gWidth: 8, gLayers: 1, dWidth: 8, dLayers: 1 } }
training: { steps: 20, batchSize: 32, checkpointEvery: 20 }
evaluation: { every: 20, samples: 100, metrics: [frechet_2d] }
seeds: 1
search:
  kind: grid
  space:
    loss: [non-saturating, hinge]
    regularizers: [none, gradient-penalty]
    normalization: [none, spectral]
`;

describe('a loss × penalty × normalization study, as a user runs it', () => {
  it('runs every combination and the report shows loss × regularizers, one table per normalization', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ganbench-landscape-'));
    writeFileSync(path.join(dir, 'landscape.yaml'), STUDY);
    const run = ganbench(dir, 'sweep', 'landscape.yaml', '--no-mlflow', '--workers', '2');
    expect(run.status, run.stderr).toBe(0);
    const study = path.join(dir, 'results', 'landscape');
    const records = readFileSync(path.join(study, 'trials.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { status: string; config: { loss: { name: string }; regularizers: { name: string }[]; normalization: { name: string } } },
      );
    const combos = records.map((r) => `${r.config.loss.name}|${r.config.regularizers.map((x) => x.name).join('+') || 'none'}|${r.config.normalization.name}`);
    expect(new Set(combos).size).toBe(2 * 2 * 2);
    expect(records.every((r) => r.status === 'finished' || r.status === 'diverged')).toBe(true);
    const report = readFileSync(path.join(study, 'report.md'), 'utf8');
    for (const normalization of ['none', 'spectral']) {
      const section = report.split(`## ring · mlp · normalization ${normalization}\n`)[1]?.split('\n## ')[0] ?? '';
      expect(section, normalization).toContain('| loss ＼ regularizers | none | gradient-penalty |');
      expect(section).toMatch(/\n\| non-saturating \| [^|]+ \| [^|]+ \|\n\| hinge \| [^|]+ \| [^|]+ \|/);
    }
    // Any two axes with the third as panels: ganbench report --pivot.
    const pivoted = ganbench(dir, 'report', path.join('results', 'landscape'), '--pivot', 'normalization,loss,regularizers');
    expect(pivoted.status, pivoted.stderr).toBe(0);
    const again = readFileSync(path.join(study, 'report.md'), 'utf8');
    expect(again).toContain('## ring · mlp · regularizers gradient-penalty');
    expect(again).toContain('| normalization ＼ loss | non-saturating | hinge |');
    expect(again).toContain('ganbench report results/landscape --pivot normalization,loss,regularizers');
  }, 120_000);
});
