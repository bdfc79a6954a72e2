import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodePng, inkPixels, pngSize } from '@ganbench/report/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { renderSpec, writePlot } from './render.js';
import { baseConfig, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './spec.js';
import { measureWithShippedFont } from './textMeasure.js';

/** A chart with fixed pixel size: no padding, no axes, autosize off, so the view is exactly width × height. */
function fixedSizeSpec(width: number, height: number): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    width,
    height,
    padding: 0,
    autosize: { type: 'none' },
    config: baseConfig(),
    data: { values: [{ x: 1, y: 2 }] },
    mark: 'point',
    encoding: { x: { field: 'x', type: 'quantitative', axis: null }, y: { field: 'y', type: 'quantitative', axis: null } },
  };
}

/** A spec whose only visible content is its title (no data, no axes, no frame). */
function titleOnlySpec(text: string): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text, fontSize: 20 },
    width: 10,
    height: 4,
    padding: 5,
    config: { ...baseConfig(), view: { stroke: null } },
    data: { values: [] },
    mark: 'point',
  };
}

function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!root) throw new Error('no svg size');
  return { width: Number(root[1]), height: Number(root[2]) };
}

describe('renderSpec', () => {
  it('makes an SVG of the view size and a PNG of that size times the scale', async () => {
    const spec = fixedSizeSpec(120, 80);
    const atDefault = await renderSpec(spec);
    expect(svgSize(atDefault.svg)).toEqual({ width: 120, height: 80 });
    expect(pngSize(atDefault.png)).toEqual({ width: 240, height: 160 });
    expect(pngSize((await renderSpec(spec, { scale: 1.5 })).png)).toEqual({ width: 180, height: 120 });
  });

  it('draws text with the shipped font: a title-only spec has ink, an empty title has none', async () => {
    const titled = await renderSpec(titleOnlySpec('Ganbench'), { scale: 1 });
    expect(titled.svg).toContain('>Ganbench</text>');
    expect(titled.svg).toContain('font-family="DejaVu Sans"');
    const image = decodePng(titled.png);
    const all = { x0: 0, y0: 0, x1: image.width, y1: image.height };
    expect(inkPixels(image, all).length).toBeGreaterThan(50);

    const blank = decodePng((await renderSpec(titleOnlySpec(''), { scale: 1 })).png);
    expect(inkPixels(blank, { x0: 0, y0: 0, x1: blank.width, y1: blank.height })).toHaveLength(0);
  });

  it('lays text out at the width it is drawn, so titles are neither clipped nor padded with air', async () => {
    const text = 'Dirac-GAN with R1 penalty';
    const { svg, png } = await renderSpec(titleOnlySpec(text), { scale: 1 });
    const image = decodePng(png);
    const ink = inkPixels(image, { x0: 0, y0: 0, x1: image.width, y1: image.height });
    const inkWidth = Math.max(...ink.map((p) => p.x)) - Math.min(...ink.map((p) => p.x)) + 1;
    const measured = measureWithShippedFont({ fontSize: 20, fontWeight: 'bold' }, text);
    // Ink omits the outer side bearings, a pixel or two; Vega's canvas-free guess (0.8 em a character) is 400 px.
    expect(Math.abs(inkWidth - measured)).toBeLessThan(6);
    // The view grows to hold the title: its width is the title plus 5 px padding each side.
    expect(Math.abs(svgSize(svg).width - (measured + 10))).toBeLessThan(2);
    expect(Math.min(...ink.map((p) => p.x))).toBeGreaterThan(0);
    expect(Math.max(...ink.map((p) => p.x))).toBeLessThan(image.width - 1);
  });

  it('rejects a scale that is not a positive number, naming it', async () => {
    await expect(renderSpec(fixedSizeSpec(10, 10), { scale: 0 })).rejects.toThrow(/scale/);
  });
});

describe('writePlot', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  async function scratchDir(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'ganbench-report-'));
    dirs.push(dir);
    return dir;
  }

  it('writes the spec, SVG and PNG into a new directory and leaves no temp file', async () => {
    const dir = path.join(await scratchDir(), 'plots', 'dirac');
    const spec = fixedSizeSpec(40, 30);
    const written = await writePlot(dir, 'field', spec);
    await writePlot(dir, 'field', spec); // overwriting an existing plot is fine too
    expect((await readdir(dir)).sort()).toEqual(['field.png', 'field.svg', 'field.vl.json']);
    expect(written.specPath).toBe(path.join(dir, 'field.vl.json'));
    expect(JSON.parse(await readFile(written.specPath, 'utf8'))).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(await readFile(written.svgPath, 'utf8')).toMatch(/^<svg[^>]*width="40"/);
    expect(pngSize(await readFile(written.pngPath))).toEqual({ width: 80, height: 60 });
  });

  it('refuses a name that is a path, before writing anything', async () => {
    const dir = path.join(await scratchDir(), 'never');
    await expect(writePlot(dir, '../escape', fixedSizeSpec(10, 10))).rejects.toThrow(/plot name/);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });

  it('writes nothing when the spec cannot be rendered', async () => {
    const dir = await scratchDir();
    const broken = { ...fixedSizeSpec(10, 10), mark: 'no-such-mark' } as unknown as VegaLiteSpec;
    await expect(writePlot(dir, 'broken', broken)).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});
