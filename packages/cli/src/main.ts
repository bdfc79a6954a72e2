import { BACKEND_NAMES, type BackendName, backendInfo, initBackend, isBackendName, MAX_WASM_THREADS, resolveBackendName, resolveThreads } from '@ganbench/core';
import { defaultBenchBackends, formatTable, runDcganBench } from '@ganbench/bench';
import { type FlagSpec, helpText, type ParsedFlags, parseFlags, UsageError } from './args.js';

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
  await initBackend(resolveBackendName(flags.backend as string | undefined), {
    threads: resolveThreads(flags.threads as number | undefined),
  });
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

async function bench(flags: ParsedFlags): Promise<void> {
  const backends = flags.backends === undefined ? defaultBenchBackends() : parseBackendList(flags.backends as string);
  const rows = await runDcganBench({
    backends,
    steps: (flags.steps as number | undefined) ?? 20,
    warmup: (flags.warmup as number | undefined) ?? 3,
    threads: resolveThreads(flags.threads as number | undefined),
    torch: !flags['no-torch'],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (flags.json) for (const row of rows) out(JSON.stringify(row));
  else out(formatTable(rows));
}

/** The job a fresh clone runs: what the machine is, then the benchmark (later issues make it the quick sweep). */
async function quick(flags: ParsedFlags): Promise<void> {
  await info({ backend: flags.backend, threads: flags.threads });
  out('');
  await bench({
    steps: flags.steps ?? 5,
    warmup: 1,
    backends: flags.backends,
    threads: flags.threads,
  });
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
    usage: 'ganbench bench [--backends LIST] [--threads N] [--steps N] [--warmup N] [--no-torch] [--json]',
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
      json: {
        kind: 'boolean',
        description: 'one JSON object per line: name, backend, median_ms, yardstick, yardstick_ms, ratio',
      },
      help: helpFlag,
    },
    run: bench,
  },
  quick: {
    usage: 'ganbench quick [--backend NAME] [--threads N] [--steps N]',
    summary: 'The set-up check a fresh clone runs: `ganbench info`, then a short `ganbench bench`.',
    flags: {
      backend: backendFlag,
      threads: threadsFlag,
      backends: { kind: 'string', description: 'backends to time' },
      steps: { kind: 'integer', description: 'timed steps', default: '5' },
      help: helpFlag,
    },
    run: quick,
  },
};

function topHelp(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary.split('. ')[0]}`);
  return ['Usage: ganbench <command> [options]', '', 'Commands:', ...rows, '', 'Run `ganbench <command> --help` for its options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(topHelp());
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
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
