/**
 * `ganbench sweep --k8s`: the Indexed Job manifest's structure (the constraints the API server
 * enforces on a Job checked by hand: no cluster here), and its container's command run on this
 * machine as the kubelet would run it in pod i (JOB_COMPLETION_INDEX=i) runs trial i.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(repo, 'packages/cli/bin/ganbench.js');
const root = mkdtempSync(path.join(os.tmpdir(), 'ganbench-k8s-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STUDY = `name: ring-k8s
dataset: { name: ring }
architecture: { name: mlp, options: { latentDim: 4, gWidth: 8, gLayers: 1, dWidth: 8, dLayers: 1 } }
training: { steps: 20, batchSize: 16, checkpointEvery: 10 }
evaluation: { every: 20, samples: 100, metrics: [frechet_2d] }
loss: hinge
seeds: 3
`;

function ganbench(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GANBENCH_BACKEND: '', MLFLOW_TRACKING_URI: '', ...extra },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Container {
  name: string;
  image: string;
  workingDir: string;
  command: string[];
  args: string[];
  env: { name: string; value: string }[];
  resources: { limits?: Record<string, number> };
  volumeMounts: { name: string; mountPath: string }[];
}

describe('ganbench sweep --k8s', () => {
  const file = path.join(root, 'ring.yaml');
  writeFileSync(file, STUDY);
  const out = path.join(root, 'results');
  const dir = path.join(out, 'ring-k8s');

  it('writes an Indexed Job: a completion per trial, retries per index, preempted pods retried, GPUs, the results volume, MLflow passed through', () => {
    const r = ganbench(['sweep', file, '--k8s', '--out', out, '--image', 'registry.example.org/ganbench:1', '--gpus-per-trial', '1', '--parallelism', '2'], {
      MLFLOW_TRACKING_URI: `file:${path.join(root, 'mlruns')}`,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('kubectl apply -f');
    const job = JSON.parse(readFileSync(path.join(dir, 'cluster', 'k8s-job.json'), 'utf8'));
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
    // A DNS-1123 label: lowercase, at most 63 characters.
    expect(job.metadata.name).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 2, backoffLimitPerIndex: 3 });
    // podFailurePolicy is only accepted with restartPolicy Never; Ignore on DisruptionTarget retries a preempted pod without counting it.
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.podFailurePolicy.rules).toContainEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
    expect(job.spec.podFailurePolicy.rules).toContainEqual({ action: 'FailIndex', onExitCodes: { containerName: 'trial', operator: 'In', values: [2] } });
    const [container] = job.spec.template.spec.containers as Container[];
    expect(container?.name).toBe('trial');
    expect(container?.image).toBe('registry.example.org/ganbench:1');
    expect(container?.resources.limits).toEqual({ 'nvidia.com/gpu': 1 });
    expect(container?.args).toEqual(expect.arrayContaining(['trial', '--backend', 'tensorflow-gpu']));
    expect(container?.env).toContainEqual({ name: 'MLFLOW_TRACKING_URI', value: `file:${path.join(root, 'mlruns')}` });
    expect(container?.env.map((e) => e.name)).not.toContain('NVIDIA_DRIVER_CAPABILITIES');
    const mount = container?.volumeMounts[0];
    expect(job.spec.template.spec.volumes).toEqual([{ name: mount?.name, persistentVolumeClaim: { claimName: 'ganbench-results' } }]);
    // The study file the pods read is the one the index table was made from, on the volume.
    expect(readFileSync(path.join(dir, 'cluster', 'study.yaml'), 'utf8')).toBe(STUDY);
  });

  it('with --backend webgpu, a GPU pod asks the NVIDIA toolkit for the Vulkan driver (the graphics capability)', () => {
    const webgpuOut = path.join(root, 'results-webgpu');
    const r = ganbench(['sweep', file, '--k8s', '--out', webgpuOut, '--gpus-per-trial', '1', '--backend', 'webgpu']);
    expect(r.status, r.stderr).toBe(0);
    const job = JSON.parse(readFileSync(path.join(webgpuOut, 'ring-k8s', 'cluster', 'k8s-job.json'), 'utf8'));
    const [container] = job.spec.template.spec.containers as Container[];
    expect(container?.args).toEqual(expect.arrayContaining(['trial', '--backend', 'webgpu']));
    expect(container?.env).toContainEqual({ name: 'NVIDIA_DRIVER_CAPABILITIES', value: 'compute,utility,graphics' });
  });
  it("the container's command, run here with JOB_COMPLETION_INDEX=i, runs trial i", () => {
    const r = ganbench(['sweep', file, '--k8s', '--out', out, '--no-mlflow']);
    expect(r.status, r.stderr).toBe(0);
    const job = JSON.parse(readFileSync(path.join(dir, 'cluster', 'k8s-job.json'), 'utf8'));
    const [container] = job.spec.template.spec.containers as Container[];
    if (container === undefined) throw new Error('no container');
    const mount = container.volumeMounts[0]?.mountPath as string;
    // This checkout stands for the image's working directory, the results root for the volume.
    const args = container.args.map((a) => (a.startsWith(mount) ? out + a.slice(mount.length) : a));
    expect(container.command).toEqual(['node']);
    const env: NodeJS.ProcessEnv = { ...process.env, GANBENCH_BACKEND: '', MLFLOW_TRACKING_URI: '', JOB_COMPLETION_INDEX: '1' };
    for (const { name, value } of container.env) env[name] = value;
    const pod = spawnSync(process.execPath, args, { cwd: repo, env, encoding: 'utf8', timeout: 120_000 });
    expect(pod.status, pod.stderr).toBe(0);
    expect(pod.stdout).toContain('trial 1 (JOB_COMPLETION_INDEX) of ring-k8s');
    const table = JSON.parse(readFileSync(path.join(dir, 'trials.index.json'), 'utf8')) as { trials: string[] };
    const records = readFileSync(path.join(dir, 'trials.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string });
    expect(records.map((x) => [x.id, x.status])).toEqual([[table.trials[1], 'finished']]);
  });

  it('bad flags fail before any work, naming the flag and the value', () => {
    const image = ganbench(['sweep', file, '--k8s', '--out', out, '--image', 'bad image']);
    expect(image.status).toBe(2);
    expect(image.stderr).toContain("--image: 'bad image' is not allowed");
    const mixed = ganbench(['sweep', file, '--out', out, '--partition', 'gpu']);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain('--partition needs --slurm');
    const time = ganbench(['sweep', file, '--slurm', '--out', out, '--time', '90']);
    expect(time.status).toBe(2);
    expect(time.stderr).toContain("--time: '90' is not allowed; use HH:MM:SS");
  });
});
