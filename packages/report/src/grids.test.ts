import { elements, markGroups, numberAttribute, transformOf } from '@ganbench/report/testing';
import { describe, expect, it } from 'vitest';
import { complexPlanePath } from './complexPlane.js';
import { panelGrid } from './panelGrid.js';
import { specToSvg, svgToPng } from './render.js';
import { scatterSnapshots } from './scatterSnapshots.js';
import { baseConfig, type VegaLiteSpec } from './spec.js';

const unit = (title: string, extra: Partial<Record<string, unknown>> = {}): VegaLiteSpec =>
  ({
    $schema: 'x',
    config: baseConfig(),
    title,
    data: { values: [{ a: 1 }] },
    mark: 'point',
    encoding: { x: { field: 'a', type: 'quantitative' } },
    ...extra,
  }) as VegaLiteSpec;

describe('panelGrid', () => {
  it('nests complete specs as titled panels in rows of `columns`', () => {
    const grid = panelGrid([unit('a'), unit('b'), unit('c')], 2, 'Dirac runs') as unknown as { concat: Record<string, unknown>[]; columns: number };
    expect(grid.columns).toBe(2);
    expect(grid.concat.map((panel) => panel.title)).toEqual(['a', 'b', 'c']);
    expect(grid.concat.every((panel) => !('$schema' in panel) && !('config' in panel))).toBe(true);
  });

  it('merges identical named datasets and refuses conflicting ones', () => {
    const withData = (values: { a: number }[]) => unit('p', { datasets: { shared: values } });
    expect(panelGrid([withData([{ a: 1 }]), withData([{ a: 1 }])], 2, 't').datasets).toEqual({ shared: [{ a: 1 }] });
    expect(() => panelGrid([withData([{ a: 1 }]), withData([{ a: 2 }])], 2, 't')).toThrow(/panel 1 .*'shared'/);
  });

  it('refuses what it cannot lay out, naming the problem', () => {
    expect(() => panelGrid([], 2, 't')).toThrow(/at least one panel/);
    expect(() => panelGrid([unit('a')], 1.5, 't')).toThrow(/columns/);
    expect(() => panelGrid([unit('a', { params: [{ name: 'k', value: 1 }] })], 1, 't')).toThrow(/panel 0 has top-level params/);
  });
});

describe('scatterSnapshots', () => {
  it('stores real samples once, draws real and finite generated samples in every panel', async () => {
    const real: [number, number][] = [
      [0, 0],
      [1, 1],
      [-1, 1],
    ];
    const spec = scatterSnapshots({
      real,
      columns: 2,
      domain: [
        [-2, 2],
        [-2, 2],
      ],
      snapshots: [
        { title: 'step 0', fake: [[0.5, 0.5]] },
        {
          title: 'step 100',
          fake: [
            [0.1, 0.1],
            [Number.NaN, 0],
            [3e7, -2e9],
          ],
        },
        // Every point outside the axes: a clipped mark with nothing inside aborted the renderer (a resvg panic).
        {
          title: 'step 200',
          fake: [
            [5.2, -38],
            [19, -10],
          ],
        },
      ],
    });
    expect(spec.datasets?.real).toHaveLength(3);
    const svg = await specToSvg(spec);
    const circlesPerGroup = markGroups(svg, 'symbol').map((group) => elements(group, 'path').length);
    expect(circlesPerGroup.slice(0, 4)).toEqual([3, 1, 3, 1]); // real, generated; real, generated
    expect(svg).toContain('step 100 (2 outside the axes)');
    expect(svg).toContain('step 200 (2 outside the axes)');
    expect(svgToPng(svg).length).toBeGreaterThan(0);
    expect(svg).not.toContain('NaN');
  });
});

describe('complexPlanePath', () => {
  it('draws the imaginary axis where Re λ = 0, inside the frame', async () => {
    const svg = await specToSvg(
      complexPlanePath({
        title: 'Eigenvalues',
        paramTitle: 'γ',
        width: 200,
        height: 200,
        series: [
          {
            label: 'λ',
            points: [
              { re: 0, im: 1, param: 0 },
              { re: -0.5, im: 0.5, param: 1 },
              { re: -1, im: 0, param: 2 },
            ],
          },
        ],
      }),
    );
    const dashed = markGroups(svg, 'rule')
      .flatMap((group) => elements(group, 'line'))
      .find((line) => line.includes('stroke-dasharray'));
    const ruleX = transformOf(dashed ?? '').x;
    const firstPoint = transformOf(elements(markGroups(svg, 'symbol')[0] ?? '', 'path')[0] ?? '');
    expect(ruleX).toBeCloseTo(firstPoint.x, 1); // the point with Re λ = 0 sits on the line
    expect(ruleX).toBeGreaterThan(0);
    expect(ruleX).toBeLessThan(200);
    expect(numberAttribute(dashed ?? '', 'y2')).toBe(200); // full height
  });
});
