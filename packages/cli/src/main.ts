import path from 'node:path';
import { MLP_OPTIONS } from '@ganbench/architectures';
import {
  BENCH_DCGAN,
  BENCHED_ARCHITECTURES,
  createArchitectureStep,
  createMlpStep,
  defaultBenchBackends,
  formatTable,
  profileDcganStep,
  profileStep,
  runArchitectureBench,
  runDcganBench,
  runDiracStudyBench,
  runFidBench,
  runMlpBench,
  runPrecisionRecallBench,
  type StepProfile,
} from '@ganbench/bench';
import { BACKEND_NAMES, type BackendName, backendInfo, isBackendName, MAX_WASM_THREADS, type OptionSpec, resolveThreads } from '@ganbench/core';
import { DEFAULT_BOOTSTRAP_SAMPLES, DEFAULT_BOOTSTRAP_SEED } from '@ganbench/report';
import { DIRAC_DEFAULTS, DIRAC_OPTIMIZERS, MIXTURE_DEFAULTS } from '@ganbench/toy-problems';
import { type FlagSpec, helpText, initBackendFromFlags, type ParsedFlags, parseFlags, UsageError } from './args.js';
import { evaluateCommand } from './evaluate.js';
import { featuresTrain, fidCommand } from './features.js';
import { DEFAULT_CLAIM, DEFAULT_IMAGE, k8sCommand } from './k8s.js';
import { formatEntries, registryEntries } from './registry.js';
import { scaffoldLoss } from './scaffold.js';
import { SIGNAL_BEFORE_LIMIT_S, slurmCommand } from './slurm.js';
import { statusCommand } from './status.js';
import { diracStudyOnce, mlflowSyncCommand, reportCommand, sweepCommand } from './study.js';
import { MIXTURE_ARCHITECTURE_FLAGS, toyDirac, toyDivergences, toyMixture } from './toy.js';
import { trialCommand } from './trial.js';

interface Command {
  /** Positional arguments as the usage line shows them, e.g. FILE. */
  args?: string;
  summary: string;
  flags: FlagSpec;
  /** Resolves to the exit code; anything but a number is 0. */
  run(flags: ParsedFlags, positional: string[]): Promise<unknown>;
}

const backendFlag = {
  kind: 'string',
  value: 'NAME',
  description: `tensor backend: ${BACKEND_NAMES.join(', ')} (or GANBENCH_BACKEND)`,
  default: 'wasm',
} as const;
const threadsFlag = {
  kind: 'integer',
  description: `wasm threads for the convolutions and products, 1 to ${MAX_WASM_THREADS} (or GANBENCH_THREADS)`,
  default: 'every core, up to 8',
} as const;
const helpFlag = { kind: 'boolean', description: 'show this help' } as const;

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function parseBackendList(value: string): BackendName[] {
  return value.split(',').map((name) => {
    if (!isBackendName(name)) throw new UsageError(`--backends: unknown backend '${name}'; allowed: ${BACKEND_NAMES.join(', ')}`);
    return name;
  });
}

async function info(flags: ParsedFlags): Promise<void> {
  await initBackendFromFlags(flags);
  const i = await backendInfo();
  if (flags.json) return out(JSON.stringify(i));
  out(`backend            ${i.backend} (tfjs engine backend '${i.engineBackend}')`);
  out(`node               ${i.versions.node}`);
  out(`tfjs-core          ${i.versions.tfjsCore}`);
  out(`tfjs-backend-wasm  ${i.versions.tfjsBackendWasm}`);
  out(`wasm SIMD          ${i.simd === null ? 'n/a (not on wasm)' : i.simd ? 'on' : 'off'}`);
  out(`wasm GEMM tile     ${i.gemmTile === null ? 'n/a' : i.gemmTile === 'relaxed-simd' ? 'relaxed SIMD (FMA)' : 'SIMD (no relaxed SIMD in this runtime)'}`);
  out(`threads            ${i.threads.used} of ${i.threads.available} cores: ${i.threads.note}`);
  out(`cpu                ${i.cpus.count} × ${i.cpus.model}`);
  for (const [pkg, version] of Object.entries(i.optionalBackends)) out(`optional backend   ${pkg}: ${version ?? 'not installed'}`);
  if (i.webgpu !== null) {
    const a = i.webgpu;
    out(`webgpu adapter     ${a.device || '(no device name)'}: ${a.description} (vendor '${a.vendor}', architecture '${a.architecture}')`);
    out(`webgpu via         Dawn's ${a.dawnBackend} backend, feature level ${a.featureLevel}, ${a.software ? 'software rasterizer (no GPU)' : 'GPU'}`);
    const l = a.limits;
    out(
      `webgpu limits      maxBufferSize ${l.maxBufferSize}, maxStorageBufferBindingSize ${l.maxStorageBufferBindingSize}, ` +
        `maxStorageBuffersPerShaderStage ${l.maxStorageBuffersPerShaderStage}, maxComputeInvocationsPerWorkgroup ${l.maxComputeInvocationsPerWorkgroup}, ` +
        `maxComputeWorkgroupStorageSize ${l.maxComputeWorkgroupStorageSize}, maxComputeWorkgroupsPerDimension ${l.maxComputeWorkgroupsPerDimension}`,
    );
  }
}

/** Architectures --profile --architecture takes: the benched ones and the quick study's MLP. */
const PROFILED_ARCHITECTURES: readonly string[] = [...BENCHED_ARCHITECTURES, 'mlp'];

/**
 * Per-kernel time and GFLOP/s of the benchmark's DCGAN step (each penalty setting), or of
 * `--architecture NAME`'s step, on the one backend selected, and the share of the step outside kernels.
 */
async function profile(flags: ParsedFlags): Promise<void> {
  const steps = (flags.steps as number | undefined) ?? 5;
  const warmup = (flags.warmup as number | undefined) ?? 3;
  const architecture = flags.architecture as string | undefined;
  if (architecture !== undefined && !PROFILED_ARCHITECTURES.includes(architecture))
    throw new UsageError(`--architecture: '${architecture}' is not allowed; allowed: ${PROFILED_ARCHITECTURES.join(', ')}`);
  const backend = await initBackendFromFlags(flags);
  const runs: { name: string; profile: () => Promise<StepProfile> }[] =
    architecture === undefined
      ? (['none', 'gp'] as const).map((penalty) => ({
          name: penalty === 'none' ? 'dcgan-step' : 'dcgan-step+gp',
          profile: () => profileDcganStep({ ...BENCH_DCGAN, penalty }, steps, warmup),
        }))
      : [
          {
            name: `${architecture}-step`,
            profile: async () => {
              const { step, dispose } = architecture === 'mlp' ? createMlpStep() : createArchitectureStep(architecture);
              try {
                return await profileStep(step, steps, warmup);
              } finally {
                dispose();
              }
            },
          },
        ];
  for (const run of runs) {
    const p = await run.profile();
    if (flags.json) {
      for (const k of p.kernels) out(JSON.stringify({ name: run.name, backend, ...k }));
      const { kernels: _, ...summary } = p;
      out(JSON.stringify({ name: run.name, backend, ...summary }));
      continue;
    }
    const gflops = p.step_gflop_per_s === null ? '' : `, ${p.step_gflop_per_s} GFLOP/s over the step`;
    out(
      `${run.name} on ${backend}: ${p.step_ms} ms per step (median, unprofiled)${gflops}; profiled: ${p.profiled_step_ms} ms, ` +
        `${p.kernel_ms} ms in kernels, ${p.outside_ms} ms (${(100 * p.outside_share).toFixed(1)}%) outside them`,
    );
    out(`  ${'kernel'.padEnd(24)} ${'ms/step'.padStart(8)} ${'share'.padStart(6)} ${'calls'.padStart(6)} ${'GFLOP/s'.padStart(8)}`);
    for (const k of p.kernels.slice(0, 15)) {
      out(
        `  ${k.kernel.padEnd(24)} ${k.ms_per_step.toFixed(2).padStart(8)} ${(100 * k.share).toFixed(1).padStart(5)}% ${String(Math.round(k.calls_per_step)).padStart(6)} ${(k.gflop_per_s === null ? '-' : k.gflop_per_s.toFixed(1)).padStart(8)}`,
      );
    }
    const rest = p.kernels.slice(15);
    if (rest.length > 0)
      out(
        `  ${`${rest.length} more kernels`.padEnd(24)} ${rest
          .reduce((a, k) => a + k.ms_per_step, 0)
          .toFixed(2)
          .padStart(8)}`,
      );
  }
}

async function bench(flags: ParsedFlags): Promise<void> {
  if (flags.profile) return profile(flags);
  const backends = flags.backends === undefined ? defaultBenchBackends() : parseBackendList(flags.backends as string);
  const common = {
    backends,
    threads: resolveThreads(flags.threads as number | undefined),
    torch: !flags['no-torch'],
    log: (line: string) => process.stderr.write(`${line}\n`),
  };
  const timing = { steps: (flags.steps as number | undefined) ?? 20, warmup: (flags.warmup as number | undefined) ?? 3 };
  const rows = await runDcganBench({ ...common, ...timing });
  if (!flags['no-mlp']) rows.push(...(await runMlpBench({ ...common, ...timing })));
  if (!flags['no-architectures']) rows.push(...(await runArchitectureBench({ ...common, ...timing })));
  if (!flags['no-dirac']) rows.push(...(await runDiracStudyBench(common)));
  if (!flags['no-metrics']) {
    rows.push(...runFidBench({ log: common.log, ...(common.torch ? {} : { python: null }) }));
    rows.push(...(await runPrecisionRecallBench({ log: common.log, python: common.torch })));
  }
  if (flags.json) for (const row of rows) out(JSON.stringify(row));
  else out(formatTable(rows));
}

export const QUICK_STUDY = 'experiments/quick.yaml';
export const QUICK_DIRAC_STUDY = 'experiments/dirac.yaml';

/** The job a fresh clone runs: the quick sweep (3 losses × no regularizer or R1 × 2 seeds on the 2-D ring), its report, and the Dirac-GAN study. */
async function quick(flags: ParsedFlags): Promise<number> {
  const started = performance.now();
  const { run, interrupted, exitCode } = await sweepCommand(flags, [QUICK_STUDY], out, ['quick']);
  if (interrupted) return exitCode;
  await diracStudyOnce(QUICK_DIRAC_STUDY, path.join(run.dir, 'dirac'), flags, out);
  out(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; \`pnpm ganbench sweep experiments/<study>.yaml\` runs any other study`);
  return exitCode;
}

const pluginFlag = {
  kind: 'string',
  value: 'LIST',
  description: 'comma-separated plugin paths or package names (workspace plugins load by themselves)',
} as const;

async function list(flags: ParsedFlags, positional: string[]): Promise<void> {
  const entries = await registryEntries(positional[0], flags);
  if (flags.json) return out(JSON.stringify(entries.map(({ name, kind, params }) => ({ name, kind, params }))));
  out(formatEntries(entries));
}

async function create(flags: ParsedFlags, positional: string[]): Promise<void> {
  const [what, name] = positional;
  if (what !== 'loss') throw new UsageError(`new: '${what ?? ''}' cannot be scaffolded; allowed: loss`);
  if (name === undefined) throw new UsageError('new loss: needs a name, e.g. ganbench new loss my-loss');
  const files = scaffoldLoss(name, flags.dir === undefined ? undefined : path.resolve(flags.dir as string));
  for (const file of files) out(`wrote ${path.relative(process.cwd(), file)}`);
  out(`next: fill in ${path.relative(process.cwd(), files[3] as string)} and the expected values in its test; see its README.md`);
}

const objectiveFlags = {
  loss: { kind: 'string', value: 'NAME', description: 'a registered loss (ganbench list losses)' },
  'loss-param': { kind: 'pairs', description: "one of the loss's hyperparameters" },
  regularizer: {
    kind: 'strings',
    value: 'NAME',
    description: 'a registered regularizer (ganbench list regularizers), compiled with the loss into one objective; give it again for several',
    default: 'none',
  },
  'regularizer-param': {
    kind: 'pairs',
    description:
      "a regularizer's hyperparameter: REGULARIZER.PARAM=VALUE (gradient-penalty.lambda=10) for that one, or PARAM=VALUE for each given regularizer that takes it (gamma=0.3)",
  },
} as const;

function sweepFlags(): FlagSpec {
  return {
    workers: { kind: 'integer', min: 1, description: 'worker processes, 1 or more', default: 'one per core' },
    gpus: {
      kind: 'string',
      value: 'LIST',
      description: 'pin worker i to GPU i, e.g. 0,1: tensorflow-gpu (the default; CUDA_VISIBLE_DEVICES) or --backend webgpu',
    },
    out: { kind: 'string', value: 'DIR', description: 'results root; the study goes to <out>/<study>/', default: 'results' },
    backend: backendFlag,
    'no-mlflow': { kind: 'boolean', description: 'keep results local (no MLflow runs)' },
    'no-report': { kind: 'boolean', description: 'do not write report.md and figures at the end' },
    'retry-failed': {
      kind: 'boolean',
      description: 'run failed trials again (from their checkpoint where they have one) instead of skipping them',
    },
    plugin: pluginFlag,
    help: helpFlag,
  };
}

const SLURM_FLAGS = ['partition', 'cpus-per-trial', 'time', 'max-parallel', 'sbatch-arg', 'dry-run'] as const;
const K8S_FLAGS = ['image', 'parallelism', 'claim'] as const;

function clusterFlags(): FlagSpec {
  return {
    slurm: { kind: 'boolean', description: 'submit the trials not finished as one Slurm job array (a task per trial) and a report job after it' },
    partition: { kind: 'string', value: 'P', description: 'with --slurm: the partition' },
    'gpus-per-trial': {
      kind: 'integer',
      description: 'with --slurm (--gres=gpu:N) or --k8s (nvidia.com/gpu): GPUs per trial; tensorflow-gpu unless --backend webgpu',
    },
    'cpus-per-trial': { kind: 'integer', min: 1, description: 'with --slurm: cores per trial (--cpus-per-task; the wasm threads)' },
    time: {
      kind: 'string',
      value: 'HH:MM:SS',
      description: `with --slurm: each task's time limit; ${SIGNAL_BEFORE_LIMIT_S} s before it the trial checkpoints and is requeued`,
    },
    'max-parallel': { kind: 'integer', min: 1, description: 'with --slurm: at most K tasks at once (--array=…%K)' },
    'sbatch-arg': { kind: 'strings', description: 'with --slurm: one more sbatch option for both jobs, e.g. --sbatch-arg=--qos=high' },
    'dry-run': { kind: 'boolean', description: 'with --slurm: print the batch scripts and the array, submit and write nothing' },
    k8s: { kind: 'boolean', description: 'write a Kubernetes Indexed Job manifest (a pod per trial) into the study folder for kubectl apply -f' },
    image: { kind: 'string', value: 'IMG', description: 'with --k8s: the container image (see the Dockerfile)', default: DEFAULT_IMAGE },
    parallelism: { kind: 'integer', min: 1, description: 'with --k8s: at most K pods at once', default: 'every trial' },
    claim: { kind: 'string', value: 'NAME', description: 'with --k8s: the PersistentVolumeClaim of the results volume', default: DEFAULT_CLAIM },
  };
}

/** `ganbench sweep FILE`: the local pool, or a submission with --slurm / --k8s; flags of the other executors are refused. */
async function sweep(flags: ParsedFlags, positional: string[]): Promise<number> {
  const file = positional[0];
  const given = (names: readonly string[]) => names.filter((n) => flags[n] !== undefined);
  if (flags.slurm === true && flags.k8s === true) throw new UsageError('--slurm and --k8s: choose one executor');
  const wrong = [
    ...(flags.slurm === true ? [] : given(SLURM_FLAGS).map((f) => `--${f} needs --slurm`)),
    ...(flags.k8s === true ? [] : given(K8S_FLAGS).map((f) => `--${f} needs --k8s`)),
    ...(flags.slurm === true || flags.k8s === true
      ? given(['workers', 'gpus']).map((f) => `--${f} is for the local pool; with a cluster use --gpus-per-trial`)
      : []),
    ...(flags.slurm === true || flags.k8s === true || flags['gpus-per-trial'] === undefined ? [] : ['--gpus-per-trial needs --slurm or --k8s']),
  ];
  if (wrong.length > 0) throw new UsageError(wrong.join('; '));
  if (file === undefined) throw new UsageError('sweep: needs a study file, e.g. ganbench sweep experiments/quick.yaml');
  if (flags.slurm === true) return slurmCommand(flags, file, out);
  if (flags.k8s === true) return k8sCommand(flags, file, out);
  return (await sweepCommand(flags, positional, out)).exitCode;
}

const COMMANDS: Record<string, Command> = {
  info: {
    summary: 'Backend in use, versions, SIMD, threads and which optional native backends are installed.',
    flags: {
      backend: backendFlag,
      threads: threadsFlag,
      json: { kind: 'boolean', description: 'print one JSON object' },
      help: helpFlag,
    },
    run: info,
  },
  bench: {
    summary:
      'Times one DCGAN training step (D step + G step, Adam, batch 64, 28×28×1) without and with WGAN-GP on each backend, median over the steps, and the same model in PyTorch in the same run when python3 with torch is found.',
    flags: {
      backends: {
        kind: 'string',
        value: 'LIST',
        description: 'comma-separated backends to time',
        default: 'wasm and installed native backends',
      },
      threads: threadsFlag,
      steps: {
        kind: 'integer',
        description: 'timed steps per measurement',
        default: '20',
      },
      warmup: {
        kind: 'integer',
        description: 'untimed steps first',
        default: '3',
      },
      'no-torch': {
        kind: 'boolean',
        description: 'skip the PyTorch yardstick',
      },
      'no-architectures': {
        kind: 'boolean',
        description: 'skip the SAGAN, ProGAN and StyleGAN2 step lines (32×32×3, batch 32) against bench/torch_<name>_step.py',
      },
      'no-dirac': { kind: 'boolean', description: 'skip the Dirac-GAN study line (experiments/dirac.yaml against bench/torch_dirac_study.py)' },
      'no-metrics': {
        kind: 'boolean',
        description: 'skip the FID (d = 64, 512, 2048) and precision/recall (d = 64, 2048) lines against scipy/numpy; n = 10,000, minutes',
      },
      'no-mlp': {
        kind: 'boolean',
        description: "skip the quick study's MLP trial step (2 × 64 units, batch 128, Adam, the ring) against bench/torch_mlp_step.py",
      },
      profile: {
        kind: 'boolean',
        description: 'instead: ms and GFLOP/s per step in each tfjs kernel (tf.profile) on --backend, and the time outside kernels; --steps defaults to 5',
      },
      architecture: {
        kind: 'string',
        value: 'NAME',
        description: `with --profile: that architecture's bench step instead of DCGAN's (${PROFILED_ARCHITECTURES.join(', ')})`,
      },
      backend: backendFlag,
      json: {
        kind: 'boolean',
        description: 'one JSON object per line: name, backend, median_ms, yardstick, yardstick_ms, ratio',
      },
      help: helpFlag,
    },
    run: bench,
  },
  list: {
    args: 'losses|regularizers|normalizations|architectures',
    summary:
      'Every registered loss, regularizer, normalization of the discriminator or architecture (plugins included) with its kind, reference and hyperparameters or options with defaults.',
    flags: { json: { kind: 'boolean', description: 'one JSON array of {name, kind, params}' }, plugin: pluginFlag, help: helpFlag },
    run: list,
  },
  new: {
    args: 'loss NAME',
    summary:
      'Scaffolds a loss plugin package (default packages/loss-<name>): the function pair, its registry entry, a test that fails until the math is right, and a README.',
    flags: { dir: { kind: 'string', value: 'DIR', description: 'where to write it', default: 'packages/loss-<name>' }, help: helpFlag },
    run: create,
  },
  'toy dirac': {
    summary:
      'The Dirac-GAN of Mescheder et al. 2018 on any registered loss and regularizer: gradient steps from (θ, ψ), printed as a summary or, with --json, {config, trajectory, eigenvalues, final_distance}; --study runs a study file and writes plots and summary.md.',
    flags: {
      ...objectiveFlags,
      loss: { ...objectiveFlags.loss, default: DIRAC_DEFAULTS.loss.name },
      optimizer: { kind: 'string', description: `${DIRAC_OPTIMIZERS.join(' or ')}: consensus also descends γ/2‖v‖² (Mescheder et al. 2017)`, default: 'gd' },
      mode: { kind: 'string', description: 'sim (simultaneous) or alt (alternating)', default: 'sim' },
      'consensus-gamma': { kind: 'number', description: 'γ of --optimizer consensus', default: String(DIRAC_DEFAULTS.consensusGamma) },
      'n-disc': { kind: 'integer', description: 'discriminator steps per generator step in alt mode', default: String(DIRAC_DEFAULTS.nDisc) },
      lr: { kind: 'number', description: 'step size h', default: '0.2' },
      steps: { kind: 'integer', description: 'generator steps', default: '500' },
      init: { kind: 'string', value: 'THETA,PSI', description: 'starting point (θ, ψ)', default: '1,1' },
      seed: { kind: 'integer', description: 'seed of the noise a regularizer draws', default: '0' },
      json: { kind: 'boolean', description: 'print {config, trajectory, eigenvalues, final_distance}' },
      study: {
        kind: 'string',
        value: 'FILE',
        description: 'run every configuration of a study file (e.g. experiments/dirac.yaml) and write plots and summary.md',
      },
      out: { kind: 'string', value: 'DIR', description: 'where --study writes', default: 'results/dirac' },
      plugin: pluginFlag,
      backend: backendFlag,
      threads: threadsFlag,
      help: helpFlag,
    },
    run: (flags) => toyDirac(flags, out),
  },
  'toy divergences': {
    summary: "JSD, KL and W₁ between δ₀ and δ_θ for θ from −2 to 2 (the lectures' motivating example), plotted and written as JSON.",
    flags: { out: { kind: 'string', description: 'where to write', default: 'results/divergences' }, help: helpFlag },
    run: (flags) => toyDivergences(flags, out),
  },
  'toy mixture': {
    summary:
      'A GAN of MLPs on a 2-D Gaussian mixture (Metz et al. 2017) with any loss × regularizer: scatter snapshots over training (real in grey, fake in colour) and, per snapshot, modes covered, high-quality samples and the 2-D Fréchet distance.',
    flags: {
      dataset: {
        kind: 'string',
        description: 'ring (8 Gaussians, radius 2, σ 0.02) or grid (25 Gaussians, spacing 2, σ 0.05)',
        default: MIXTURE_DEFAULTS.dataset,
      },
      ...objectiveFlags,
      loss: { ...objectiveFlags.loss, default: MIXTURE_DEFAULTS.loss.name },
      normalization: {
        kind: 'string',
        value: 'NAME',
        description: "the discriminator's normalization: none or spectral (what the mlp takes)",
        default: MIXTURE_DEFAULTS.normalization.name,
      },
      'normalization-param': { kind: 'pairs', description: "one of the normalization's hyperparameters, e.g. iterations=2" },
      steps: { kind: 'integer', description: 'generator steps', default: String(MIXTURE_DEFAULTS.steps) },
      'n-disc': { kind: 'integer', description: 'discriminator steps per generator step', default: String(MIXTURE_DEFAULTS.nDisc) },
      'unrolled-steps': {
        kind: 'integer',
        description:
          "Unrolled GAN (Metz et al. 2017): the generator's loss against D after k steps of D's own optimizer from its live state, differentiated through; 0 for none",
        default: String(MIXTURE_DEFAULTS.unrolledSteps),
      },
      lr: { kind: 'number', description: 'Adam learning rate of both players (β₁ 0.5, β₂ 0.999)', default: String(MIXTURE_DEFAULTS.lr) },
      'batch-size': { kind: 'integer', description: 'real and fake samples per step', default: String(MIXTURE_DEFAULTS.batchSize) },
      snapshots: { kind: 'integer', description: 'snapshots spread over training', default: String(MIXTURE_DEFAULTS.snapshots) },
      'eval-samples': { kind: 'integer', description: 'generated samples per snapshot', default: String(MIXTURE_DEFAULTS.evalSamples) },
      ...Object.fromEntries(
        Object.entries(MIXTURE_ARCHITECTURE_FLAGS).map(([flag, option]) => {
          const spec = MLP_OPTIONS[option] as OptionSpec;
          return [
            flag,
            {
              kind: spec.type === 'string' ? 'string' : spec.type,
              description: `mlp architecture option ${option}: ${spec.description}`,
              default: String(spec.default),
            },
          ];
        }),
      ),
      seed: { kind: 'integer', description: 'seed of initialization, data and noise', default: '0' },
      out: { kind: 'string', value: 'DIR', description: 'where to write', default: 'results/mixture/<dataset>-<loss>-<regularizer>[-unrolled<k>]' },
      json: { kind: 'boolean', description: 'print the metrics per snapshot as one JSON object' },
      plugin: pluginFlag,
      backend: backendFlag,
      threads: threadsFlag,
      help: helpFlag,
    },
    run: (flags) => toyMixture(flags, out),
  },
  fid: {
    summary:
      "Fréchet distance between two feature files (.npy samples × dimensions, or .npz statistics with mu and sigma as pytorch-fid saves them), or the classifier-FID of a real split against another split or noise in the shipped classifier's feature space.",
    flags: {
      features: { kind: 'string', value: 'FILE', description: 'first of two feature files; the second is the next argument' },
      dataset: { kind: 'string', description: 'fashion-mnist or mnist (uses the committed feature classifier)' },
      split: { kind: 'string', description: 'split of the first side', default: 'train' },
      vs: { kind: 'string', description: 'the other side: a split, or noise (uniform in [−1, 1])', default: 'test' },
      limit: { kind: 'integer', description: 'images per side', default: '10000' },
      seed: { kind: 'integer', description: 'seed of the noise images', default: '0' },
      json: { kind: 'boolean', description: 'print {fid, n_a, n_b, d}' },
      backend: backendFlag,
      threads: threadsFlag,
      help: helpFlag,
    },
    run: (flags, positional) => fidCommand(flags, positional, out),
  },
  'features train': {
    summary:
      'Trains the small CNN classifier whose penultimate layer is the classifier-FID/precision-recall space and whose softmax is the IS classifier, and writes its weights where the metrics read them (packages/metrics/weights/). Refuses to write below 90% (Fashion-MNIST) or 99% (MNIST) test accuracy.',
    flags: {
      dataset: { kind: 'string', description: 'fashion-mnist or mnist', default: 'fashion-mnist' },
      epochs: { kind: 'integer', description: 'passes over the training split', default: '20 for mnist, 4 for fashion-mnist' },
      'batch-size': { kind: 'integer', description: 'images per Adam step', default: '128' },
      lr: { kind: 'number', description: 'Adam learning rate', default: '0.001' },
      seed: { kind: 'integer', description: 'seed of initialization and shuffling', default: '0' },
      shift: { kind: 'integer', description: 'augmentation: random shifts of up to this many pixels', default: '2 for mnist, 0 for fashion-mnist' },
      rotate: { kind: 'number', description: 'augmentation: random rotations of up to this many degrees', default: '10 for mnist, 0 for fashion-mnist' },
      dropout: { kind: 'number', description: 'dropout rate on the feature layer while training, in [0, 1)', default: '0.3 for mnist, 0 for fashion-mnist' },
      'lr-decay': {
        kind: 'string',
        description: 'learning-rate schedule: constant, or cosine to 0 over the run',
        default: 'cosine for mnist, constant for fashion-mnist',
      },
      out: { kind: 'string', value: 'FILE', description: 'weights file', default: 'packages/metrics/weights/<dataset>-classifier.safetensors' },
      backend: backendFlag,
      threads: threadsFlag,
      help: helpFlag,
    },
    run: (flags) => featuresTrain(flags, out),
  },
  sweep: {
    args: 'FILE',
    summary:
      'Runs a study file: every trial not yet finished (interrupted ones resume from their checkpoint) in a pool of worker processes, results in results/<study>/, each trial a child run in MLflow (MLFLOW_TRACKING_URI; default ./mlruns), then the report. Trials another runner holds (a lease in the folder) are left to it. Exit code: 0 every trial finished or diverged, 1 some failed, 2 bad input, 130 on SIGINT, 143 on SIGTERM.',
    flags: { ...sweepFlags(), ...clusterFlags() },
    // Exit code: 0 every trial finished or diverged, 1 some failed, 2 bad input, 130/143 stopped by SIGINT/SIGTERM.
    run: sweep,
  },
  trial: {
    args: 'FILE',
    summary:
      "Runs trial I of a study: the index contract of every executor (the local pool, Slurm arrays, Kubernetes Indexed Jobs). The index is --index, else SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX; it names a trial through the study folder's trials.index.json, and a study file changed since that was written is refused. A recorded trial exits at once; an interrupted one resumes from its checkpoint. Exit code: 0 finished or diverged, 1 failed (or its worker was killed), 2 bad input, 130/143 stopped by SIGINT/SIGTERM after a checkpoint (run it again).",
    flags: {
      index: { kind: 'integer', description: 'the trial index, 0 to trials − 1', default: 'from the scheduler' },
      out: { kind: 'string', value: 'DIR', description: 'results root; the study goes to <out>/<study>/', default: 'results' },
      backend: backendFlag,
      'no-mlflow': { kind: 'boolean', description: 'keep results local (no MLflow runs)' },
      'retry-failed': { kind: 'boolean', description: 'run the trial again when it failed before' },
      plugin: pluginFlag,
      help: helpFlag,
    },
    run: (flags, positional) => trialCommand(flags, positional, out),
  },
  status: {
    args: 'DIR',
    summary:
      'Every trial of a study results folder with its state (pending, running where and since when, interrupted, finished, diverged, failed with its error), the counts, and the cluster jobs it was submitted as; read from the folder, so it works for every executor.',
    flags: { json: { kind: 'boolean', description: 'one JSON object: dir, study, hash, counts, trials, jobs' }, help: helpFlag },
    run: (flags, positional) => statusCommand(flags, positional, out),
  },
  evaluate: {
    args: 'DIR',
    summary:
      "Evaluates every finished trial's final checkpoint of a study results folder again with the study's metrics, on --samples samples drawn as the trial's evaluations drew them, appended to DIR/evaluations.jsonl (the report shows them); a trial already evaluated on that many samples is skipped.",
    flags: {
      samples: { kind: 'integer', description: 'generated and real samples per evaluation', default: "the study's evaluation.samples" },
      backend: backendFlag,
      threads: threadsFlag,
      plugin: pluginFlag,
      help: helpFlag,
    },
    run: (flags, positional) => evaluateCommand(flags, positional, out),
  },
  report: {
    args: 'DIR',
    summary:
      'Writes DIR/report.md and DIR/figures/ from a study results folder: the Kurach-style table, box plots, best-of-k budget curves and training curves.',
    flags: {
      out: { kind: 'string', value: 'DIR', description: 'where report.md and figures/ go', default: 'DIR' },
      seed: { kind: 'integer', description: 'seed of the bootstrap behind the budget curves', default: String(DEFAULT_BOOTSTRAP_SEED) },
      'bootstrap-samples': { kind: 'integer', description: 'bootstrap resamples per budget curve', default: String(DEFAULT_BOOTSTRAP_SAMPLES) },
      pivot: {
        kind: 'string',
        value: 'ROWS,COLUMNS[,PANELS]',
        description:
          "the tables' axes, each one of loss, regularizers, normalization, regularization (regularizers and normalization in one label), e.g. loss,regularizers,normalization; default: that when the study crosses regularizers with normalizations, else loss,regularization",
      },
      help: helpFlag,
    },
    run: (flags, positional) => reportCommand(flags, positional, out),
  },
  'mlflow sync': {
    args: 'DIR',
    summary:
      "Sends a study results folder to MLflow (MLFLOW_TRACKING_URI; default ./mlruns): its ended trials, only what the tracker has not seen, under the folder's own parent run (found by the execution id in study.json).",
    flags: { help: helpFlag },
    run: (_flags, positional) => mlflowSyncCommand(positional, out),
  },
  quick: {
    summary: `What \`pnpm start\` runs: the sweep ${QUICK_STUDY} (3 losses × no regularizer or R1 × 2 seeds on the 2-D ring) with its report, then the Dirac-GAN study ${QUICK_DIRAC_STUDY}; a rerun does no work.`,
    flags: sweepFlags(),
    run: quick,
  },
};

/** The first sentence of a summary, for lists of commands. */
const firstSentence = (summary: string) => summary.split(/\. (?=[A-Z`])/)[0] as string;

function commandList(names: readonly string[]): string[] {
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return names.map((name) => `  ${name.padEnd(width)}${firstSentence((COMMANDS[name] as Command).summary)}`);
}

function topHelp(): string {
  return [
    'Usage: ganbench <command> [options]',
    '',
    'Commands:',
    ...commandList(Object.keys(COMMANDS)),
    '',
    'Run `ganbench <command> --help` for its options.',
  ].join('\n');
}

/** `ganbench toy --help`: the subcommands of a two-word command. */
function groupHelp(group: string, subcommands: readonly string[]): string {
  return [
    `Usage: ganbench ${group} <${subcommands.map((c) => c.split(' ')[1]).join('|')}> [options]`,
    '',
    'Commands:',
    ...commandList(subcommands),
    '',
    `Run \`ganbench ${group} <command> --help\` for its options.`,
  ].join('\n');
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || isHelp(name)) {
    out(topHelp());
    return name === undefined ? 1 : 0;
  }
  // Two-word commands ('toy dirac') have flags of their own.
  const twoWords = rest[0] !== undefined && COMMANDS[`${name} ${rest[0]}`] !== undefined;
  const commandName = twoWords ? `${name} ${rest.shift()}` : name;
  const command = COMMANDS[commandName];
  if (command === undefined) {
    const subcommands = Object.keys(COMMANDS).filter((c) => c.startsWith(`${name} `));
    if (subcommands.length > 0 && (rest.length === 0 || isHelp(rest[0]))) {
      out(groupHelp(name, subcommands));
      return rest.length === 0 ? 2 : 0;
    }
    if (subcommands.length > 0) {
      process.stderr.write(`ganbench ${name}: '${rest[0] ?? ''}' is not a ${name} command; allowed: ${subcommands.map((c) => c.split(' ')[1]).join(', ')}\n`);
      return 2;
    }
    process.stderr.write(`ganbench: unknown command '${name}'; allowed: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    const { flags, positional } = parseFlags(rest, command.flags);
    if (flags.help) {
      out(helpText(commandName, command.args, command.summary, command.flags));
      return 0;
    }
    // bin/ganbench.js sets process.exitCode to this, so a code is returned, never set on the side.
    const code = await command.run(flags, positional);
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`ganbench ${commandName}: ${message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
