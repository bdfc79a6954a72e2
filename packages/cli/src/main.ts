import path from 'node:path';
import {
  BENCH_DCGAN,
  BENCHED_ARCHITECTURES,
  createArchitectureStep,
  defaultBenchBackends,
  formatTable,
  type KernelTime,
  profileDcganStep,
  profileStep,
  runArchitectureBench,
  runDcganBench,
  runDiracStudyBench,
  runFidBench,
  runPrecisionRecallBench,
} from '@ganbench/bench';
import { BACKEND_NAMES, type BackendName, backendInfo, isBackendName, MAX_WASM_THREADS, resolveThreads } from '@ganbench/core';
import { DIRAC_OPTIMIZERS, MIXTURE_DEFAULTS } from '@ganbench/toy-problems';
import { type FlagSpec, helpText, initBackendFromFlags, type ParsedFlags, parseFlags, UsageError } from './args.js';
import { featuresTrain, fidCommand } from './features.js';
import { formatEntries, registryEntries } from './registry.js';
import { scaffoldLoss } from './scaffold.js';
import { diracStudyOnce, mlflowSyncCommand, reportCommand, sweepCommand } from './study.js';
import { toyDirac, toyDivergences, toyMixture } from './toy.js';

interface Command {
  usage: string;
  summary: string;
  flags: FlagSpec;
  run(flags: ParsedFlags, positional: string[]): Promise<void>;
}

const backendFlag = {
  kind: 'string',
  description: `tensor backend: ${BACKEND_NAMES.join(', ')} (or GANBENCH_BACKEND)`,
  default: 'wasm',
} as const;
const threadsFlag = {
  kind: 'integer',
  description: `wasm XNNPACK threads, 1 to ${MAX_WASM_THREADS} (or GANBENCH_THREADS)`,
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
  out(`threads            ${i.threads.used} of ${i.threads.available} cores: ${i.threads.note}`);
  out(`cpu                ${i.cpus.count} × ${i.cpus.model}`);
  for (const [pkg, version] of Object.entries(i.optionalBackends)) out(`optional backend   ${pkg}: ${version ?? 'not installed'}`);
}

/** Per-kernel time of the benchmark's DCGAN step (each penalty setting), or of `--architecture NAME`'s step, on the one backend selected. */
async function profile(flags: ParsedFlags): Promise<void> {
  const steps = (flags.steps as number | undefined) ?? 5;
  const warmup = (flags.warmup as number | undefined) ?? 3;
  const architecture = flags.architecture as string | undefined;
  if (architecture !== undefined && !(BENCHED_ARCHITECTURES as readonly string[]).includes(architecture))
    throw new UsageError(`--architecture: '${architecture}' is not allowed; allowed: ${BENCHED_ARCHITECTURES.join(', ')}`);
  const backend = await initBackendFromFlags(flags);
  const runs: { name: string; kernels: () => Promise<KernelTime[]> }[] =
    architecture === undefined
      ? (['none', 'gp'] as const).map((penalty) => ({
          name: penalty === 'none' ? 'dcgan-step' : 'dcgan-step+gp',
          kernels: () => profileDcganStep({ ...BENCH_DCGAN, penalty }, steps, warmup),
        }))
      : [
          {
            name: `${architecture}-step`,
            kernels: async () => {
              const { step, dispose } = createArchitectureStep(architecture);
              try {
                return await profileStep(step, steps, warmup);
              } finally {
                dispose();
              }
            },
          },
        ];
  for (const run of runs) {
    const kernels = await run.kernels();
    if (flags.json) {
      for (const k of kernels) out(JSON.stringify({ name: run.name, backend, ...k }));
      continue;
    }
    out(`${run.name} on ${backend}, ms per step by kernel (tf.profile):`);
    for (const k of kernels.slice(0, 12)) out(`  ${k.kernel.padEnd(24)} ${k.ms_per_step.toFixed(1).padStart(8)}  ${(100 * k.share).toFixed(1).padStart(5)}%`);
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

/** The job a fresh clone runs: the quick sweep (5 losses × 4 regularizers × 2 seeds on the 2-D ring), its report, and the Dirac-GAN study. */
async function quick(flags: ParsedFlags): Promise<void> {
  const started = performance.now();
  const { run, interrupted } = await sweepCommand(flags, [QUICK_STUDY], out);
  if (interrupted) return;
  await diracStudyOnce(QUICK_DIRAC_STUDY, path.join(run.dir, 'dirac'), flags, out);
  out(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; \`pnpm ganbench sweep experiments/<study>.yaml\` runs any other study`);
}

const pluginFlag = { kind: 'string', description: 'comma-separated plugin paths or package names (workspace plugins load by themselves)' } as const;

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

const regularizerFlags = {
  gamma: { kind: 'number', description: 'γ of r1/r2' },
  clip: { kind: 'number', description: 'c of weight-clipping' },
  lambda: { kind: 'number', description: 'λ of gradient-penalty/dragan' },
  target: { kind: 'number', description: 'target norm of gradient-penalty' },
  sigma: { kind: 'number', description: 'σ of instance-noise' },
} as const;

function sweepFlags(): FlagSpec {
  return {
    workers: { kind: 'integer', description: 'worker processes', default: 'one per core' },
    gpus: { kind: 'string', description: 'pin worker i to GPU i (CUDA_VISIBLE_DEVICES) with the tensorflow-gpu backend, e.g. 0,1' },
    out: { kind: 'string', description: 'results root; the study goes to <out>/<study>/', default: 'results' },
    backend: backendFlag,
    'no-mlflow': { kind: 'boolean', description: 'keep results local (no MLflow runs)' },
    'no-report': { kind: 'boolean', description: 'do not write report.md and figures at the end' },
    plugin: pluginFlag,
    help: helpFlag,
  };
}

const COMMANDS: Record<string, Command> = {
  info: {
    usage: 'ganbench info [--backend NAME] [--threads N] [--json]',
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
    usage:
      'ganbench bench [--backends LIST] [--threads N] [--steps N] [--warmup N] [--no-torch] [--no-architectures] [--no-dirac] [--no-metrics] [--json] | --profile [--architecture NAME] [--backend NAME]',
    summary:
      'Times one DCGAN training step (D step + G step, Adam, batch 64, 28×28×1) without and with WGAN-GP on each backend, median over the steps, and the same model in PyTorch in the same run when python3 with torch is found.',
    flags: {
      backends: {
        kind: 'string',
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
      profile: { kind: 'boolean', description: 'instead: ms per step in each tfjs kernel (tf.profile) on --backend; --steps defaults to 5' },
      architecture: { kind: 'string', description: `with --profile: that architecture's bench step instead of DCGAN's (${BENCHED_ARCHITECTURES.join(', ')})` },
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
    usage: 'ganbench list losses|regularizers|architectures [--json] [--plugin LIST]',
    summary: 'Every registered loss, regularizer or architecture (plugins included) with its kind, reference and hyperparameters or options with defaults.',
    flags: { json: { kind: 'boolean', description: 'one JSON array of {name, kind, params}' }, plugin: pluginFlag, help: helpFlag },
    run: list,
  },
  new: {
    usage: 'ganbench new loss <name> [--dir PATH]',
    summary:
      'Scaffolds a loss plugin package (default packages/loss-<name>): the function pair, its registry entry, a test that fails until the math is right, and a README.',
    flags: { dir: { kind: 'string', description: 'where to write it', default: 'packages/loss-<name>' }, help: helpFlag },
    run: create,
  },
  'toy dirac': {
    usage:
      'ganbench toy dirac [--loss L] [--reg R] [--gamma G] [--clip C] [--lambda λ] [--sigma S] [--optimizer gd|consensus] [--mode sim|alt] [--d-steps K] [--lr H] [--steps N] [--init THETA,PSI] [--seed S] [--json] | --study FILE [--out DIR]',
    summary:
      'The Dirac-GAN of Mescheder et al. 2018 on any registered loss and regularizer: gradient steps from (θ, ψ), printed as a summary or, with --json, {config, trajectory, eigenvalues, final_distance}; --study runs a study file and writes plots and summary.md.',
    flags: {
      loss: { kind: 'string', description: 'registered loss', default: 'non-saturating' },
      reg: { kind: 'string', description: 'none or a registered regularizer', default: 'none' },
      ...regularizerFlags,
      gamma: { kind: 'number', description: 'γ of r1/r2, or of consensus with --optimizer consensus' },
      optimizer: { kind: 'string', description: `${DIRAC_OPTIMIZERS.join(' or ')}: consensus also descends γ/2‖v‖² (Mescheder et al. 2017)`, default: 'gd' },
      mode: { kind: 'string', description: 'sim (simultaneous) or alt (alternating)', default: 'sim' },
      'd-steps': { kind: 'integer', description: 'discriminator steps per generator step in alt mode', default: '1' },
      lr: { kind: 'number', description: 'step size h', default: '0.2' },
      steps: { kind: 'integer', description: 'generator steps', default: '500' },
      init: { kind: 'string', description: 'starting point THETA,PSI', default: '1,1' },
      seed: { kind: 'integer', description: 'seed of the noise a regularizer draws', default: '0' },
      json: { kind: 'boolean', description: 'print {config, trajectory, eigenvalues, final_distance}' },
      study: { kind: 'string', description: 'run every configuration of a study file (e.g. experiments/dirac.yaml) and write plots and summary.md' },
      out: { kind: 'string', description: 'where --study writes', default: 'results/dirac' },
      plugin: pluginFlag,
      backend: backendFlag,
      threads: threadsFlag,
      help: helpFlag,
    },
    run: (flags) => toyDirac(flags, out),
  },
  'toy divergences': {
    usage: 'ganbench toy divergences [--out DIR]',
    summary: "JSD, KL and W₁ between δ₀ and δ_θ for θ from −2 to 2 (the lectures' motivating example), plotted and written as JSON.",
    flags: { out: { kind: 'string', description: 'where to write', default: 'results/divergences' }, help: helpFlag },
    run: (flags) => toyDivergences(flags, out),
  },
  'toy mixture': {
    usage:
      'ganbench toy mixture [--dataset ring|grid] [--loss L] [--reg R] [--gamma G] [--clip C] [--lambda λ] [--sigma S] [--steps N] [--d-steps K] [--lr A] [--batch-size B] [--snapshots K] [--g-width W] [--g-depth L] [--d-width W] [--d-depth L] [--activation A] [--seed S] [--out DIR] [--json]',
    summary:
      'A GAN of MLPs on a 2-D Gaussian mixture (Metz et al. 2017) with any loss × regularizer: scatter snapshots over training (real in grey, fake in colour) and, per snapshot, modes covered, high-quality samples and the 2-D Fréchet distance.',
    flags: {
      dataset: {
        kind: 'string',
        description: 'ring (8 Gaussians, radius 2, σ 0.02) or grid (25 Gaussians, spacing 2, σ 0.05)',
        default: MIXTURE_DEFAULTS.dataset,
      },
      loss: { kind: 'string', description: 'registered loss', default: MIXTURE_DEFAULTS.loss },
      reg: { kind: 'string', description: 'none or a registered regularizer', default: 'none' },
      ...regularizerFlags,
      steps: { kind: 'integer', description: 'generator steps', default: String(MIXTURE_DEFAULTS.steps) },
      'd-steps': { kind: 'integer', description: 'discriminator steps per generator step', default: String(MIXTURE_DEFAULTS.dSteps) },
      lr: { kind: 'number', description: 'Adam learning rate of both players (β₁ 0.5, β₂ 0.999)', default: String(MIXTURE_DEFAULTS.lr) },
      'batch-size': { kind: 'integer', description: 'real and fake samples per step', default: String(MIXTURE_DEFAULTS.batchSize) },
      snapshots: { kind: 'integer', description: 'snapshots spread over training', default: String(MIXTURE_DEFAULTS.snapshots) },
      'eval-samples': { kind: 'integer', description: 'generated samples per snapshot', default: String(MIXTURE_DEFAULTS.evalSamples) },
      'g-width': { kind: 'integer', description: 'units per hidden layer of the generator MLP', default: '128' },
      'g-depth': { kind: 'integer', description: 'hidden layers of the generator MLP', default: '3' },
      'd-width': { kind: 'integer', description: 'units per hidden layer of the discriminator MLP', default: '256' },
      'd-depth': { kind: 'integer', description: 'hidden layers of the discriminator MLP', default: '4' },
      activation: { kind: 'string', description: 'hidden activation of both MLPs: relu, leaky-relu, tanh, elu', default: 'relu' },
      seed: { kind: 'integer', description: 'seed of initialization, data and noise', default: '0' },
      out: { kind: 'string', description: 'where to write', default: 'results/mixture/<dataset>-<loss>-<reg>' },
      json: { kind: 'boolean', description: 'print the metrics per snapshot as one JSON object' },
      plugin: pluginFlag,
      backend: backendFlag,
      threads: threadsFlag,
      help: helpFlag,
    },
    run: (flags) => toyMixture(flags, out),
  },
  fid: {
    usage: 'ganbench fid --features A B [--json] | --dataset D [--split S] [--vs test|train|noise] [--limit N] [--json]',
    summary:
      "Fréchet distance between two feature files (.npy samples × dimensions, or .npz statistics with mu and sigma as pytorch-fid saves them), or the classifier-FID of a real split against another split or noise in the shipped classifier's feature space.",
    flags: {
      features: { kind: 'string', description: 'first of two feature files; the second follows it' },
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
    usage:
      'ganbench features train [--dataset fashion-mnist|mnist] [--epochs N] [--batch-size B] [--lr A] [--seed S] [--shift P] [--rotate DEG] [--dropout R] [--lr-decay constant|cosine] [--out PATH]',
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
      out: { kind: 'string', description: 'weights file', default: 'packages/metrics/weights/<dataset>-classifier.safetensors' },
      backend: backendFlag,
      threads: threadsFlag,
      help: helpFlag,
    },
    run: (flags) => featuresTrain(flags, out),
  },
  sweep: {
    usage: 'ganbench sweep FILE [--workers N] [--gpus 0,1,…] [--out DIR] [--backend NAME] [--no-mlflow] [--no-report] [--plugin LIST]',
    summary:
      'Runs a study file: every trial not yet finished (interrupted ones resume from their checkpoint) in a pool of worker processes, results in results/<study>/, each trial a child run in MLflow (MLFLOW_TRACKING_URI; default ./mlruns), then the report.',
    flags: sweepFlags(),
    run: async (flags, positional) => {
      const { interrupted } = await sweepCommand(flags, positional, out);
      if (interrupted) process.exitCode = 130;
    },
  },
  report: {
    usage: 'ganbench report DIR',
    summary:
      'Writes DIR/report.md and DIR/figures/ from a study results folder: the Kurach-style table, box plots, best-of-k budget curves and training curves.',
    flags: { help: helpFlag },
    run: (_flags, positional) => reportCommand(positional, out),
  },
  'mlflow sync': {
    usage: 'ganbench mlflow sync DIR',
    summary:
      'Replays a study results folder into MLflow (MLFLOW_TRACKING_URI; default ./mlruns): only what the tracker has not seen, found again by the config-hash tags.',
    flags: { help: helpFlag },
    run: (_flags, positional) => mlflowSyncCommand(positional, out),
  },
  quick: {
    usage: 'ganbench quick [--workers N] [--backend NAME] [--no-mlflow]',
    summary: `What \`pnpm start\` runs: the sweep ${QUICK_STUDY} (5 losses × 4 regularizers × 2 seeds on the 2-D ring) with its report, then the Dirac-GAN study ${QUICK_DIRAC_STUDY}; a rerun does no work.`,
    flags: sweepFlags(),
    run: quick,
  },
};

function topHelp(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary.split(/\. (?=[A-Z`])/)[0]}`);
  return ['Usage: ganbench <command> [options]', '', 'Commands:', ...rows, '', 'Run `ganbench <command> --help` for its options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(topHelp());
    return name === undefined ? 1 : 0;
  }
  // Two-word commands ('toy dirac') have flags of their own.
  const twoWords = rest[0] !== undefined && COMMANDS[`${name} ${rest[0]}`] !== undefined;
  const command = twoWords ? COMMANDS[`${name} ${rest.shift()}`] : COMMANDS[name];
  if (command === undefined) {
    const subcommands = Object.keys(COMMANDS).filter((c) => c.startsWith(`${name} `));
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
      out(helpText(command.usage, command.summary, command.flags));
      return 0;
    }
    await command.run(flags, positional);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`ganbench ${name}: ${message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
