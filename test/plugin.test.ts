import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const work = mkdtempSync(path.join(os.tmpdir(), 'ganbench-plugin-'));
const dir = path.join(work, 'loss-squared-hinge');

function ganbench(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, GANBENCH_BACKEND: '' }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('adding a loss, as a user would', () => {
  it('scaffolds a plugin package whose loss refuses to run until it is written', () => {
    const r = ganbench('new', 'loss', 'squared-hinge', '--dir', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('src/index.ts');
    expect(readFileSync(path.join(dir, 'src/squared-hinge.test.ts'), 'utf8')).toContain('const EXPECTED_DISCRIMINATOR_LOSS = Number.NaN;');
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).ganbench).toEqual({ plugin: './src/index.ts' });
    const before = ganbench('toy', 'dirac', '--plugin', dir, '--loss', 'squared-hinge', '--steps', '1');
    expect(before.status).toBe(1);
    expect(before.stderr).toContain('loss squared-hinge: discriminatorLoss is not written yet');
    expect(ganbench('new', 'loss', 'squared-hinge', '--dir', dir).stderr).toContain('already exists; nothing was written');
    expect(ganbench('new', 'loss', 'Bad_Name', '--dir', path.join(work, 'x')).stderr).toContain("name: 'Bad_Name' is not allowed");
  });

  it('once filled in, it is listed and runs in the Dirac-GAN with R1', () => {
    const index = path.join(dir, 'src/index.ts');
    const filled = readFileSync(index, 'utf8')
      .replace(
        "throw new Error('loss squared-hinge: discriminatorLoss is not written yet (src/index.ts)');",
        'return ops.add(ops.mean(ops.square(ops.relu(ops.sub(1, real)))), ops.mean(ops.square(ops.relu(ops.add(1, fake))))) as tf.Scalar;',
      )
      .replace("throw new Error('loss squared-hinge: generatorLoss is not written yet (src/index.ts)');", 'return ops.neg(ops.mean(fake)) as tf.Scalar;');
    writeFileSync(index, filled);

    const listed = ganbench('list', 'losses', '--plugin', dir, '--json');
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual({ name: 'squared-hinge', kind: 'loss', params: {} });

    const r = ganbench('toy', 'dirac', '--plugin', dir, '--loss', 'squared-hinge', '--regularizer', 'r1', '--regularizer-param', 'gamma=1', '--json');
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as { trajectory: [number, number][]; final_distance: number };
    expect(run.trajectory).toHaveLength(501);
    // First step in closed form: ∂ψ = 2(1 + ψθ)θ + γψ = 5 and ∂θ = −ψ = −1 at (1, 1), h = 0.2.
    expect(run.trajectory[1]?.[0]).toBeCloseTo(1.2, 5);
    expect(run.trajectory[1]?.[1]).toBeCloseTo(1 - 0.2 * 5, 5);
    // Linearized at (0, 0): θ̇ = ψ, ψ̇ = −2θ − γψ, eigenvalues λ = −γ/2 ± i√(2 − γ²/4) and |1 + hλ| ≈ 0.94 < 1: it converges.
    expect(run.final_distance).toBeLessThan(1e-2);
  });

  it('a study names it like a built-in loss, and the worker processes of the sweep load it too', () => {
    const study = path.join(work, 'plugin-study.yaml');
    writeFileSync(
      study,
      `name: plugin-study
dataset: { name: ring }
architecture: { name: mlp, options: { latentDim: 4, gWidth: 8, gLayers: 1, dWidth: 8, dLayers: 1 } }
training: { steps: 20, batchSize: 16, checkpointEvery: 20 }
evaluation: { every: 20, samples: 100, metrics: [frechet_2d] }
loss: squared-hinge
`,
    );
    const r = ganbench('sweep', study, '--plugin', dir, '--out', path.join(work, 'results'), '--workers', '1', '--no-mlflow', '--no-report');
    expect(r.status, r.stderr).toBe(0);
    const record = JSON.parse(readFileSync(path.join(work, 'results', 'plugin-study', 'trials.jsonl'), 'utf8')) as {
      status: string;
      config: { loss: { name: string } };
    };
    expect(record).toMatchObject({ status: 'finished', config: { loss: { name: 'squared-hinge' } } });
  });
});
