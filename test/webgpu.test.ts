import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));

function ganbench(env: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

describe('ganbench info --backend webgpu, as a user runs it', () => {
  it('prints the adapter: Dawn backend, feature level, software or GPU, limits', (context) => {
    const r = ganbench({}, 'info', '--backend', 'webgpu');
    if (r.status !== 0 && process.env.GANBENCH_REQUIRE_WEBGPU !== '1' && /no adapter|cannot be loaded/.test(r.stderr)) {
      console.warn(`webgpu CLI test skipped: ${r.stderr.trim()}`);
      return context.skip();
    }
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^backend +webgpu \(tfjs engine backend 'webgpu'\)$/m);
    expect(r.stdout).toMatch(/^webgpu via +Dawn's (vulkan|opengles) backend, feature level (core|compatibility), (software rasterizer \(no GPU\)|GPU)$/m);
    expect(r.stdout).toMatch(/^webgpu limits +maxBufferSize \d+, maxStorageBufferBindingSize \d+/m);
    expect(r.stdout).toMatch(/^optional backend +webgpu: 0\.6\.2$/m);
  });

  it('GANBENCH_WEBGPU_BACKEND must name a Dawn backend; the message lists them', () => {
    const r = ganbench({ GANBENCH_WEBGPU_BACKEND: 'metal' }, 'info', '--backend', 'webgpu');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("GANBENCH_WEBGPU_BACKEND: unknown Dawn backend 'metal'; allowed: vulkan, opengles");
  });
});

// Two trials on the ring, tiny MLPs, 20 steps: the sweep's whole path (pool, worker process, trial, evaluation,
// checkpoints, scatter plot, report) on webgpu, small enough for the software adapter on 2 cores.
const STUDY = `name: webgpu-sweep
dataset: { name: ring }
architecture: { name: mlp, options: { latentDim: 4, gWidth: 8, gLayers: 1, dWidth: 8, dLayers: 1 } }
training: { steps: 20, batchSize: 32, optimizer: { name: adam, lr: 1.0e-3 }, checkpointEvery: 10 }
evaluation: { every: 10, samples: 200, metrics: [frechet_2d, modes_covered, high_quality] }
seeds: 1
search:
  kind: grid
  space:
    loss: [non-saturating, hinge]
`;

interface TrialRecord {
  id: string;
  status: string;
  final: Record<string, number>;
  best: Record<string, number>;
}
const jsonl = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

describe('ganbench sweep --backend webgpu, as a user runs it', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ganbench-webgpu-sweep-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs a two-trial study in a worker process, and its metrics agree with the same study on cpu within float32 round-off', (context) => {
    const studyFile = path.join(root, 'study.yaml');
    writeFileSync(studyFile, STUDY);
    const sweep = (backend: string, ...extra: string[]) => {
      const out = path.join(root, backend);
      // A timeout, so that a worker that hangs on Dawn fails the test instead of stalling it.
      const r = spawnSync(process.execPath, [bin, 'sweep', studyFile, '--backend', backend, '--workers', '1', '--no-mlflow', '--out', out, ...extra], {
        encoding: 'utf8',
        env: { ...process.env, GANBENCH_BACKEND: '', MLFLOW_TRACKING_URI: '' },
        timeout: 60_000,
      });
      return { r, dir: path.join(out, 'webgpu-sweep') };
    };
    // Whether the adapter can start, asked as the info test does; a sweep without one records every trial as failed.
    const probe = ganbench({}, 'info', '--backend', 'webgpu');
    if (probe.status !== 0 && process.env.GANBENCH_REQUIRE_WEBGPU !== '1' && /no adapter|cannot be loaded/.test(probe.stderr)) {
      console.warn(`webgpu sweep test skipped: ${probe.stderr.trim()}`);
      return context.skip();
    }
    // --gpus 0: the worker selects its adapter by name (GANBENCH_WEBGPU_GPU), as on a machine with several GPUs.
    const webgpu = sweep('webgpu', '--gpus', '0');
    expect(webgpu.r.error, 'ganbench sweep --backend webgpu did not end within the timeout').toBeUndefined();
    expect(webgpu.r.status, webgpu.r.stderr).toBe(0);
    const cpu = sweep('cpu');
    expect(cpu.r.status, cpu.r.stderr).toBe(0);

    const onWebgpu = jsonl<TrialRecord>(path.join(webgpu.dir, 'trials.jsonl')).sort((a, b) => a.id.localeCompare(b.id));
    const onCpu = jsonl<TrialRecord>(path.join(cpu.dir, 'trials.jsonl')).sort((a, b) => a.id.localeCompare(b.id));
    expect(onWebgpu.map((t) => t.status)).toEqual(['finished', 'finished']);
    expect(onWebgpu.map((t) => t.id)).toEqual(onCpu.map((t) => t.id));
    for (const [i, trial] of onWebgpu.entries()) {
      const twin = onCpu[i] as TrialRecord;
      const tags = JSON.parse(readFileSync(path.join(webgpu.dir, 'trials', trial.id, 'run.json'), 'utf8')).tags as Record<string, string>;
      expect(tags['ganbench.backend']).toBe('webgpu');
      // Not bit for bit: the GPU's kernels sum and round in another order; over 20 steps that stays at float32 round-off.
      for (const which of ['final', 'best'] as const) {
        expect(Object.keys(trial[which]).sort()).toEqual(Object.keys(twin[which]).sort());
        for (const [key, value] of Object.entries(trial[which])) expectClose(value, twin[which][key] as number, `${trial.id} ${which} ${key}`);
      }
      // Every logged number (losses, logits, gradient norms, evaluations), step by step.
      const history = (dir: string) => jsonl<{ key: string; value: number; step: number }>(path.join(dir, 'trials', trial.id, 'metrics.jsonl'));
      const gpuHistory = history(webgpu.dir);
      const cpuHistory = history(cpu.dir);
      expect(gpuHistory.map((p) => `${p.key}@${p.step}`)).toEqual(cpuHistory.map((p) => `${p.key}@${p.step}`));
      for (const [j, point] of gpuHistory.entries())
        expectClose(point.value, (cpuHistory[j] as { value: number }).value, `${trial.id} ${point.key} at step ${point.step}`);
    }
    expect(existsSync(path.join(webgpu.dir, 'report.md'))).toBe(true);
  }, 150_000);

  it('--gpus names GPUs that Dawn has, or the sweep fails before any work, listing the adapters', (context) => {
    const probe = ganbench({}, 'info', '--backend', 'webgpu');
    if (probe.status !== 0 && process.env.GANBENCH_REQUIRE_WEBGPU !== '1' && /no adapter|cannot be loaded/.test(probe.stderr)) {
      console.warn(`webgpu --gpus test skipped: ${probe.stderr.trim()}`);
      return context.skip();
    }
    const studyFile = path.join(root, 'study.yaml');
    writeFileSync(studyFile, STUDY);
    const out = path.join(root, 'gpus');
    const r = spawnSync(process.execPath, [bin, 'sweep', studyFile, '--backend', 'webgpu', '--gpus', '0,7', '--no-mlflow', '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, GANBENCH_BACKEND: '', MLFLOW_TRACKING_URI: '' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--gpus: GPU 7 is not allowed with webgpu: Dawn's adapters are 0 '[^']+'/);
    expect(existsSync(out)).toBe(false);
  });
});

/** |a − b| ≤ 1e-5 + 1e-3·|b|: float32 round-off grown over a few steps (observed ≤ 1e-6 relative). */
function expectClose(actual: number, expected: number, what: string): void {
  expect(Math.abs(actual - expected) <= 1e-5 + 1e-3 * Math.abs(expected), `${what}: ${actual} on webgpu, ${expected} on cpu`).toBe(true);
}
