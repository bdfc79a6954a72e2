import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeMlflowServer } from '@ganbench/tracking/testing';
import { afterAll, describe, expect, it } from 'vitest';

// A study small enough for CI: 2 losses × 2 regularizers on the ring, tiny MLPs, 60 steps each.
const STUDY = `name: e2e
dataset: { name: ring }
architecture: { name: mlp, options: { latentDim: 4, gWidth: 16, gLayers: 1, dWidth: 16, dLayers: 1 } }
training: { steps: 60, batchSize: 32, optimizer: { name: adam, lr: 1.0e-3 }, checkpointEvery: 10 }
evaluation: { every: 30, samples: 200, metrics: [frechet_2d, modes_covered] }
seeds: 1
search:
  kind: grid
  space:
    loss: [non-saturating, hinge]
    regularizer: [none, r1]
    regularizer.gamma: [0.1]
`;

const bin = fileURLToPath(new URL('../packages/cli/bin/ganbench.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'ganbench-sweep-'));
const studyFile = path.join(root, 'e2e.yaml');
writeFileSync(studyFile, STUDY);

const env = (extra: Record<string, string>) => ({ ...process.env, GANBENCH_BACKEND: '', MLFLOW_TRACKING_URI: '', ...extra });

function ganbench(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: env(extra), timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** For commands that talk to a server in this process: spawnSync would block the server's event loop. */
function ganbenchAsync(args: string[], extra: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { env: env(extra) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Record_ {
  id: string;
  status: string;
  final: Record<string, number>;
  best: Record<string, number>;
}
const records = (dir: string): Record_[] =>
  readFileSync(path.join(dir, 'trials.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record_);

/** Runs of the MLflow file store's experiment named `name`: run folder → {tags, metric lines by key}. */
function fileStoreRuns(mlruns: string, name: string) {
  const experiment = readdirSync(mlruns).find(
    (e) => existsSync(path.join(mlruns, e, 'meta.yaml')) && readFileSync(path.join(mlruns, e, 'meta.yaml'), 'utf8').includes(`name: ${name}\n`),
  );
  if (experiment === undefined) throw new Error(`no experiment ${name} in ${mlruns}`);
  const dir = path.join(mlruns, experiment);
  return readdirSync(dir)
    .filter((r) => existsSync(path.join(dir, r, 'meta.yaml')))
    .map((r) => {
      const read = (sub: string) =>
        existsSync(path.join(dir, r, sub))
          ? Object.fromEntries(readdirSync(path.join(dir, r, sub)).map((k) => [k, readFileSync(path.join(dir, r, sub, k), 'utf8')]))
          : {};
      return {
        id: r,
        tags: read('tags'),
        metrics: read('metrics'),
        artifacts: existsSync(path.join(dir, r, 'artifacts')) ? readdirSync(path.join(dir, r, 'artifacts')) : [],
      };
    });
}

const stepsOf = (lines: string) =>
  lines
    .trim()
    .split('\n')
    .map((l) => Number(l.split(' ')[2]));

describe('ganbench sweep, as a user runs it', () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const first = path.join(root, 'first');
  const mlruns = path.join(root, 'mlruns');

  it('runs every trial, writes trials.jsonl and the report, and logs a parent run with one child run per trial to MLflow', () => {
    const r = ganbench(['sweep', studyFile, '--out', first, '--workers', '2'], { MLFLOW_TRACKING_URI: `file:${mlruns}` });
    expect(r.status, r.stderr).toBe(0);
    const dir = path.join(first, 'e2e');
    const done = records(dir);
    expect(done.map((t) => t.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
    expect(new Set(done.map((t) => t.id)).size).toBe(4);
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('| non-saturating |');
    expect(r.stdout).toContain(path.join('e2e', 'report.md'));
    const runs = fileStoreRuns(mlruns, 'e2e');
    const parent = runs.find((run) => run.tags['mlflow.parentRunId'] === undefined);
    const children = runs.filter((run) => run.tags['mlflow.parentRunId'] === parent?.id);
    expect(children.map((c) => c.tags['ganbench.configHash']).sort()).toEqual(done.map((t) => t.id).sort());
    for (const child of children) {
      expect(stepsOf(child.metrics.frechet_2d as string)).toEqual([30, 60]);
      expect(child.artifacts).toEqual(expect.arrayContaining(['config.json', 'checkpoint', 'plots', 'samples']));
    }
  });

  it('running it again does no work and sends nothing twice', () => {
    const dir = path.join(first, 'e2e');
    const before = readFileSync(path.join(dir, 'trials.jsonl'), 'utf8');
    const metricsBefore = JSON.stringify(fileStoreRuns(mlruns, 'e2e').map((run) => run.metrics));
    const r = ganbench(['sweep', studyFile, '--out', first], { MLFLOW_TRACKING_URI: `file:${mlruns}` });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('4 already done');
    expect(readFileSync(path.join(dir, 'trials.jsonl'), 'utf8')).toBe(before);
    expect(JSON.stringify(fileStoreRuns(mlruns, 'e2e').map((run) => run.metrics))).toBe(metricsBefore);
  });

  it('killed midway (SIGKILL) and rerun, it finishes without duplicates and with the results of the uninterrupted run', async () => {
    const out = path.join(root, 'killed');
    const killedMlruns = path.join(root, 'killed-mlruns');
    const child: ChildProcess = spawn(process.execPath, [bin, 'sweep', studyFile, '--out', out, '--workers', '2'], {
      env: env({ MLFLOW_TRACKING_URI: `file:${killedMlruns}` }),
      detached: true,
      stdio: 'ignore',
    });
    const trialsDir = path.join(out, 'e2e', 'trials');
    // Kill the whole process group as soon as some trial has a checkpoint and not every trial is done.
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const checkpointed =
          existsSync(trialsDir) && readdirSync(trialsDir).some((id) => existsSync(path.join(trialsDir, id, 'checkpoint', 'latest.safetensors')));
        if (checkpointed) {
          clearInterval(poll);
          process.kill(-(child.pid as number), 'SIGKILL');
          resolve();
        } else if (Date.now() - started > 240_000) {
          clearInterval(poll);
          reject(new Error('no checkpoint within 240 s'));
        }
      }, 50);
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const partial = existsSync(path.join(out, 'e2e', 'trials.jsonl')) ? records(path.join(out, 'e2e')).length : 0;
    expect(partial).toBeLessThan(4);

    const r = ganbench(['sweep', studyFile, '--out', out, '--workers', '2'], { MLFLOW_TRACKING_URI: `file:${killedMlruns}` });
    expect(r.status, r.stderr).toBe(0);
    const resumed = records(path.join(out, 'e2e'));
    expect(resumed).toHaveLength(4);
    const uninterrupted = new Map(records(path.join(first, 'e2e')).map((t) => [t.id, t]));
    for (const trial of resumed) {
      expect(trial.final).toEqual(uninterrupted.get(trial.id)?.final);
      expect(trial.best).toEqual(uninterrupted.get(trial.id)?.best);
    }
    const children = fileStoreRuns(killedMlruns, 'e2e').filter((run) => run.tags['mlflow.parentRunId'] !== undefined);
    expect(children).toHaveLength(4);
    for (const child of children)
      for (const [key, lines] of Object.entries(child.metrics)) {
        const steps = stepsOf(lines as string);
        expect(new Set(steps).size, `${child.tags['ganbench.configHash']} ${key}`).toBe(steps.length);
      }
  });

  it('with MLFLOW_TRACKING_URI on an HTTP server that is down, trials go on; `ganbench mlflow sync` later sends everything once', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const out = path.join(root, 'offline');
    const r = ganbench(['sweep', studyFile, '--out', out, '--workers', '2'], { MLFLOW_TRACKING_URI: url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('ganbench mlflow sync');
    expect(records(path.join(out, 'e2e'))).toHaveLength(4);
    // The last sync (after the report) failed too: said so with the command that finishes it, and no "MLflow runs: URL".
    expect(r.stderr).toContain(`send them to MLflow later with: ganbench mlflow sync ${path.relative(process.cwd(), path.join(out, 'e2e'))}`);
    expect(r.stdout).not.toContain('MLflow runs');

    const up = await FakeMlflowServer.start({ port });
    try {
      const sync = await ganbenchAsync(['mlflow', 'sync', path.join(out, 'e2e')], { MLFLOW_TRACKING_URI: url });
      expect(sync.status, sync.stderr).toBe(0);
      const runs = [...up.state.runs.values()];
      const parent = runs.find((run) => !run.tags.has('mlflow.parentRunId'));
      const children = runs.filter((run) => run.tags.get('mlflow.parentRunId') === parent?.runId);
      expect(children).toHaveLength(4);
      for (const child of children) {
        expect(child.metrics.get('frechet_2d')?.map((m) => m.step)).toEqual([30, 60]);
        expect(child.status).toBe('FINISHED');
        expect(child.params.get('loss')).toMatch(/^(non-saturating|hinge)$/);
      }
      expect([...up.state.artifacts.keys()].some((key) => key.endsWith('config.json'))).toBe(true);
      const again = await ganbenchAsync(['mlflow', 'sync', path.join(out, 'e2e')], { MLFLOW_TRACKING_URI: url });
      expect(again.stdout).toContain('0 runs created, 0 metric points, 0 params, 0 artifacts sent');
    } finally {
      await up.close();
    }
  });

  it('with MLFLOW_TRACKING_URI on a live HTTP server, the study appears there as it runs: nested runs, histories, artifacts', async () => {
    const server = await FakeMlflowServer.start();
    try {
      const r = await ganbenchAsync(['sweep', studyFile, '--out', path.join(root, 'online'), '--workers', '2'], { MLFLOW_TRACKING_URI: server.url });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('warning');
      expect(r.stdout).toContain(`MLflow runs: ${server.url}`);
      const runs = [...server.state.runs.values()];
      const parent = runs.find((run) => !run.tags.has('mlflow.parentRunId'));
      expect(parent?.tags.get('ganbench.studyHash')).toMatch(/^[0-9a-f]{16}$/);
      const children = runs.filter((run) => run.tags.get('mlflow.parentRunId') === parent?.runId);
      expect(children.map((c) => c.tags.get('ganbench.configHash')).sort()).toEqual(
        records(path.join(root, 'online', 'e2e'))
          .map((t) => t.id)
          .sort(),
      );
      for (const child of children) expect(child.metrics.get('d_loss')?.length).toBeGreaterThan(10);
      expect([...server.state.artifacts.keys()].filter((key) => key.endsWith('snapshots.png'))).toHaveLength(4);
    } finally {
      await server.close();
    }
  });
});

/** Resolves once some trial of `trialsDir` has a checkpoint (it has trained a while, and more is left). */
function firstCheckpoint(trialsDir: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (existsSync(trialsDir) && readdirSync(trialsDir).some((id) => existsSync(path.join(trialsDir, id, 'checkpoint', 'latest.safetensors')))) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > 240_000) {
        clearInterval(poll);
        reject(new Error(`no checkpoint in ${trialsDir} within 240 s`));
      }
    }, 50);
  });
}

/** Metric points of each trial of a study folder: `${key}@${step}` per line of its metrics.jsonl. */
const metricPoints = (dir: string) =>
  readdirSync(path.join(dir, 'trials')).map((id) =>
    readFileSync(path.join(dir, 'trials', id, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const point = JSON.parse(l) as { key: string; step: number };
        return `${point.key}@${point.step}`;
      }),
  );

describe('ganbench sweep: one runner per trial, retries and exit codes', () => {
  // A folder of its own: the describe above removes its root when it is done.
  const root = mkdtempSync(path.join(os.tmpdir(), 'ganbench-runners-'));
  const studyFile = path.join(root, 'e2e.yaml');
  writeFileSync(studyFile, STUDY);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('two sweeps of one study at once train each trial once: one record and one set of metric points per trial', async () => {
    const out = path.join(root, 'twice');
    const args = ['sweep', studyFile, '--out', out, '--workers', '2', '--no-mlflow', '--no-report'];
    const [a, b] = await Promise.all([ganbenchAsync(args), ganbenchAsync(args)]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const dir = path.join(out, 'e2e');
    const done = records(dir);
    expect(done).toHaveLength(4);
    expect(new Set(done.map((t) => t.id)).size).toBe(4);
    const [finishedA, finishedB] = [a, b].map((r) => Number(/(\d+) finished/.exec(r.stdout)?.[1]));
    expect((finishedA ?? 0) + (finishedB ?? 0)).toBe(4);
    // Each left to the other what it found held or recorded.
    expect(`${a.stderr}${b.stderr}`).toMatch(/running elsewhere|recorded meanwhile by another runner/);
    for (const points of metricPoints(dir)) {
      expect(points.filter((p) => p.startsWith('frechet_2d@'))).toEqual(['frechet_2d@30', 'frechet_2d@60']);
      expect(new Set(points).size).toBe(points.length);
    }
  });

  it('Ctrl-C exits 130 and SIGTERM 143, each printing the full command that resumes; that command finishes the study', async () => {
    const stopped = (signal: NodeJS.Signals, out: string) => {
      const child = spawn(process.execPath, [bin, 'sweep', studyFile, '--out', out, '--workers', '2', '--no-mlflow', '--no-report'], {
        env: env({}),
        detached: true,
      });
      let stdout = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.resume();
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const early = exit.then((code) => {
        throw new Error(`the sweep exited with ${code} before any checkpoint: ${stdout}`);
      });
      // As a terminal's Ctrl-C or a scheduler does: the signal goes to the whole process group, workers included.
      return Promise.race([firstCheckpoint(path.join(out, 'e2e', 'trials')), early]).then(async () => {
        process.kill(-(child.pid as number), signal);
        return { code: await exit, stdout: () => stdout };
      });
    };
    const intOut = path.join(root, 'sigint');
    const termOut = path.join(root, 'sigterm');
    const [int, term] = await Promise.all([stopped('SIGINT', intOut), stopped('SIGTERM', termOut)]);
    expect(int.code).toBe(130);
    expect(term.code).toBe(143);
    for (const [run, out] of [
      [int, intOut],
      [term, termOut],
    ] as const) {
      expect(run.stdout()).toContain(`\`ganbench sweep ${studyFile} --out ${out} --workers 2 --no-mlflow --no-report\` resumes them`);
    }
    const resume = /`ganbench (sweep [^`]+)` resumes them/.exec(int.stdout())?.[1] as string;
    const r = ganbench(resume.split(' '));
    expect(r.status, r.stderr).toBe(0);
    expect(records(path.join(intOut, 'e2e')).map((t) => t.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
  });

  it('a failed trial makes the sweep exit 1, and a rerun too; --retry-failed runs it again and exits 0', () => {
    // A plugin loss that fails in the sweep's workers while a marker file exists, like data gone missing mid-run.
    const marker = path.join(root, 'flaky-marker');
    const plugin = path.join(root, 'flaky-loss.mjs');
    writeFileSync(
      plugin,
      `import { existsSync } from 'node:fs';
let calls = 0;
export default {
  losses: [{
    name: 'flaky-hinge',
    description: 'hinge loss that throws after some steps while ${marker} exists',
    reference: 'test',
    params: {},
    create: (_params, ops) => ({
      discriminatorLoss(real, fake) {
        // Only in a worker (forked with IPC) and past the first checkpoint, so the study check before any work passes.
        if (process.send !== undefined && ++calls > 25 && existsSync(${JSON.stringify(marker)})) throw new Error('flaky-hinge: the data went away');
        return ops.add(ops.mean(ops.relu(ops.sub(1, real))), ops.mean(ops.relu(ops.add(1, fake))));
      },
      generatorLoss: (fake) => ops.neg(ops.mean(fake)),
    }),
  }],
};
`,
    );
    writeFileSync(marker, '');
    const study = path.join(root, 'flaky.yaml');
    writeFileSync(
      study,
      STUDY.replace('name: e2e', 'name: flaky').replace(/ {4}loss: .*\n {4}regularizer: .*\n {4}regularizer\.gamma: .*\n/, '    loss: [flaky-hinge]\n'),
    );
    const out = path.join(root, 'flaky');
    const args = ['sweep', study, '--out', out, '--workers', '1', '--no-mlflow', '--no-report', '--plugin', plugin];
    const first = ganbench(args);
    expect(first.status, first.stderr).toBe(1);
    expect(first.stdout).toContain(`1 failed: \`ganbench ${args.join(' ')} --retry-failed\` runs them again`);
    expect(records(path.join(out, 'flaky')).map((t) => t.status)).toEqual(['failed']);

    const again = ganbench(args);
    expect(again.status).toBe(1);
    expect(again.stdout).toContain('0 failed, 1 already done');
    expect(again.stdout).toContain('1 failed: ');

    rmSync(marker);
    const retried = ganbench([...args, '--retry-failed']);
    expect(retried.status, retried.stderr).toBe(0);
    expect(records(path.join(out, 'flaky')).map((t) => t.status)).toEqual(['failed', 'finished']);
  });
});
