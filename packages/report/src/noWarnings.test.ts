import { compileMessages, nonFiniteNumbers } from '@ganbench/report/testing';
import { describe, expect, it } from 'vitest';
import { complexPlanePath } from './complexPlane.js';
import { lineChart } from './lineChart.js';
import { panelGrid } from './panelGrid.js';
import { readableJson } from './readableJson.js';
import { scatterSnapshots } from './scatterSnapshots.js';
import type { VegaLiteSpec } from './spec.js';
import { vectorFieldWithTrajectories } from './vectorField.js';

const field = [-1, 0, 1].flatMap((x) => [-1, 0, 1].map((y) => ({ x, y, u: y, v: -x })));
const vectorField = (title: string) =>
  vectorFieldWithTrajectories({
    title,
    xTitle: 'θ',
    yTitle: 'ψ',
    field,
    domain: [
      [-1.5, 1.5],
      [-1.5, 1.5],
    ],
    trajectories: [
      {
        label: 'simultaneous',
        points: [
          [1, 1],
          [1.1, 0.9],
        ],
      },
    ],
  });

const builtSpecs: Record<string, VegaLiteSpec> = {
  vectorFieldWithTrajectories: vectorField('one run'),
  panelGrid: panelGrid([vectorField('a'), vectorField('b')], 2, 'grid'),
  complexPlanePath: complexPlanePath({ title: 'λ', paramTitle: 'γ', series: [{ label: 'λ₁', points: [{ re: -1, im: 1, param: 0.5 }] }] }),
  lineChart: lineChart({
    title: 'd',
    xTitle: 'θ',
    yTitle: 'KL',
    yDomain: [0, 1],
    series: [
      {
        label: 'KL',
        points: [
          [0, 0],
          [1, Number.POSITIVE_INFINITY],
        ],
      },
    ],
  }),
  scatterSnapshots: scatterSnapshots({
    real: [[0, 0]],
    columns: 1,
    domain: [
      [-1, 1],
      [-1, 1],
    ],
    snapshots: [{ title: 'step 0', fake: [[0.5, 0.5]] }],
  }),
};

describe('builders', () => {
  it.each(Object.entries(builtSpecs))('%s makes a spec Vega-Lite compiles without warnings', (_, spec) => {
    expect(compileMessages(spec)).toEqual([]);
  });

  it('would notice a warning (control)', () => {
    const barWithShape = { data: { values: [] }, mark: 'bar', encoding: { shape: { field: 'a', type: 'nominal' } } } as VegaLiteSpec;
    expect(compileMessages(barWithShape).join('\n')).toMatch(/shape/);
  });

  it.each(Object.entries(builtSpecs))('%s names the shipped font and embeds only finite numbers', (_, spec) => {
    expect(spec.config?.font).toBe('DejaVu Sans');
    expect(nonFiniteNumbers(spec)).toEqual([]);
  });
});

describe('readableJson', () => {
  it('reads back as the same JSON and puts each data row on one line', () => {
    const spec = builtSpecs.lineChart as VegaLiteSpec;
    const text = readableJson(spec);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(text).toContain('\n      {"series":"KL (1 pts above 1 ▲: drawn at the edge)","x":1,"y":1,"edge":"above"}');
    expect(readableJson({ a: [], b: {}, c: undefined, d: [1, [2]] })).toBe('{\n  "a": [],\n  "b": {},\n  "d": [\n    1,\n    [2]\n  ]\n}');
  });
});
