import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README stays short and every topic has one page under docs/ (issue 14). These checks keep it so.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = 'README.md';
const README_LIMIT = 12_288;
const LINE_LIMIT = 400;
const DOC_PAGES = [
  'studies.md',
  'mlflow.md',
  'clusters.md',
  'report.md',
  'losses-and-regularizers.md',
  'architectures.md',
  'toy-problems.md',
  'metrics-and-datasets.md',
  'backends.md',
  'benchmarks.md',
  'development.md',
];
const SETUP_COMMANDS = [
  'npx --yes pnpm@10.34.8 install --frozen-lockfile && npx --yes pnpm@10.34.8 start',
  'npx --yes pnpm@10.34.8 install --frozen-lockfile && npx --yes pnpm@10.34.8 test',
];

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

function docsPages(): string[] {
  const dir = path.join(ROOT, 'docs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
}

/** The READMEs of the workspace packages and of the top-level folders that have one. */
function packageReadmes(): string[] {
  const found: string[] = [];
  for (const name of readdirSync(path.join(ROOT, 'packages')).sort()) {
    const file = `packages/${name}/README.md`;
    if (existsSync(path.join(ROOT, file))) found.push(file);
  }
  for (const folder of ['toy-problems', 'experiments', 'results', 'bench', 'test']) {
    const file = `${folder}/README.md`;
    if (existsSync(path.join(ROOT, file))) found.push(file);
  }
  return found;
}

/** Every line with its 1-based number and whether it lies inside a fenced code block (fences count as code). */
function markdownLines(text: string): { line: string; number: number; code: boolean }[] {
  let fence: string | null = null;
  return text.split('\n').map((line, i) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === null) fence = marker[0] as string;
      else if (marker[0] === fence) fence = null;
      return { line, number: i + 1, code: true };
    }
    return { line, number: i + 1, code: fence !== null };
  });
}

/** Lines outside fenced code blocks. */
const proseLines = (text: string) => markdownLines(text).filter((l) => !l.code);

/** The cells of a table row, split at pipes that are not escaped (`\|`) and not inside inline code. */
function tableCells(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let inCode = false;
  for (let i = 0; i < row.length; i++) {
    const ch = row[i] as string;
    if (ch === '\\' && row[i + 1] === '|') {
      cell += '\\|';
      i++;
    } else if (ch === '`') {
      inCode = !inCode;
      cell += ch;
    } else if (ch === '|' && !inCode) {
      cells.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
  }
  cells.push(cell);
  // a row written `| a | b |` has empty text before the first pipe and after the last
  return cells.slice(1, row.trimEnd().endsWith('|') ? -1 : undefined);
}

/**
 * Why a table row looks padded to column width, or null. Padding shows as a cell that starts or ends
 * with two or more spaces (`| a     |`, `|     1.5 |`), or a delimiter row whose dashes are stretched to
 * the width of the column (`| ------- |` instead of `| --- |`).
 */
function paddingIn(row: string): string | null {
  const cells = tableCells(row.trim());
  const isDelimiter = cells.length > 0 && cells.every((c) => /^\s*:?-+:?\s*$/.test(c));
  for (const cell of cells) {
    if (/^ {2,}\S/.test(cell) || /\S {2,}$/.test(cell) || /^ {3,}$/.test(cell)) return `cell '${cell}' is padded with spaces`;
    if (isDelimiter && /-{4,}/.test(cell)) return `delimiter '${cell.trim()}' is stretched to the column width (write ---)`;
  }
  return null;
}

/** Relative link targets of a markdown file (inline links and images, and src/href of HTML), outside code. */
function relativeLinks(text: string): string[] {
  const targets: string[] = [];
  for (const { line } of proseLines(text)) {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1] as string);
    for (const m of prose.matchAll(/\b(?:src|href)="([^"]+)"/g)) targets.push(m[1] as string);
  }
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'));
}

function linkedFiles(file: string): Set<string> {
  const dir = path.dirname(path.join(ROOT, file));
  return new Set(relativeLinks(read(file)).map((t) => path.relative(ROOT, path.resolve(dir, decodeURI(t.replace(/[#?].*$/, ''))))));
}

describe('README.md and docs/', () => {
  it(`README.md is at most ${README_LIMIT} bytes`, () => {
    expect(statSync(path.join(ROOT, README)).size).toBeLessThanOrEqual(README_LIMIT);
  });

  it('README.md keeps the two set-up commands verbatim, each in a code block', () => {
    const codeLines = markdownLines(read(README))
      .filter((l) => l.code)
      .map((l) => l.line.trim());
    for (const command of SETUP_COMMANDS) expect(codeLines).toContain(command);
  });

  it('docs/ has one page per topic, and README.md links every page', () => {
    const pages = docsPages();
    expect(pages).toEqual(expect.arrayContaining(DOC_PAGES.map((p) => `docs/${p}`)));
    const linked = linkedFiles(README);
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });

  it(`no line of README.md or docs/*.md is over ${LINE_LIMIT} characters outside code blocks`, () => {
    const long: string[] = [];
    for (const file of [README, ...docsPages()]) {
      for (const { line, number } of proseLines(read(file))) if ([...line].length > LINE_LIMIT) long.push(`${file}:${number} (${[...line].length} characters)`);
    }
    expect(long).toEqual([]);
  });

  it('markdown tables in README.md and docs/*.md are not padded to column width', () => {
    const padded: string[] = [];
    for (const file of [README, ...docsPages()]) {
      for (const { line, number } of proseLines(read(file))) {
        if (!line.trimStart().startsWith('|')) continue;
        const why = paddingIn(line);
        if (why !== null) padded.push(`${file}:${number}: ${why}`);
      }
    }
    expect(padded).toEqual([]);
  });

  it('every relative link in README.md, docs/*.md and the package READMEs points to a file that exists', () => {
    const broken: string[] = [];
    for (const file of [README, ...docsPages(), ...packageReadmes()]) {
      for (const target of linkedFiles(file)) if (!existsSync(path.join(ROOT, target))) broken.push(`${file} → ${target}`);
    }
    expect(broken).toEqual([]);
  });
});

describe("README.md's study example", () => {
  it('is a valid study with the trial count the README gives (checked by ganbench sweep --slurm --dry-run, which runs nothing)', () => {
    const readme = readFileSync(path.join(ROOT, README), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml, 'a ```yaml block in README.md').toBeDefined();
    const said = /= (\d+) trials\)/.exec(readme)?.[1];
    expect(said, 'README.md says "= N trials)" of its example').toBeDefined();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ganbench-readme-study-'));
    try {
      const file = path.join(dir, 'example.yaml');
      writeFileSync(file, yaml as string);
      const bin = path.join(ROOT, 'packages/cli/bin/ganbench.js');
      const r = spawnSync(process.execPath, [bin, 'sweep', file, '--slurm', '--dry-run', '--out', path.join(dir, 'out')], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^study [\\w-]+: ${said} trials,`, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the checks themselves', () => {
  it('see padding, and leave compact tables and code spans with pipes alone', () => {
    expect(paddingIn('| loss   | FID |')).not.toBeNull();
    expect(paddingIn('|   1.5 | 2 |')).not.toBeNull();
    expect(paddingIn('| ----- | --- |')).not.toBeNull();
    expect(paddingIn('| a | b |')).toBeNull();
    expect(paddingIn('| --- | ---: |')).toBeNull();
    expect(paddingIn('| `ganbench list losses\\|regularizers` | `a  b` |')).toBeNull();
    expect(paddingIn('| x | `a | b` |')).toBeNull();
  });

  it('find relative links, not URLs, anchors or code', () => {
    expect(relativeLinks('[a](docs/x.md#y) ![b](r/p.png) [c](https://e.org) [d](#top) `[e](f.md)` <img src="g.png">')).toEqual([
      'docs/x.md#y',
      'r/p.png',
      'g.png',
    ]);
    expect(relativeLinks('```\n[a](inside.md)\n```\n[b](outside.md)')).toEqual(['outside.md']);
  });
});
