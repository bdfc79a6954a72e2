import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const fixtures = fileURLToPath(new URL('../packages/metrics/fixtures/fid/', import.meta.url));
const ganbench = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, GANBENCH_BACKEND: '' }, timeout: 300_000 });

interface FidCase {
  name: string;
  d: number;
  n_a: number;
  n_b: number;
  a: string;
  b: string;
  /** 40-digit value; null where too slow to compute, where pytorch-fid (n > d) is within 1e-13 of it. */
  exact_fid: number | null;
  pytorch_fid: number;
}
const reference = JSON.parse(readFileSync(`${fixtures}fid_reference.json`, 'utf8')) as { cases: FidCase[] };

describe('ganbench fid, as a user runs it', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('--features on .npy feature files matches the scipy reference: %s', (_, c) => {
    const r = ganbench('fid', '--features', `${fixtures}${c.a}`, `${fixtures}${c.b}`, '--json');
    expect(r.status, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as { fid: number; n_a: number; n_b: number; d: number };
    expect(printed).toMatchObject({ n_a: c.n_a, n_b: c.n_b, d: c.d });
    const expected = c.exact_fid ?? c.pytorch_fid;
    expect(Math.abs(printed.fid - expected) / expected).toBeLessThan(1e-9);
  });

  it('--features takes pytorch-fid .npz statistics and gives the FID of the features they summarize', () => {
    const c = reference.cases.find((x) => x.name === 'd16_n200_n150') as FidCase;
    const r = ganbench('fid', '--features', `${fixtures}stats_d16_a.npz`, `${fixtures}stats_d16_b.npz`, '--json');
    expect(r.status, r.stderr).toBe(0);
    const expected = c.exact_fid ?? c.pytorch_fid;
    expect(Math.abs((JSON.parse(r.stdout) as { fid: number }).fid - expected) / expected).toBeLessThan(1e-9);
  });

  it('bad input fails naming the file or the flag', () => {
    expect(ganbench('fid', '--features', `${fixtures}fid_reference.json`, `${fixtures}stats_d16_b.npz`).stderr).toContain("'.json' is not a FID input");
    expect(ganbench('fid', '--features', `${fixtures}stats_d16_a.npz`).stderr).toContain('--features takes two files');
    const mismatch = ganbench('fid', '--features', `${fixtures}d16_n200_n150_a.npy`, `${fixtures}d256_n600_n700_a.npy`);
    expect(mismatch.status).toBe(1);
    expect(mismatch.stderr).toMatch(/dimension/);
  });

  // The Debian package's files or a copy under $GANBENCH_DATA; CI has neither, so these checks run where the data is.
  const dataHome = process.env.GANBENCH_DATA || join(homedir(), '.cache', 'ganbench');
  const fashion = ['/usr/share/datasets/fashion-mnist', join(dataHome, 'fashion-mnist')].some((dir) => existsSync(join(dir, 't10k-images-idx3-ubyte.gz')));
  it.skipIf(!fashion)('--dataset fashion-mnist: train vs test is small, train vs noise is large, in the shipped classifier space', () => {
    const real = ganbench('fid', '--dataset', 'fashion-mnist', '--split', 'train', '--vs', 'test', '--limit', '2000', '--json');
    expect(real.status, real.stderr).toBe(0);
    const noise = ganbench('fid', '--dataset', 'fashion-mnist', '--split', 'train', '--vs', 'noise', '--limit', '2000', '--json');
    expect(noise.status, noise.stderr).toBe(0);
    const [a, b] = [real, noise].map((r) => (JSON.parse(r.stdout) as { fid: number }).fid) as [number, number];
    expect(b).toBeGreaterThan(20 * a);
  });
});
