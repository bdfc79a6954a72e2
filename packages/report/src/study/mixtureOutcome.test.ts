import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TrialRecord } from '@ganbench/study-folder';
import { describe, expect, it } from 'vitest';
import { orderLosses, orderRegularizers, type StudyGroup, summarizeCell } from './cells.js';
import { classifyCell, mixtureOutcomeLines } from './mixtureOutcome.js';
import { writeStudyReport } from './report.js';
import { writeSyntheticStudy } from './testStudy.js';

interface Run {
  loss: string;
  regularizer: string;
  seed: number;
  modes: number;
  quality: number;
  frechet: number;
  status?: 'finished' | 'diverged' | 'failed';
}

/**
 * A group of cells as summarizeStudy makes them, from records holding only what the outcome reads (status, seed,
 * every mixture metric in `final`) and a better `best[modes_covered]`, which the outcome must not read.
 */
function group(runs: readonly Run[], dataset = 'ring'): StudyGroup {
  const primary = { metric: 'modes_covered', goal: 'max' as const };
  const record = (run: Run) =>
    ({
      status: run.status ?? 'finished',
      config: { seed: run.seed },
      best: { modes_covered: 8 },
      final: { modes_covered: run.modes, high_quality: run.quality, frechet_2d: run.frechet },
    }) as unknown as TrialRecord;
  const losses = orderLosses(runs.map((run) => run.loss));
  const regularizers = orderRegularizers(runs.map((run) => run.regularizer));
  const cells = losses.flatMap((loss) =>
    regularizers.flatMap((regularizer) => {
      const inCell = runs.filter((run) => run.loss === loss && run.regularizer === regularizer).map(record);
      return inCell.length === 0 ? [] : [summarizeCell(loss, regularizer, inCell, primary)];
    }),
  );
  return { dataset, architecture: 'mlp', ...primary, losses, regularizers, cells };
}

const RUNS: Run[] = [
  { loss: 'non-saturating', regularizer: 'r1', seed: 0, modes: 8, quality: 0.52, frechet: 0.006 },
  { loss: 'non-saturating', regularizer: 'r1', seed: 1, modes: 8, quality: 0.571, frechet: 0.004 },
  { loss: 'hinge', regularizer: 'r1', seed: 0, modes: 8, quality: 0.3, frechet: 0.02 },
  { loss: 'hinge', regularizer: 'r1', seed: 1, modes: 8, quality: 0.61, frechet: 0.01 },
  { loss: 'wasserstein', regularizer: 'none', seed: 1, modes: 2, quality: 0.02, frechet: 5.5 },
  { loss: 'wasserstein', regularizer: 'none', seed: 0, modes: 1, quality: 0.016, frechet: 6.984 },
  { loss: 'hinge', regularizer: 'none', seed: 0, modes: 4, quality: 0.117, frechet: 0.04 },
  { loss: 'hinge', regularizer: 'none', seed: 1, modes: 8, quality: 0.4, frechet: 0.03 },
];

describe('classifyCell', () => {
  it('is covered only when every trial covered every mode, collapsed only when every trial is at or under the threshold', () => {
    expect(classifyCell([8, 8], 8, 2)).toBe('covered');
    expect(classifyCell([8, 7], 8, 2)).toBe('between');
    expect(classifyCell([2, 0], 8, 2)).toBe('collapsed');
    expect(classifyCell([2, 3], 8, 2)).toBe('between');
    expect(classifyCell([1], 8, 1)).toBe('collapsed');
    expect(() => classifyCell([], 8, 2)).toThrow(/at least one trial/);
  });
});

describe('mixtureOutcomeLines', () => {
  const lines = mixtureOutcomeLines(group(RUNS));
  const text = lines.join('\n');

  it('names the cells that covered the ring, best high-quality first, with the spread over seeds and the thresholds', () => {
    expect(lines[0]).toContain('`ring` (8 modes)');
    expect(lines[0]).toContain('≥ 1% of the samples lie within 3σ');
    expect(text).toContain('- Covered all 8 modes in both seeds: non-saturating + r1 (52–57% high-quality); hinge + r1 (30–61% high-quality).');
    expect(text).toContain('- Of those, with at least 50% of the samples high-quality in every trial: non-saturating + r1.');
  });

  it('names the collapsed cells and those in between with the modes of each trial in seed order', () => {
    expect(text).toContain('- Collapsed (≤ 2 modes in both seeds): wasserstein + none (modes 1 and 2, 2% high-quality).');
    expect(text).toContain('- In between, or split across trials: hinge + none (modes 4 and 8, 12–40% high-quality).');
  });

  it('tabulates every cell in the order covered, between, collapsed, with the 2-D Fréchet spread as a secondary column', () => {
    const table = text.split('\n').filter((line) => line.startsWith('|'));
    expect(table).toEqual([
      '| loss + regularizer | modes covered (per trial) | high-quality | 2-D Fréchet |',
      '| --- | ---: | ---: | ---: |',
      '| non-saturating + r1 | 8, 8 | 52–57% | 0.004–0.006 |',
      '| hinge + r1 | 8, 8 | 30–61% | 0.01–0.02 |',
      '| hinge + none | 4, 8 | 12–40% | 0.03–0.04 |',
      '| wasserstein + none | 1, 2 | 2% | 5.5–6.984 |',
    ]);
  });

  it('reads the last evaluation, not the best, and leaves failed trials out', () => {
    const failed = group([
      { loss: 'minimax', regularizer: 'none', seed: 0, modes: 1, quality: 0.01, frechet: 3 },
      { loss: 'minimax', regularizer: 'none', seed: 1, modes: 8, quality: 0.9, frechet: 0.001, status: 'failed' },
    ]);
    const out = mixtureOutcomeLines(failed).join('\n');
    expect(out).toContain('- Covered all 8 modes in its one trial: none.');
    expect(out).toContain('- Collapsed (≤ 2 modes in its one trial): minimax + none (modes 1, 1% high-quality).');
  });

  it('takes its thresholds from the caller and states them', () => {
    const out = mixtureOutcomeLines(group(RUNS), { collapsedModes: 4, quality: 0.25 }).join('\n');
    expect(out).toContain('- Of those, with at least 25% of the samples high-quality in every trial: non-saturating + r1, hinge + r1.');
    expect(out).toContain('- Collapsed (≤ 4 modes in both seeds): wasserstein + none');
  });

  it('counts trials, not seeds, when a cell pools settings that share a seed', () => {
    const pooled = group([
      { loss: 'hinge', regularizer: 'r1', seed: 0, modes: 8, quality: 0.6, frechet: 0.01 },
      { loss: 'hinge', regularizer: 'r1', seed: 0, modes: 8, quality: 0.7, frechet: 0.02 },
    ]);
    expect(mixtureOutcomeLines(pooled).join('\n')).toContain('- Covered all 8 modes in both trials: hinge + r1 (60–70% high-quality).');
  });

  it('says nothing for a dataset that is not a known mixture or trials without modes_covered', () => {
    expect(mixtureOutcomeLines(group(RUNS, 'fashion-mnist'))).toEqual([]);
  });
});

describe('writeStudyReport on a mixture study', () => {
  it('opens report.md with the outcome, right under the title', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ganbench-outcome-'));
    try {
      const trial = (id: string, loss: string, seed: number, modes: number) =>
        ({ id, loss, regularizer: 'r1', seed, best: modes, final: modes, metric: 'modes_covered', goal: 'max' }) as const;
      await writeSyntheticStudy(dir, [
        trial('a', 'minimax', 0, 8),
        trial('b', 'minimax', 1, 8),
        trial('c', 'wasserstein', 0, 0),
        trial('d', 'wasserstein', 1, 1),
      ]);
      const markdown = await readFile((await writeStudyReport(dir, { bootstrapSamples: 10 })).reportPath, 'utf8');
      const lines = markdown.split('\n');
      expect(lines[0]).toBe('# GAN study report: synthetic');
      expect(lines[2]).toMatch(/^\*\*Outcome on `ring` \(8 modes\), mlp\*\*/);
      expect(markdown).toContain('- Covered all 8 modes in both seeds: minimax + r1.');
      expect(markdown).toContain('- Collapsed (≤ 2 modes in both seeds): wasserstein + r1 (modes 0 and 1).');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
