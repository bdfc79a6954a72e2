import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellOf, defaultPivot, parsePivot, summarizeStudy } from './cells.js';
import { parseTrialsJsonl } from './records.js';
import { writeStudyReport } from './report.js';
import { kurachTable } from './tables.js';
import { jsonLines, type SyntheticTrial, trialRecord, writeSyntheticStudy } from './testStudy.js';

/**
 * Kurach et al.'s three axes crossed: 2 losses × {none, gradient-penalty} × {none, spectral}, one trial per
 * combination and seed, FID = a value chosen so every table cell's best and median are known by hand.
 */
const CROSSED: SyntheticTrial[] = [];
for (const [loss, l] of [
  ['non-saturating', 0],
  ['wasserstein', 100],
] as const)
  for (const [regularizer, r] of [
    ['none', 0],
    ['gradient-penalty', 10],
  ] as const)
    for (const [normalization, n] of [
      ['none', 0],
      ['spectral', 1],
    ] as const)
      for (const seed of [0, 1])
        CROSSED.push({ id: `${loss}-${regularizer}-${normalization}-${seed}`, loss, regularizer, normalization, seed, best: l + r + n + seed * 2 });

const records = () => parseTrialsJsonl(jsonLines(CROSSED.map(trialRecord)), 'trials.jsonl');

describe('the report pivots on any two axes with the third as panels', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('a study crossing regularizers with normalizations gets loss × regularizers, one table per normalization', () => {
    expect(defaultPivot(records())).toEqual({ rows: 'loss', columns: 'regularizers', panels: 'normalization' });
    const groups = summarizeStudy(records());
    expect(groups.map((g) => g.panel)).toEqual(['none', 'spectral']);
    const spectral = groups[1];
    if (spectral === undefined) throw new Error('no spectral panel');
    // wasserstein + gradient-penalty + spectral: FID 111 (seed 0) and 113 (seed 1): best 111, median 112.
    expect(cellOf(spectral, 'wasserstein', 'gradient-penalty')).toMatchObject({ best: 111, median: 112 });
    expect(kurachTable(spectral).split('\n')[0]).toBe('| loss ＼ regularizers | none | gradient-penalty |');
  });

  it('any other pivot: normalization rows × loss columns, one table per regularizers', () => {
    const groups = summarizeStudy(records(), undefined, parsePivot('normalization,loss,regularizers'));
    expect(groups.map((g) => g.panel)).toEqual(['none', 'gradient-penalty']);
    const [none] = groups;
    if (none === undefined) throw new Error('no panel');
    expect(none.losses).toEqual(['none', 'spectral']);
    expect(none.regularizers).toEqual(['non-saturating', 'wasserstein']);
    // spectral + non-saturating without a penalty: FID 1 and 3.
    expect(cellOf(none, 'spectral', 'non-saturating')).toMatchObject({ best: 1, median: 2 });
  });

  it('a study that does not cross them keeps one table, each regularization a column (the quick study: penalties and spectral side by side)', () => {
    const sideBySide = records().filter((t) => t.config.regularizers.length === 0 || t.config.normalization.name === 'none');
    const [group, ...rest] = summarizeStudy(sideBySide);
    expect(rest).toEqual([]);
    expect(group?.regularizers).toEqual(['none', 'gradient-penalty', 'spectral norm']);
    expect(group?.pivot).toEqual({ rows: 'loss', columns: 'regularization', panels: null });
  });

  it('refuses a pivot that is not two or three distinct axes, naming what is allowed', () => {
    expect(() => parsePivot('loss')).toThrow("pivot: 'loss' is not allowed; allowed: rows,columns[,panels], each one of loss, regularizers, normalization");
    expect(() => parsePivot('loss,optimizer')).toThrow("pivot: 'optimizer' is not an axis");
    expect(() => parsePivot('loss,loss')).toThrow('names an axis twice');
  });

  it('report.md shows a table per normalization, headed by it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ganbench-pivot-'));
    dirs.push(dir);
    await writeSyntheticStudy(dir, CROSSED);
    await writeStudyReport(dir, { bootstrapSamples: 20 });
    const report = await readFile(path.join(dir, 'report.md'), 'utf8');
    expect(report).toContain('## ring · mlp · normalization none');
    expect(report).toContain('## ring · mlp · normalization spectral');
    expect(report).toContain('### fid per loss and regularizers');
    expect(report.match(/\| loss ＼ regularizers \| none \| gradient-penalty \|/g)).toHaveLength(4); // the table and the failure table, per panel
  }, 120_000);

  it('every committed study, recorded with one regularizer per trial, still loads and renders: spectral-norm reads as spectral normalization', async () => {
    const results = path.join(import.meta.dirname, '..', '..', '..', '..', 'results', 'reference');
    const folders = (await readdir(results)).filter((name) => existsSync(path.join(results, name, 'trials.jsonl')));
    expect(folders.length).toBeGreaterThan(0);
    for (const name of folders) {
      const out = await mkdtemp(path.join(tmpdir(), 'ganbench-reference-'));
      dirs.push(out);
      const lines = (await readFile(path.join(results, name, 'trials.jsonl'), 'utf8')).split('\n').filter((line) => line.trim() !== '');
      // The columns as the records name them: the old single regularizer, spectral-norm being spectral normalization now.
      const expected = new Set(
        lines.map((line) => {
          const { config } = JSON.parse(line) as { config: { regularizer?: { name: string } } };
          const old = config.regularizer?.name ?? '';
          return old === 'spectral-norm' ? 'spectral norm' : old;
        }),
      );
      const { groups } = await writeStudyReport(path.join(results, name), { out, bootstrapSamples: 20 });
      if ([...expected].every((label) => label !== '')) expect(new Set(groups.flatMap((g) => g.regularizers)), name).toEqual(expected);
      expect(await readFile(path.join(out, 'report.md'), 'utf8')).toContain('| loss ＼ regularization |');
    }
  }, 300_000);
});
