import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLUSTER_DIR } from '@ganbench/study-folder';
import { type Study, selectTrials, studyHash, writeStudyInfo } from '@ganbench/sweep';
import { type ParsedFlags, UsageError } from './args.js';
import { createParentRun } from './slurm.js';
import { loadInput } from './study.js';

type Out = (line: string) => void;

/** Where the results volume is mounted in the pod; the study folder is <mount>/<study>. */
export const RESULTS_MOUNT = '/results';
/** The repository's root in the image the Dockerfile builds: ganbench runs from there. */
export const IMAGE_WORKDIR = '/ganbench';
export const DEFAULT_IMAGE = 'ganbench:latest';
export const DEFAULT_CLAIM = 'ganbench-results';
/** Tries per index before Kubernetes gives that index up; preempted pods do not count (the pod failure policy). */
export const BACKOFF_LIMIT_PER_INDEX = 3;
/** A deleted pod gets this long between SIGTERM and SIGKILL: enough for the trial to checkpoint. */
export const GRACE_SECONDS = 120;

/** The study's name as a Job name: a DNS-1123 label of at most 63 characters. */
function jobName(study: Study): string {
  const slug = study.name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `ganbench-${slug}-${studyHash(study).slice(0, 8)}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * An Indexed Job: pod i runs `ganbench trial <study file in the volume>` with JOB_COMPLETION_INDEX=i.
 * The study file is copied into the study folder on the results volume, so every pod reads the very
 * file the index table was made from. Exit 2 (bad input: the study changed) fails the index at once;
 * a pod that disappears for a disruption (preemption, eviction, a drained node) is retried without
 * counting against backoffLimitPerIndex; anything else is retried up to that limit, resuming from the
 * trial's checkpoint.
 */
export function indexedJob(study: Study, trials: number, flags: ParsedFlags): Record<string, unknown> {
  const gpus = (flags['gpus-per-trial'] as number | undefined) ?? 0;
  const image = (flags.image as string | undefined) ?? DEFAULT_IMAGE;
  const parallelism = Math.min((flags.parallelism as number | undefined) ?? trials, trials);
  const studyFile = path.posix.join(RESULTS_MOUNT, study.name, CLUSTER_DIR, 'study.yaml');
  const args = ['packages/cli/bin/ganbench.js', 'trial', studyFile, '--out', RESULTS_MOUNT];
  const backend = (flags.backend as string | undefined) ?? (gpus > 0 ? 'tensorflow-gpu' : undefined);
  if (backend !== undefined) args.push('--backend', backend);
  if (flags['no-mlflow'] === true) args.push('--no-mlflow');
  if (flags['retry-failed'] === true) args.push('--retry-failed');
  const env: { name: string; value: string }[] = [];
  const uri = process.env.MLFLOW_TRACKING_URI;
  if (uri !== undefined && uri !== '' && flags['no-mlflow'] !== true) env.push({ name: 'MLFLOW_TRACKING_URI', value: uri });
  // The NVIDIA container toolkit mounts the Vulkan driver (what webgpu runs on) only with the graphics capability.
  if (backend === 'webgpu' && gpus > 0) env.push({ name: 'NVIDIA_DRIVER_CAPABILITIES', value: 'compute,utility,graphics' });
  const labels = { 'app.kubernetes.io/name': 'ganbench', 'ganbench/study': jobName(study).slice('ganbench-'.length) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName(study), labels },
    spec: {
      completionMode: 'Indexed',
      completions: trials,
      parallelism,
      backoffLimitPerIndex: BACKOFF_LIMIT_PER_INDEX,
      podFailurePolicy: {
        rules: [
          { action: 'FailIndex', onExitCodes: { containerName: 'trial', operator: 'In', values: [2] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
        ],
      },
      template: {
        metadata: { labels },
        spec: {
          // podFailurePolicy requires Never: the Job, not the kubelet, decides what runs again.
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: GRACE_SECONDS,
          containers: [
            {
              name: 'trial',
              image,
              workingDir: IMAGE_WORKDIR,
              command: ['node'],
              args,
              env,
              resources: gpus > 0 ? { limits: { 'nvidia.com/gpu': gpus } } : {},
              volumeMounts: [{ name: 'results', mountPath: RESULTS_MOUNT }],
            },
          ],
          volumes: [{ name: 'results', persistentVolumeClaim: { claimName: (flags.claim as string | undefined) ?? DEFAULT_CLAIM } }],
        },
      },
    },
  };
}

/**
 * `ganbench sweep FILE --k8s`: the index table, study.json and a copy of the study file in the study
 * folder, and the Job manifest beside them (JSON, which kubectl reads as YAML) for `kubectl apply -f`.
 * The study folder must be on the volume the claim names, at <volume>/<study>.
 */
export async function k8sCommand(flags: ParsedFlags, file: string, out: Out): Promise<number> {
  const image = flags.image as string | undefined;
  if (image !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(image))
    throw new UsageError(`--image: '${image}' is not allowed; an image reference, e.g. registry.example.org/ganbench:1.0`);
  const claim = flags.claim as string | undefined;
  if (claim !== undefined && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(claim))
    throw new UsageError(`--claim: '${claim}' is not allowed; a PersistentVolumeClaim name (lowercase letters, digits, '-')`);
  const study = await loadInput(flags, file);
  const dir = path.join((flags.out as string | undefined) ?? 'results', study.name);
  const trials = selectTrials(study, dir);
  await writeStudyInfo(study, dir);
  await createParentRun(dir, flags, out);
  const folder = path.join(dir, CLUSTER_DIR);
  mkdirSync(folder, { recursive: true });
  const tmp = `.${randomBytes(6).toString('hex')}.tmp`;
  copyFileSync(file, path.join(folder, `study.yaml${tmp}`));
  renameSync(path.join(folder, `study.yaml${tmp}`), path.join(folder, 'study.yaml'));
  const manifest = path.join(folder, 'k8s-job.json');
  writeFileSync(`${manifest}${tmp}`, `${JSON.stringify(indexedJob(study, trials.length, flags), null, 2)}\n`);
  renameSync(`${manifest}${tmp}`, manifest);
  out(`study ${study.name}: ${trials.length} trials; wrote ${manifest}`);
  out(`  the study folder ${dir} must be at /${study.name} on the volume of claim ${claim ?? DEFAULT_CLAIM}`);
  out(`  submit: kubectl apply -f ${manifest}`);
  out(`  watch:  kubectl get pods -l ganbench/study=${jobName(study).slice('ganbench-'.length)}   ganbench status ${dir}`);
  out(`  after it: ganbench report ${dir} && ganbench mlflow sync ${dir}`);
  return 0;
}
