import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const ganbench = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, GANBENCH_BACKEND: '' }, timeout: 120_000 });

const STUDY = `title: two rows
defaults: { steps: 200 }
rows:
  - { name: minimax, loss: minimax }
  - { name: R1 γ = 1, loss: minimax, reg: r1, reg_params: { gamma: 1 } }
columns:
  - { name: simultaneous, mode: sim }
  - { name: alternating, mode: alt, d_steps: 2 }
`;

describe('ganbench toy dirac, as a user runs it', () => {
  it('--json prints the trajectory, the closed-form eigenvalues and the final distance', () => {
    const r = ganbench(process.cwd(), 'toy', 'dirac', '--loss', 'minimax', '--reg', 'r1', '--gamma', '0.3', '--steps', '20', '--json');
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as { trajectory: number[][]; eigenvalues: number[][]; final_distance: number };
    expect(run.trajectory).toHaveLength(21);
    const imaginary = Math.sqrt(0.25 - 0.3 ** 2 / 4);
    expect(run.eigenvalues[0]?.[0]).toBeCloseTo(-0.15, 9);
    expect(Math.abs(run.eigenvalues[0]?.[1] ?? 0)).toBeCloseTo(imaginary, 9);
    expect(run.final_distance).toBeCloseTo(Math.hypot(...(run.trajectory[20] as [number, number])), 12);
  });

  it('--optimizer consensus --gamma 1 has eigenvalues −¼ ± ½i; WGAN-GP has none and says why', () => {
    const consensus = JSON.parse(
      ganbench(process.cwd(), 'toy', 'dirac', '--loss', 'minimax', '--optimizer', 'consensus', '--gamma', '1', '--steps', '1', '--json').stdout,
    );
    expect(consensus.eigenvalues.map(([re, im]: number[]) => [re, Math.abs(im as number)])).toEqual([
      [-0.25, 0.5],
      [-0.25, 0.5],
    ]);
    const gp = JSON.parse(
      ganbench(process.cwd(), 'toy', 'dirac', '--loss', 'wasserstein', '--reg', 'gradient-penalty', '--lambda', '0.35', '--steps', '1', '--json').stdout,
    );
    expect(gp.eigenvalues).toBeNull();
    expect(gp.note).toMatch(/not a stationary point/);
  });

  it('--study writes the plots and a summary whose verdicts follow the theory, and replaces the previous results whole', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ganbench-study-'));
    writeFileSync(path.join(dir, 'study.yaml'), STUDY);
    const r = ganbench(dir, 'toy', 'dirac', '--study', 'study.yaml', '--out', 'out');
    expect(r.status, r.stderr).toBe(0);
    const out = path.join(dir, 'out');
    for (const file of ['grid.png', 'grid.svg', 'grid.vl.json', 'r1-eigenvalues.png', 'summary.md', 'summary.json'])
      expect(existsSync(path.join(out, file)), file).toBe(true);
    expect(readdirSync(path.join(out, 'runs')).filter((f) => f.endsWith('.png'))).toHaveLength(4);
    const summary = readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(summary).toMatch(/\| minimax \| [^|]+ ✗ \| [^|]+ ✗ \|/);
    expect(summary).toMatch(/\| R1 γ = 1 \| [^|]+ ✓ \| [^|]+ ✓ \|/);
    expect(summary).toContain('Produced by `ganbench toy dirac --study study.yaml --out out`');
    // A study that fails validation writes nothing and leaves the previous results as they were.
    writeFileSync(path.join(dir, 'bad.yaml'), STUDY.replace('gamma: 1', 'gamma: -1'));
    const bad = ganbench(dir, 'toy', 'dirac', '--study', 'bad.yaml', '--out', 'out');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("row 'R1 γ = 1' under column 'simultaneous': regularizer r1.gamma: -1 is not allowed");
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toBe(summary);
    expect(readdirSync(dir).sort()).toEqual(['bad.yaml', 'out', 'study.yaml']);
  });
});
