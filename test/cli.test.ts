import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));

function ganbench(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GANBENCH_BACKEND: '' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the ganbench command, as a user runs it', () => {
  it('info --json reports the wasm backend with SIMD and the thread count in use', () => {
    const r = ganbench('info', '--json');
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as {
      backend: string;
      simd: boolean;
      threads: { used: number };
      optionalBackends: Record<string, string | null>;
    };
    expect(info.backend).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(info.threads.used).toBe(Math.min(os.availableParallelism(), 8));
    expect(Object.keys(info.optionalBackends)).toEqual(['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-webgpu', 'webgpu']);
  });

  // `true` exits without reading, long before the command's first line: every write meets a closed pipe
  it('a reader that closes the pipe early (| head, | true) ends the command quietly with status 0', () => {
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${bin}" list losses | true; echo "status $?"`], {
      encoding: 'utf8',
      env: { ...process.env, GANBENCH_BACKEND: '' },
      timeout: 120_000,
    });
    expect(r.stdout.trim()).toBe('status 0');
    expect(r.stderr).not.toContain('EPIPE');
  });

  it('list architectures --json names every architecture with its options and defaults', () => {
    const r = ganbench('list', 'architectures', '--json');
    expect(r.status, r.stderr).toBe(0);
    const entries = JSON.parse(r.stdout) as { name: string; kind: string; params: Record<string, { type: string; default: unknown }> }[];
    expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(['mlp', 'dcgan', 'sndcgan']));
    const dcgan = entries.find((e) => e.name === 'dcgan');
    expect(dcgan?.kind).toBe('architecture');
    expect(dcgan?.params.width).toMatchObject({ type: 'integer', default: 64 });
    expect(dcgan?.params.latentDim).toMatchObject({ type: 'integer', default: 128 });
  });

  it('list normalizations --json names the normalizations of D a study crosses, spectral with its power iterations', () => {
    const r = ganbench('list', 'normalizations', '--json');
    expect(r.status, r.stderr).toBe(0);
    const entries = JSON.parse(r.stdout) as { name: string; params: Record<string, { default: unknown }> }[];
    expect(entries.map((e) => e.name)).toEqual(['none', 'batch', 'layer', 'spectral']);
    expect(entries.find((e) => e.name === 'spectral')?.params.iterations).toMatchObject({ default: 1 });
  });

  it.each(['info', 'bench', 'quick', 'sweep', 'report'])('%s --help prints its usage and options', (command) => {
    const r = ganbench(command, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Usage: ganbench ${command}`);
    expect(r.stdout).toContain('--help');
  });

  it('an unknown backend fails before any work, naming the flag and the allowed values', () => {
    const r = ganbench('info', '--backend', 'tpu');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("--backend: unknown backend 'tpu'; allowed: wasm, cpu, webgpu, tensorflow, tensorflow-gpu");
  });

  it("bench --profile --architecture splits that architecture's step over its kernels; an unbenched name is refused", () => {
    const r = ganbench('bench', '--profile', '--architecture', 'progan', '--steps', '1', '--warmup', '0', '--json');
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; kernel?: string; share?: number; step_ms?: number; outside_ms?: number });
    expect(new Set(rows.map((row) => row.name))).toEqual(new Set(['progan-step']));
    const kernels = rows.filter((row) => row.kernel !== undefined);
    expect(kernels.map((row) => row.kernel)).toEqual(expect.arrayContaining(['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']));
    expect(kernels.reduce((sum, row) => sum + (row.share as number), 0)).toBeCloseTo(1, 2);
    // The last line: the step's wall time against the kernels' sum.
    expect(rows.at(-1)).toEqual(expect.objectContaining({ step_ms: expect.any(Number), outside_ms: expect.any(Number) }));
    const bad = ganbench('bench', '--profile', '--architecture', 'vgg');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--architecture: 'vgg' is not allowed; allowed: sagan, progan, stylegan2, mlp");
  });

  it('--threads picks the wasm pool size; a bad count fails naming the flag', () => {
    const one = ganbench('info', '--json', '--threads', '1');
    expect(one.status, one.stderr).toBe(0);
    expect((JSON.parse(one.stdout) as { threads: { used: number } }).threads.used).toBe(1);
    const bad = ganbench('info', '--threads', '9');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("--threads: '9' is not a thread count; allowed: an integer from 1 to 8");
  });

  it('a native backend that is not installed fails at once with the install command', () => {
    const r = ganbench('info', '--backend', 'tensorflow');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/pnpm add -w @tensorflow\/tfjs-node@\d/);
  });

  it('an unknown flag is rejected with the allowed flags', () => {
    const r = ganbench('bench', '--stepz', '3');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown flag --stepz');
  });

  it('features train refuses a dropout rate or rotation outside its range before loading any data', () => {
    const dropout = ganbench('features', 'train', '--dataset', 'mnist', '--dropout', '1');
    expect(dropout.status).toBe(2);
    expect(dropout.stderr).toContain('--dropout: 1 is not allowed; allowed: a rate in [0, 1)');
    const rotate = ganbench('features', 'train', '--dataset', 'mnist', '--rotate', '-5');
    expect(rotate.status).toBe(2);
    expect(rotate.stderr).toContain('--rotate: -5 is not allowed; allowed: degrees in [0, 180]');
  });
});
