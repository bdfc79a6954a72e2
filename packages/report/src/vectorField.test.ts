import { elements, markGroups, numberAttribute, transformOf } from '@ganbench/report/testing';
import { describe, expect, it } from 'vitest';
import { panelGrid } from './panelGrid.js';
import { specToSvg } from './render.js';
import type { Domain2D } from './spec.js';
import { ARROW_CELL_FRACTION, type FieldVector, quiverArrows, vectorFieldWithTrajectories } from './vectorField.js';

const labels = { title: 'Dirac-GAN', xTitle: 'θ', yTitle: 'ψ' };

describe('vectorFieldWithTrajectories', () => {
  it('draws an arrow from where the data says, pointing the way the vector points on screen', async () => {
    // Domain 1 wide over 200 px, 2 high over 100 px: x is stretched 4× relative to y.
    const svg = await specToSvg(
      vectorFieldWithTrajectories({
        ...labels,
        field: [{ x: 0.5, y: -0.25, u: 1, v: 0.5 }],
        trajectories: [],
        domain: [
          [0, 1],
          [-1, 1],
        ],
        width: 200,
        height: 100,
      }),
    );
    const [shafts] = markGroups(svg, 'rule');
    const [shaft, ...others] = elements(shafts ?? '', 'line');
    expect(others).toHaveLength(0);
    const start = transformOf(shaft ?? '');
    expect(start.x).toBeCloseTo(100, 1); // (0.5 - 0) / 1 * 200
    expect(start.y).toBeCloseTo(62.5, 1); // (1 - -0.25) / 2 * 100, screen y down
    const dx = numberAttribute(shaft ?? '', 'x2');
    const dy = numberAttribute(shaft ?? '', 'y2');
    // Screen direction of (u, v) is (1 * 200, -0.5 * 50); one arrow, no grid: a cell is a tenth of the span (10 px here).
    expect(Math.atan2(-dy, dx)).toBeCloseTo(Math.atan2(25, 200), 2);
    expect(Math.hypot(dx, dy)).toBeCloseTo(ARROW_CELL_FRACTION * 10, 1);

    const head = markGroups(svg, 'symbol')
      .flatMap((group) => elements(group, 'path'))
      .find((path) => path.includes('d="M0,0L'));
    const tip = transformOf(head ?? '');
    expect(tip.x).toBeCloseTo(start.x + dx, 1);
    expect(tip.y).toBeCloseTo(start.y + dy, 1);
    expect(tip.rotate).toBeCloseTo((Math.atan2(200, 25) * 180) / Math.PI, 1); // clockwise from "up"
  });

  it('draws a trajectory in step order, marks its start and the equilibrium, and clips to the domain', async () => {
    // x decreases along the path: without step order Vega would sort the line by x.
    const points: [number, number][] = [
      [0.5, 0.5],
      [0, 0.5],
      [-0.5, 0],
      [-3, 0],
    ];
    const svg = await specToSvg(
      vectorFieldWithTrajectories({
        ...labels,
        field: [],
        trajectories: [{ label: 'simultaneous', points }],
        domain: [
          [-1, 1],
          [-1, 1],
        ],
        width: 100,
        height: 100,
      }),
    );
    const [line] = elements(markGroups(svg, 'line')[0] ?? '', 'path');
    expect(line).toMatch(/d="M75,25L50,25L25,50L-100,50"/);
    expect(svg).toMatch(/<g class="mark-line role-mark[^"]*" clip-path=/);
    const [, starts, equilibrium] = markGroups(svg, 'symbol');
    expect(elements(starts ?? '', 'path').map(transformOf)).toEqual([{ x: 75, y: 25, rotate: 0 }]);
    expect(elements(equilibrium ?? '', 'path').map(transformOf)).toEqual([{ x: 50, y: 50, rotate: 0 }]);
  });

  it('stops a trajectory at its first non-finite point (the run diverged there)', () => {
    const spec = vectorFieldWithTrajectories({
      ...labels,
      field: [],
      trajectories: [
        {
          label: 'diverged',
          points: [
            [1, 1],
            [2, 2],
            [Number.NaN, 3],
            [0, 0],
          ],
        },
      ],
      domain: [
        [-1, 1],
        [-1, 1],
      ],
    });
    const json = JSON.stringify(spec);
    expect(json).toContain('{"label":"diverged","step":1,"x":2,"y":2}');
    expect(json).not.toContain('"step":2');
  });

  it('stores a field shared by several panels once in the grid', () => {
    const field: FieldVector[] = [{ x: 0, y: 0, u: 1, v: 0 }];
    const panel = (title: string) =>
      vectorFieldWithTrajectories({
        ...labels,
        title,
        field,
        trajectories: [],
        domain: [
          [-1, 1],
          [-1, 1],
        ],
      });
    const grid = panelGrid([panel('a'), panel('b'), panel('c')], 3, 'grid');
    expect(Object.keys(grid.datasets ?? {})).toHaveLength(1);
  });
});

describe('quiverArrows', () => {
  const domain: Domain2D = [
    [0, 2],
    [0, 2],
  ];
  const grid: FieldVector[] = [0, 1, 2].flatMap((x) => [0, 1, 2].map((y) => ({ x, y, u: x, v: -y })));
  const pixelLength = (a: { x: number; y: number; x2: number; y2: number }) => Math.hypot((a.x2 - a.x) * 100, (a.y2 - a.y) * 100);

  it('makes the longest arrow a fixed fraction of a grid cell and keeps lengths proportional', () => {
    const arrows = quiverArrows(grid, domain, 200, 200); // 100 px per unit, cells of 1 unit
    const lengths = arrows.map(pixelLength);
    expect(Math.max(...lengths)).toBeCloseTo(ARROW_CELL_FRACTION * 100, 6);
    const longest = Math.hypot(2, 2);
    arrows.forEach((arrow, i) => {
      expect(lengths[i]).toBeCloseTo((ARROW_CELL_FRACTION * 100 * Math.hypot(arrow.x, arrow.y)) / longest, 6);
    });
    expect(arrows.every((a) => Number.isFinite(a.x2) && Number.isFinite(a.headAngle) && Number.isFinite(a.headSize))).toBe(true);
  });

  it('gives every non-zero arrow the same length in uniform mode', () => {
    const lengths = quiverArrows(grid, domain, 200, 200, 'uniform').map(pixelLength);
    expect(lengths.filter((length) => length > 0).every((length) => Math.abs(length - ARROW_CELL_FRACTION * 100) < 1e-6)).toBe(true);
    expect(lengths.filter((length) => length === 0)).toHaveLength(1); // the zero vector at the origin
  });

  it('skips vectors with non-finite parts', () => {
    const arrows = quiverArrows([...grid, { x: 1, y: 1, u: Number.POSITIVE_INFINITY, v: 0 }], domain, 200, 200);
    expect(arrows).toHaveLength(grid.length);
  });
});
