import { describe, expect, it } from 'vitest';
import { cellOf, median, studyPrimary, summarizeStudy } from './cells.js';
import { summarizeHyperparameters } from './hyperparameters.js';
import { parseTrialsJsonl } from './records.js';
import { failureTable, kurachTable, markCells, trialsAppendixTable } from './tables.js';
import { HAND_STUDY, jsonLines, type SyntheticTrial, trialRecord } from './testStudy.js';

const parse = (trials: readonly SyntheticTrial[]) => parseTrialsJsonl(jsonLines(trials.map(trialRecord)), 'trials.jsonl');

describe('summarizeStudy', () => {
  const [group] = summarizeStudy(parse(HAND_STUDY));
  if (!group) throw new Error('no group');

  it('orders rows and columns as the papers do, whatever the file order', () => {
    expect(group.losses).toEqual(['non-saturating', 'wasserstein']);
    expect(group.regularizers).toEqual(['none', 'gradient-penalty']);
    const [reversed] = summarizeStudy(parse([...HAND_STUDY].reverse()));
    expect(reversed?.cells.map((cell) => [cell.loss, cell.regularizer, cell.best, cell.median])).toEqual(
      group.cells.map((cell) => [cell.loss, cell.regularizer, cell.best, cell.median]),
    );
  });

  it('computes best, median and n per cell as by hand, leaving out failed trials and trials without a value', () => {
    const stats = (loss: string, regularizer: string) => {
      const cell = cellOf(group, loss, regularizer);
      return [cell?.best, cell?.median, cell?.values.length, cell?.bestTrial?.id];
    };
    expect(stats('non-saturating', 'none')).toEqual([20, 25, 3, 'ns-none-2']);
    expect(stats('non-saturating', 'gradient-penalty')).toEqual([18, 20, 2, 'ns-gp-1']);
    // 40 (finished) and 35 (diverged, best before diverging); the failed trial's 10 does not count.
    expect(stats('wasserstein', 'none')).toEqual([35, 37.5, 2, 'w-none-2']);
    expect(stats('wasserstein', 'gradient-penalty')).toEqual([19, 21, 3, 'w-gp-2']);
    const wNone = cellOf(group, 'wasserstein', 'none');
    expect([wNone?.finished, wNone?.diverged, wNone?.failed, wNone?.noValue, wNone?.trials.length]).toEqual([1, 2, 1, 1, 4]);
  });

  it('is goal-aware: for a metric to maximize the best is the largest', () => {
    const trials = [3, 8, 5].map(
      (best, seed): SyntheticTrial => ({ id: `m${seed}`, loss: 'hinge', regularizer: 'r1', seed, best, metric: 'modes_covered', goal: 'max' }),
    );
    const [max] = summarizeStudy(parse(trials));
    expect([max?.cells[0]?.best, max?.cells[0]?.median, max?.cells[0]?.bestTrial?.id, max?.goal]).toEqual([8, 5, 'm1', 'max']);
  });

  it('makes one group per (dataset, architecture); trials recorded under another primary metric count with the current one', () => {
    const groups = summarizeStudy(parse([HAND_STUDY[0] as SyntheticTrial, { ...(HAND_STUDY[1] as SyntheticTrial), architecture: 'dcgan' }]));
    expect(groups.map((g) => [g.dataset, g.architecture])).toEqual([
      ['ring', 'dcgan'],
      ['ring', 'mlp'],
    ]);
    // The study switched from fid to kid after its first trial: the study's current metric ranks both.
    const switched = parse([HAND_STUDY[0] as SyntheticTrial, { ...(HAND_STUDY[1] as SyntheticTrial), metric: 'kid' }]);
    expect(studyPrimary(switched)).toEqual({ metric: 'kid', goal: 'min' });
    expect(studyPrimary(switched, { metric: 'fid', goal: 'min' })).toEqual({ metric: 'fid', goal: 'min' });
    const [byFid] = summarizeStudy(switched, studyPrimary(switched, { metric: 'fid', goal: 'min' }));
    expect(byFid?.cells[0]?.values).toEqual([HAND_STUDY[0]?.best]);
    expect(byFid?.cells[0]?.noValue).toBe(1);
    expect(() => studyPrimary(switched, { metric: 'fid', goal: 'lowest' })).toThrow("primary metric fid: goal 'lowest' is not allowed; allowed: min, max");
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
  });
});

describe('kurachTable', () => {
  const [group] = summarizeStudy(parse(HAND_STUDY));
  if (!group) throw new Error('no group');

  it('writes "best / median (n)" with bold for the column best and italic for the row best, lower FID better', () => {
    expect(kurachTable(group).split('\n')).toEqual([
      '| loss ＼ regularization | none | gradient-penalty |',
      '| --- | ---: | ---: |',
      // column bests: none → 20 / 25 (non-saturating); gradient-penalty → 18 / 20. Row bests: gradient-penalty in both rows.
      '| non-saturating | **20** / **25** (3) | ***18*** / ***20*** (2) |',
      '| wasserstein | 35 / 37.5 (2) | *19* / *21* (3) |',
    ]);
  });

  it('flips the marks for a metric to maximize, marks ties alike and marks nothing in a row or column of one', () => {
    const trials: SyntheticTrial[] = [
      { id: 'a', loss: 'hinge', regularizer: 'none', best: 6, metric: 'modes_covered', goal: 'max' },
      { id: 'b', loss: 'hinge', regularizer: 'r1', best: 8, metric: 'modes_covered', goal: 'max' },
      { id: 'c', loss: 'minimax', regularizer: 'r1', best: 8, metric: 'modes_covered', goal: 'max' },
    ];
    const [group2] = summarizeStudy(parse(trials));
    if (!group2) throw new Error('no group');
    const texts = markCells(group2).map((row) => row.map((cell) => cell.text));
    // Rows minimax, hinge (the papers' order). hinge row: 8 beats 6 (italic); column r1: tie 8 = 8, both bold;
    // column none and row minimax hold one value each, so they mark nothing.
    expect(texts).toEqual([
      ['', '**8** / **8** (1)'],
      ['6 / 6 (1)', '***8*** / ***8*** (1)'],
    ]);
  });

  it('compares numbers as displayed (4 significant digits) and shows a cell without values as "— (0)"', () => {
    const trials: SyntheticTrial[] = [
      { id: 'a', loss: 'hinge', regularizer: 'none', best: 1.00001 },
      { id: 'b', loss: 'hinge', regularizer: 'r1', best: 1.00002 },
      { id: 'c', loss: 'minimax', regularizer: 'none', status: 'diverged', divergedAt: 3 },
    ];
    const [group3] = summarizeStudy(parse(trials));
    if (!group3) throw new Error('no group');
    expect(markCells(group3).map((row) => row.map((cell) => cell.text))).toEqual([
      ['— (0)', ''],
      ['*1* / *1* (1)', '*1* / *1* (1)'],
    ]);
  });
});

describe('failureTable and the appendix', () => {
  const trials = parse(HAND_STUDY);
  const [group] = summarizeStudy(trials);
  if (!group) throw new Error('no group');

  it('counts diverged / failed / no value of the trials per cell', () => {
    expect(failureTable(group).split('\n').slice(2)).toEqual([
      '| non-saturating | 0 / 0 / 0 (of 3) | 0 / 0 / 0 (of 2) |',
      '| wasserstein | 2 / 1 / 1 (of 4) | 0 / 0 / 0 (of 3) |',
    ]);
  });

  it('lists every trial with its varied settings (only those that vary), status, best and final', () => {
    const settings = summarizeHyperparameters(trials);
    expect(settings.varying).toEqual(['regularizers.gradient-penalty.lambda', 'training.discriminatorOptimizer.lr', 'training.optimizer.lr']);
    expect(settings.fixed).toContainEqual(['training.nDisc', 1]);
    const lines = trialsAppendixTable(trials, settings, 'fid').split('\n');
    expect(lines).toHaveLength(2 + HAND_STUDY.length);
    expect(lines).toContain(
      '| `w-none-2` | ring | mlp | wasserstein | none | training.discriminatorOptimizer.lr=0.0002, training.optimizer.lr=0.0002 | 1 | diverged at 70 | 35 | NaN | 70 | 1.5 |',
    );
    expect(lines).toContain(
      '| `w-none-3` | ring | mlp | wasserstein | none | training.discriminatorOptimizer.lr=0.0002, training.optimizer.lr=0.0002 | 2 | diverged at 20 | — | — | 20 | 1.5 |',
    );
    expect(lines).toContain(
      '| `ns-gp-1` | ring | mlp | non-saturating | gradient-penalty | regularizers.gradient-penalty.lambda=10, training.discriminatorOptimizer.lr=0.0002, training.optimizer.lr=0.0002 | 0 | finished | 18 | 19 | 100 | 1.5 |',
    );
  });
});
