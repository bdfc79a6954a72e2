import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pngSize } from '@ganbench/report/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeStudyReport } from './report.js';
import { HAND_STUDY, jsonLines, trialRecord, writeSyntheticStudy } from './testStudy.js';

/** Lets a test make the n-th figure write fail, as a rendering error would, through the real writePlot otherwise. */
const failing = vi.hoisted(() => ({ atCall: Number.POSITIVE_INFINITY, calls: 0 }));
vi.mock('../render.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../render.js')>();
  return {
    ...original,
    writePlot: async (...args: Parameters<typeof original.writePlot>) => {
      failing.calls += 1;
      if (failing.calls >= failing.atCall) throw new Error('injected rendering failure');
      return original.writePlot(...args);
    },
  };
});

const FIGURES = ['boxplot-ring-mlp', 'budget-cell-ring-mlp', 'budget-loss-ring-mlp', 'training-losses-ring-mlp', 'training-metric-ring-mlp'];

/** Every file under a folder with its bytes, to compare a report before and after. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = (await readFile(file)).toString('base64');
  }
  return out;
}

describe('writeStudyReport', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const scratch = async (): Promise<string> => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ganbench-report-study-'));
    dirs.push(dir);
    return dir;
  };

  it("shows each cell's best trial's last sample grid, copied into figures/", async () => {
    const root = await scratch();
    const studyDir = path.join(root, 'synthetic');
    await writeSyntheticStudy(studyDir, HAND_STUDY);
    const best = (await writeStudyReport(studyDir, { bootstrapSamples: 20 })).groups[0]?.cells.find((c) => c.bestTrial)?.bestTrial?.id as string;
    const samples = path.join(studyDir, 'trials', best, 'artifacts', 'samples');
    await mkdir(samples, { recursive: true });
    await writeFile(path.join(samples, 'step-000010.png'), 'early');
    await writeFile(path.join(samples, 'step-000020.png'), 'last');
    const report = await writeStudyReport(studyDir, { bootstrapSamples: 20 });
    const markdown = await readFile(report.reportPath, 'utf8');
    expect(markdown).toContain('Samples of the best trials');
    const link = /!\[[^\]]*\]\(figures\/(samples-[^)]+\.png)\)/.exec(markdown)?.[1] as string;
    expect(await readFile(path.join(studyDir, 'figures', link), 'utf8')).toBe('last');
    expect(markdown).toContain(`(\`${best}\`)`);
  });

  it('writes report.md with the tables, linked figures (valid PNGs), every trial and the command', async () => {
    const root = await scratch();
    const studyDir = path.join(root, 'synthetic');
    const out = path.join(root, 'reference');
    await writeSyntheticStudy(studyDir, HAND_STUDY);
    const report = await writeStudyReport(studyDir, {
      seed: 3,
      bootstrapSamples: 200,
      out,
      command: 'ganbench report results/synthetic --out results/reference',
    });

    expect(report.reportPath).toBe(path.join(out, 'report.md'));
    expect((await readdir(studyDir)).sort()).toEqual(['study.json', 'trials', 'trials.jsonl']); // --out leaves the study alone
    expect((await readdir(out)).sort()).toEqual(['figures', 'report.md']); // no staging folder or temp file left
    expect((await readdir(path.join(out, 'figures'))).sort()).toEqual(FIGURES.flatMap((name) => [`${name}.png`, `${name}.svg`, `${name}.vl.json`]).sort());
    for (const name of FIGURES) {
      const png = await readFile(path.join(out, 'figures', `${name}.png`));
      const svg = await readFile(path.join(out, 'figures', `${name}.svg`), 'utf8');
      const svgWidth = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
      const size = pngSize(png); // throws unless the PNG signature is there
      expect(size.width).toBe(Math.round(2 * svgWidth));
      expect(size.width).toBeGreaterThan(300);
      expect(size.height).toBeGreaterThan(200);
      expect(png.length).toBeGreaterThan(5000);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }

    const markdown = await readFile(report.reportPath, 'utf8');
    expect(markdown).toMatch(/^# GAN study report: synthetic\n/);
    expect(markdown).toContain('- Trials: 12 (9 finished, 2 diverged, 1 failed)');
    expect(markdown).toContain('- Primary metric: `fid`, lower is better');
    expect(markdown).toContain('`ganbench report results/synthetic --out results/reference`');
    expect(markdown).toContain('| non-saturating | **20** / **25** (3) | ***18*** / ***20*** (2) |');
    expect(markdown).toContain('| wasserstein | 2 / 1 / 1 (of 4) | 0 / 0 / 0 (of 3) |');
    for (const trial of HAND_STUDY) expect(markdown).toContain(`| \`${trial.id}\` |`);
    expect(markdown).toContain('- `w-none-4`: worker crashed');
    const links = [...markdown.matchAll(/\]\((figures\/[^)]+)\)/g)].map((match) => match[1] as string);
    expect(new Set(links)).toEqual(new Set(FIGURES.flatMap((name) => [`figures/${name}.png`, `figures/${name}.svg`, `figures/${name}.vl.json`])));

    const spec = JSON.parse(await readFile(path.join(out, 'figures', 'budget-loss-ring-mlp.vl.json'), 'utf8'));
    const first = spec.data.values.find((row: { series: string; k: number }) => row.series === 'non-saturating' && row.k === 1);
    // k = 1 is one draw: its mean estimates the mean of the loss's five values (30, 20, 25, 18, 22 → 23).
    expect(first.mean).toBeGreaterThan(21.5);
    expect(first.mean).toBeLessThan(24.5);
  });

  it('leaves the previous report whole when rendering fails, and replaces it whole when it succeeds', async () => {
    const studyDir = path.join(await scratch(), 'synthetic');
    await writeSyntheticStudy(studyDir, HAND_STUDY.slice(0, 5));
    await writeStudyReport(studyDir, { bootstrapSamples: 50 });
    const before = await snapshot(studyDir);
    expect(Object.keys(before)).toContain('report.md');

    await appendFile(path.join(studyDir, 'trials.jsonl'), jsonLines(HAND_STUDY.slice(5).map(trialRecord)));
    const withNewTrials = await snapshot(studyDir);
    failing.calls = 0;
    failing.atCall = 3;
    try {
      await expect(writeStudyReport(studyDir, { bootstrapSamples: 50 })).rejects.toThrow('injected rendering failure');
    } finally {
      failing.atCall = Number.POSITIVE_INFINITY;
    }
    expect(await snapshot(studyDir)).toEqual(withNewTrials);
    expect((await readdir(studyDir)).sort()).toEqual(['figures', 'report.md', 'study.json', 'trials', 'trials.jsonl']);

    await writeStudyReport(studyDir, { bootstrapSamples: 50 });
    const markdown = await readFile(path.join(studyDir, 'report.md'), 'utf8');
    expect(markdown).toContain('- Trials: 12 (9 finished, 2 diverged, 1 failed)');
    expect(markdown).toContain(`\`ganbench report ${studyDir} --bootstrap-samples 50\``);
  });

  it('refuses bad options before reading or writing anything', async () => {
    const studyDir = await scratch();
    await expect(writeStudyReport(studyDir, { bootstrapSamples: 0 })).rejects.toThrow(/bootstrapSamples must be a positive integer; got 0/);
    await expect(writeStudyReport(studyDir, { seed: 1.5 })).rejects.toThrow(/seed must be an integer/);
    expect(await readdir(studyDir)).toEqual([]);
  });
});
