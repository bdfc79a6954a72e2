import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const ganbench = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, GANBENCH_BACKEND: '' }, timeout: 300_000 });

/** Two tiny DCGAN trials, with and without DiffAugment; `dataset` and `architecture` swapped in for the 2-D check. */
const study = (name: string, dataset: string, architecture: string, metric: string) => `name: ${name}
dataset: ${dataset}
architecture: ${architecture}
loss: non-saturating
training:
  steps: 20
  batchSize: 16
  optimizer: { name: adam, lr: 2.0e-4, beta1: 0.5, beta2: 0.999 }
  checkpointEvery: 10
evaluation: { every: 20, samples: 200, metrics: [${metric}] }
seeds: 1
search:
  kind: grid
  space:
    regularizers: [none, diffaugment]
`;

describe('ganbench sweep with diffaugment, as a user runs it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ganbench-diffaugment-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('on a 2-D mixture the study fails before any trial, naming the field, the value and what is allowed', () => {
    const file = join(dir, 'ring.yaml');
    writeFileSync(file, study('diffaugment-ring', '{ name: ring }', '{ name: mlp }', 'modes_covered'));
    const r = ganbench('sweep', file, '--out', join(dir, 'results'), '--no-mlflow', '--no-report');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      "search.space.regularizers: regularizers[0]: 'diffaugment' augments images, and dataset 'ring' (2-D points) has none; allowed: an image dataset (mnist, fashion-mnist, cifar10, folder)",
    );
    expect(existsSync(join(dir, 'results', 'diffaugment-ring', 'trials.jsonl'))).toBe(false);
  });

  // The Debian package's files or a copy under $GANBENCH_DATA; CI has neither, so this runs where the data is.
  const dataHome = process.env.GANBENCH_DATA || join(homedir(), '.cache', 'ganbench');
  const fashion = ['/usr/share/datasets/fashion-mnist', join(dataHome, 'fashion-mnist')].some((d) => existsSync(join(d, 'train-images-idx3-ubyte.gz')));
  it.skipIf(!fashion)(
    'a two-trial Fashion-MNIST study with and without it runs to the end',
    () => {
      const file = join(dir, 'tiny.yaml');
      writeFileSync(file, study('diffaugment-tiny', '{ name: fashion-mnist }', '{ name: dcgan, options: { width: 8, latentDim: 16 } }', 'fid'));
      const r = ganbench('sweep', file, '--out', join(dir, 'results'), '--no-mlflow', '--no-report', '--workers', '2');
      expect(r.status, r.stderr).toBe(0);
      const trials = readFileSync(join(dir, 'results', 'diffaugment-tiny', 'trials.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { status: string; steps: number; config: { regularizers: { name: string }[] } });
      expect(trials.map((t) => [t.config.regularizers.map((x) => x.name).join('+') || 'none', t.status, t.steps]).sort()).toEqual([
        ['diffaugment', 'finished', 20],
        ['none', 'finished', 20],
      ]);
    },
    120_000,
  );
});
