import { compileMessages, nonFiniteNumbers } from '@ganbench/report/testing';
import { describe, expect, it } from 'vitest';
import type { VegaLiteSpec } from '../spec.js';
import { budgetCurves, metricBoxPlot, trainingCurves } from './figures.js';
import { thinSeries } from './report.js';

const point = (k: number, mean: number) => ({ k, mean, low: mean - 1, high: mean + 1 });
const specs: Record<string, VegaLiteSpec> = {
  metricBoxPlot: metricBoxPlot({
    rows: [
      { loss: 'hinge', regularizer: 'none', value: 3 },
      { loss: 'hinge', regularizer: 'r1', value: Number.NaN },
      { loss: 'minimax', regularizer: 'none', value: 4 },
    ],
    losses: ['minimax', 'hinge'],
    regularizers: ['none', 'r1'],
    metric: 'fid',
    goal: 'min',
    title: 'fid',
  }),
  budgetCurves: budgetCurves({
    series: [{ label: 'hinge', points: [point(1, 3), point(2, Number.POSITIVE_INFINITY)] }],
    metric: 'fid',
    goal: 'min',
    title: 't',
    seriesTitle: 'loss',
  }),
  facetedBudgetCurves: budgetCurves({
    series: [
      { label: 'none', panel: 'hinge', points: [point(1, 3)] },
      { label: 'r1', panel: 'minimax', points: [point(1, 2)] },
    ],
    metric: 'modes_covered',
    goal: 'max',
    title: 't',
    seriesTitle: 'regularizer',
    panelTitle: 'loss',
  }),
  trainingCurves: trainingCurves({
    rows: [
      { loss: 'hinge', regularizer: 'none', series: 'd_loss', step: 0, value: 1 },
      { loss: 'hinge', regularizer: 'none', series: 'd_loss', step: 10, value: Number.NaN },
    ],
    divergences: [{ loss: 'hinge', regularizer: 'none', step: 10 }],
    losses: ['hinge'],
    regularizers: ['none'],
    title: 't',
    yTitle: 'loss',
    independentY: true,
    points: true,
  }),
};

describe('study figures', () => {
  it.each(Object.entries(specs))('%s compiles without warnings, in the shipped font, with only finite numbers', (_, spec) => {
    expect(compileMessages(spec)).toEqual([]);
    expect(spec.config?.font).toBe('DejaVu Sans');
    expect(nonFiniteNumbers(spec)).toEqual([]);
  });

  it('draws boxes with the boxplot mark, one panel per loss in the given order, and drops non-finite values', () => {
    const spec = specs.metricBoxPlot as unknown as {
      facet: { column: { sort: string[] } };
      spec: { layer: { mark: { type: string } }[] };
      data: { values: unknown[] };
    };
    expect(spec.spec.layer.map((layer) => layer.mark.type)).toEqual(['boxplot', 'point']);
    expect(spec.facet.column.sort).toEqual(['minimax', 'hinge']);
    expect(spec.data.values).toHaveLength(2);
  });
});

describe('thinSeries', () => {
  it('averages equal buckets of consecutive steps over their finite values', () => {
    const points = Array.from({ length: 10 }, (_, step) => ({ step, value: step === 3 ? Number.NaN : step * 2 }));
    // Buckets of 4: steps 0-3 (3 is NaN: mean of 0, 2, 4), 4-7, 8-9.
    expect(thinSeries(points, 3)).toEqual([
      { step: 1, value: 2 },
      { step: 5.5, value: 11 },
      { step: 8.5, value: 17 },
    ]);
    expect(thinSeries(points.slice(0, 2), 200)).toEqual([
      { step: 0, value: 0 },
      { step: 1, value: 2 },
    ]);
    expect(() => thinSeries(points, 0)).toThrow(/maxPoints must be a positive integer; got 0/);
  });
});
