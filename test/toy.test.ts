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
  - { name: R1 γ = 1, loss: minimax, regularizer: { name: r1, params: { gamma: 1 } } }
columns:
  - { name: simultaneous, mode: sim }
  - { name: alternating, mode: alt, nDisc: 2 }
`;

describe('ganbench toy dirac, as a user runs it', () => {
  it('--json prints the trajectory, the closed-form eigenvalues and the final distance', () => {
    const r = ganbench(
      process.cwd(),
      'toy',
      'dirac',
      '--loss',
      'minimax',
      '--regularizer',
      'r1',
      '--regularizer-param',
      'gamma=0.3',
      '--steps',
      '20',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as { trajectory: number[][]; eigenvalues: number[][]; final_distance: number };
    expect(run.trajectory).toHaveLength(21);
    const imaginary = Math.sqrt(0.25 - 0.3 ** 2 / 4);
    expect(run.eigenvalues[0]?.[0]).toBeCloseTo(-0.15, 9);
    expect(Math.abs(run.eigenvalues[0]?.[1] ?? 0)).toBeCloseTo(imaginary, 9);
    expect(run.final_distance).toBeCloseTo(Math.hypot(...(run.trajectory[20] as [number, number])), 12);
  });

  it('--optimizer consensus --consensus-gamma 1 has eigenvalues −¼ ± ½i; WGAN-GP has none and says why', () => {
    const consensus = JSON.parse(
      ganbench(process.cwd(), 'toy', 'dirac', '--loss', 'minimax', '--optimizer', 'consensus', '--consensus-gamma', '1', '--steps', '1', '--json').stdout,
    );
    expect(consensus.eigenvalues.map(([re, im]: number[]) => [re, Math.abs(im as number)])).toEqual([
      [-0.25, 0.5],
      [-0.25, 0.5],
    ]);
    const gp = JSON.parse(
      ganbench(
        process.cwd(),
        'toy',
        'dirac',
        '--loss',
        'wasserstein',
        '--regularizer',
        'gradient-penalty',
        '--regularizer-param',
        'lambda=0.35',
        '--steps',
        '1',
        '--json',
      ).stdout,
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
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("row 'R1 γ = 1' under column 'simultaneous': regularizers[0]: regularizer r1.gamma: -1 is not allowed");
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toBe(summary);
    expect(readdirSync(dir).sort()).toEqual(['bad.yaml', 'out', 'study.yaml']);
  });
});

describe('ganbench toy divergences and toy mixture, as a user runs them', () => {
  it('divergences: JSD = log 2 and KL = ∞ away from θ = 0, W₁ = |θ|, all 0 at θ = 0', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ganbench-divergences-'));
    const r = ganbench(dir, 'toy', 'divergences', '--out', 'div');
    expect(r.status, r.stderr).toBe(0);
    for (const file of ['divergences.png', 'divergences.svg', 'divergences.vl.json']) expect(existsSync(path.join(dir, 'div', file)), file).toBe(true);
    const { rows } = JSON.parse(readFileSync(path.join(dir, 'div', 'divergences.json'), 'utf8')) as {
      rows: { theta: number; js: number; kl: number | string; w1: number }[];
    };
    expect(rows).toHaveLength(401);
    for (const { theta, js, kl, w1 } of rows) {
      expect(w1).toBeCloseTo(Math.abs(theta), 12);
      expect(js).toBeCloseTo(theta === 0 ? 0 : Math.LN2, 12);
      expect(kl).toBe(theta === 0 ? 0 : 'Infinity');
    }
  });

  it('mixture: trains, writes snapshots and metrics, and the metrics describe the samples it wrote', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ganbench-mixture-'));
    const r = ganbench(
      dir,
      'toy',
      'mixture',
      '--dataset',
      'ring',
      '--loss',
      'hinge',
      '--regularizer',
      'r1',
      '--regularizer-param',
      'gamma=1',
      '--g-layers',
      '2',
      '--steps',
      '20',
      '--snapshots',
      '2',
      '--batch-size',
      '64',
      '--eval-samples',
      '400',
      '--out',
      'mix',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as { snapshots: { step: number; modes_covered: number; high_quality: number; mode_counts: number[] }[] };
    expect(printed.snapshots.map((s) => s.step)).toEqual([10, 20]);
    for (const file of ['snapshots.png', 'metrics.png', 'metrics.json', 'samples.json']) expect(existsSync(path.join(dir, 'mix', file)), file).toBe(true);
    const samples = JSON.parse(readFileSync(path.join(dir, 'mix', 'samples.json'), 'utf8')) as { real: number[][]; snapshots: { fake: number[][] }[] };
    expect(samples.real).toHaveLength(400);
    // Recount the high-quality samples of the last snapshot by hand: within 3σ = 0.06 of one of the 8 ring modes.
    const modes = Array.from({ length: 8 }, (_, k) => [2 * Math.cos((2 * Math.PI * k) / 8), 2 * Math.sin((2 * Math.PI * k) / 8)]);
    const fake = samples.snapshots[1]?.fake ?? [];
    const near = fake.filter(([x, y]) => modes.some(([mx, my]) => Math.hypot((x as number) - (mx as number), (y as number) - (my as number)) <= 0.06)).length;
    expect(printed.snapshots[1]?.high_quality).toBeCloseTo(near / fake.length, 12);
  });

  it('mixture: a bad flag fails before training, naming it', () => {
    const r = ganbench(process.cwd(), 'toy', 'mixture', '--dataset', 'rin');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("dataset: 'rin' is not allowed; allowed: ring, grid");
    const s = ganbench(process.cwd(), 'toy', 'mixture', '--steps', '5', '--snapshots', '6');
    expect(s.stderr).toContain('snapshots: 6 is not allowed; must be ≤ steps (5)');
    const t = ganbench(process.cwd(), 'toy', 'mixtures');
    expect(t.status).toBe(2);
    expect(t.stderr).toContain("'mixtures' is not a toy command; allowed: dirac, divergences, mixture");
    const u = ganbench(process.cwd(), 'toy', 'mixture', '--g-layers', '-1');
    expect(u.status).toBe(2);
    expect(u.stderr).toContain("--g-layers: '-1' is not allowed; use a non-negative integer");
    const v = ganbench(process.cwd(), 'toy', 'mixture', '--regularizer', 'r1', '--regularizer-param', 'gama=1');
    expect(v.status).toBe(2);
    expect(v.stderr).toContain('regularizer r1: unknown');
    const w = ganbench(process.cwd(), 'toy', 'mixture', '--activation', 'sigmoid');
    expect(w.stderr).toContain('architecture mlp.activation: "sigmoid" is not allowed');
  });

  it('--help of a command group lists its commands; a bare group asks for one', () => {
    const help = ganbench(process.cwd(), 'toy', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: ganbench toy <dirac\|divergences\|mixture> \[options\]/);
    for (const command of ['toy dirac', 'toy divergences', 'toy mixture']) expect(help.stdout).toContain(`  ${command} `);
    expect(ganbench(process.cwd(), 'toy').status).toBe(2);
  });
});
