import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendTrialRecord } from '@ganbench/study-folder';
import { exampleTrialRecord } from '@ganbench/study-folder/testing';
import { describe, expect, it } from 'vitest';
import { runCli as run } from './testing/runCli.js';

/** Runs the CLI in this process and returns its exit code and what it printed. */

/** Every command, read from the top-level help. */
async function commands(): Promise<string[]> {
  const { stdout } = await run('--help');
  return [...stdout.matchAll(/^ {2}(\S+(?: [a-z]+)?) {2,}/gm)].map((m) => m[1] as string);
}

/** A value of the kind the usage placeholder names. */
const sample = (placeholder: string | undefined) =>
  placeholder === undefined ? [] : placeholder === 'N' ? ['1'] : placeholder === 'X' ? ['0.5'] : placeholder === 'NAME=VALUE' ? ['a=1'] : ['x'];

describe('the CLI help is generated from the flag specs the parser uses', () => {
  it('lists every command, and `toy`, `features` and `mlflow` list their subcommands', async () => {
    const names = await commands();
    expect(names).toEqual(expect.arrayContaining(['info', 'bench', 'sweep', 'report', 'quick', 'toy dirac', 'toy mixture', 'features train', 'mlflow sync']));
    for (const group of ['toy', 'features', 'mlflow']) {
      const { code, stdout } = await run(group, '--help');
      expect(code, group).toBe(0);
      for (const name of names.filter((n) => n.startsWith(`${group} `))) expect(stdout).toContain(`  ${name} `);
    }
  });

  it('every flag `--help` lists is accepted by the parser and appears in the usage line; no other flag is', async () => {
    for (const name of await commands()) {
      const { code, stdout } = await run(...name.split(' '), '--help');
      expect(code, name).toBe(0);
      const [usage, options] = stdout.split('\nOptions:\n') as [string, string];
      const flags = [...options.matchAll(/^ {2}--([a-z0-9-]+)(?: (\S+))?/gm)].map((m) => ({ flag: m[1] as string, placeholder: m[2] }));
      expect(flags.length, name).toBeGreaterThan(0);
      for (const { flag, placeholder } of flags) {
        if (flag !== 'help') expect(usage, `${name} --${flag}`).toContain(`[--${flag}${placeholder === undefined ? '' : ` ${placeholder}`}]`);
        // Flags are parsed before --help is acted on: an accepted flag still prints the help.
        expect((await run(...name.split(' '), `--${flag}`, ...sample(placeholder), '--help')).code, `${name} --${flag}`).toBe(0);
      }
      const unknown = await run(...name.split(' '), '--not-a-flag', '--help');
      expect(unknown.code, name).toBe(2);
      expect(unknown.stderr).toContain('unknown flag --not-a-flag; allowed: ');
    }
  });

  it('a flag never takes the next flag as its value, and pair flags take NAME=VALUE', async () => {
    const out = await run('sweep', 'experiments/quick.yaml', '--out', '--no-mlflow');
    expect(out.code).toBe(2);
    expect(out.stderr).toBe('ganbench sweep: --out needs a value\n');
    const pair = await run('toy', 'dirac', '--regularizer', 'r1', '--regularizer-param', 'gamma');
    expect(pair.code).toBe(2);
    expect(pair.stderr).toContain("--regularizer-param: 'gamma' is not allowed; use NAME=VALUE");
    const twice = await run('toy', 'dirac', '--regularizer-param', 'gamma=1', '--regularizer-param', 'gamma=2');
    expect(twice.stderr).toContain("--regularizer-param: 'gamma' is given twice");
  });

  it('toy dirac --json echoes the configuration by the names a study file uses; --regularizer repeats, REGULARIZER.PARAM targets one', async () => {
    const { code, stdout } = await run(
      'toy',
      'dirac',
      '--backend',
      'cpu',
      '--loss',
      'minimax',
      '--regularizer',
      'r1',
      '--regularizer',
      'r2',
      '--regularizer-param',
      'r1.gamma=0.3',
      '--regularizer-param',
      'r2.gamma=0.1',
      '--regularizer-param',
      'every=1',
      '--mode',
      'alt',
      '--n-disc',
      '3',
      '--steps',
      '2',
      '--json',
    );
    expect(code).toBe(0);
    const { config } = JSON.parse(stdout) as { config: Record<string, unknown> };
    expect(config).toMatchObject({
      loss: { name: 'minimax', params: {} },
      regularizers: [
        { name: 'r1', params: { gamma: 0.3, every: 1 } },
        { name: 'r2', params: { gamma: 0.1, every: 1 } },
      ],
      mode: 'alt',
      nDisc: 3,
      steps: 2,
    });
  });
});

describe('ganbench sweep and quick, on bad input', () => {
  it('exit 2 before any work, naming the flag or file and what is allowed', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'ganbench-bad-input-')), 'results');
    for (const command of [['sweep', 'experiments/quick.yaml'], ['quick']])
      for (const workers of ['0', '-1']) {
        const r = await run(...command, '--out', out, '--workers', workers);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toBe(`ganbench ${command[0]}: --workers: '${workers}' is not allowed; use an integer ≥ 1\n`);
      }
    const backend = await run('sweep', 'experiments/quick.yaml', '--out', out, '--backend', 'cuda');
    expect(backend.code).toBe(2);
    expect(backend.stderr).toContain("--backend: 'cuda' is not allowed; allowed: wasm");
    const gpus = await run('sweep', 'experiments/quick.yaml', '--out', out, '--backend', 'cpu', '--gpus', '0');
    expect(gpus.code).toBe(2);
    expect(gpus.stderr).toContain("--backend: 'cpu' cannot be combined with --gpus");
    const missing = await run('sweep', path.join(out, 'missing.yaml'), '--out', out);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${path.join(out, 'missing.yaml')}: cannot read the study`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('ganbench report', () => {
  it('accepts the flags of the command line it writes into report.md', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ganbench-report-'));
    const record = exampleTrialRecord('abc');
    appendTrialRecord(dir, record);
    appendTrialRecord(dir, { ...record, id: 'def', config: { ...record.config, seed: 1 }, best: { modes_covered: 8 } });
    const out = path.join(dir, 'elsewhere');
    const { code, stderr } = await run('report', dir, '--out', out, '--seed', '3', '--bootstrap-samples', '20');
    expect(code, stderr).toBe(0);
    const written = readFileSync(path.join(out, 'report.md'), 'utf8');
    const command = /`(ganbench report [^`]+)`/.exec(written)?.[1] as string;
    expect(command).toContain('--seed 3 --bootstrap-samples 20');
    expect(existsSync(path.join(dir, 'report.md'))).toBe(false);
    const again = await run(...command.split(' ').slice(1));
    expect(again.code, again.stderr).toBe(0);
  });
});
