import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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

describe('trials on webgpu are refused before any work', () => {
  it('ganbench sweep --backend webgpu fails at once, naming the backends a sweep allows, and writes nothing', () => {
    const out = fileURLToPath(new URL('../results/.webgpu-sweep-refused', import.meta.url));
    const r = ganbench({}, 'sweep', fileURLToPath(new URL('../experiments/quick.yaml', import.meta.url)), '--backend', 'webgpu', '--out', out, '--no-mlflow');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("--backend: 'webgpu' cannot run trials yet");
    expect(r.stderr).toContain('allowed for sweeps: wasm, cpu, tensorflow, tensorflow-gpu');
    expect(existsSync(out)).toBe(false);
  });
});
