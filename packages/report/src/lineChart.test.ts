import { elements, markGroups, transformOf } from '@ganbench/report/testing';
import { describe, expect, it } from 'vitest';
import { clampSeries, lineChart } from './lineChart.js';
import { specToSvg } from './render.js';

const axes = { title: 'Divergence vs θ', xTitle: 'θ', yTitle: 'divergence' };

describe('lineChart', () => {
  it('draws ±Infinity at the edges and breaks at NaN, with no NaN or Infinity reaching the SVG', async () => {
    const svg = await specToSvg(
      lineChart({
        ...axes,
        yDomain: [0, 2],
        height: 100,
        series: [
          {
            label: 'KL',
            points: [
              [0, 1],
              [1, Number.POSITIVE_INFINITY],
              [2, Number.NEGATIVE_INFINITY],
              [3, Number.NaN],
              [4, 1],
              [5, 1],
            ],
          },
        ],
      }),
    );
    expect(svg).not.toMatch(/NaN|Infinity/);
    const [path] = elements(markGroups(svg, 'line')[0] ?? '', 'path');
    // Two pieces: 0..2 (through the top and bottom edges), then 4..5 after the NaN gap.
    expect(path?.match(/M/g)).toHaveLength(2);
    const ys = [...(path ?? '').matchAll(/[ML][-\d.]+,([-\d.]+)/g)].map((m) => Number(m[1]));
    expect(ys).toEqual([50, 0, 100, 50, 50]); // y = 1, top edge (2), bottom edge (0), 1, 1 on a 100 px high plot
    const markers = markGroups(svg, 'symbol').flatMap((group) => elements(group, 'path'));
    expect(markers.map((marker) => transformOf(marker).y)).toEqual([0, 100]);
    expect(svg).toContain('KL (1 pts above 2 ▲, 1 pts below 0 ▼: drawn at the edge)');
  });

  it('uses the finite range when no y domain is given', async () => {
    const spec = lineChart({
      ...axes,
      series: [
        {
          label: 'JS',
          points: [
            [0, 0.2],
            [1, Number.POSITIVE_INFINITY],
            [2, 0.7],
          ],
        },
      ],
    });
    expect(JSON.stringify(spec)).toContain('{"series":"JS (1 pts above 0.7 ▲: drawn at the edge)","x":1,"y":0.7,"edge":"above"}');
    expect(await specToSvg(spec)).not.toMatch(/NaN|Infinity/);
  });
});

describe('clampSeries', () => {
  it('marks only where a run of off-scale points begins and ends', () => {
    const points: [number, number][] = [0, 1, 2, 3, 4, 5].map((x) => [x, x === 0 ? 0 : Number.POSITIVE_INFINITY]);
    const rows = clampSeries({ label: 'KL', points }, [0, 1]);
    expect(rows.map((row) => row.edge)).toEqual([null, 'above', null, null, null, 'above']);
    expect(rows.map((row) => row.y)).toEqual([0, 1, 1, 1, 1, 1]);
  });

  it('sorts by x and drops points whose x is not finite', () => {
    const rows = clampSeries(
      {
        label: 'W',
        points: [
          [2, 0.5],
          [Number.NaN, 0.1],
          [1, 0.25],
        ],
      },
      [0, 1],
    );
    expect(rows).toEqual([
      { series: 'W', x: 1, y: 0.25, edge: null },
      { series: 'W', x: 2, y: 0.5, edge: null },
    ]);
  });
});
