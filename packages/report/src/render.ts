import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import { FONT_FAMILY, shippedFontFiles } from './fonts.js';
import { readableJson } from './readableJson.js';
import { checkPositive, type VegaLiteSpec } from './spec.js';
import { useShippedFontMetrics } from './textMeasure.js';

/** PNG pixels per SVG pixel by default: 2 keeps text crisp on screens and in papers. */
export const DEFAULT_PNG_SCALE = 2;

export interface RenderOptions {
  /** PNG pixels per SVG pixel (default 2); the SVG itself is always at scale 1. */
  scale?: number;
}

export interface RenderedPlot {
  svg: string;
  png: Uint8Array;
}

/** Paths of the three files `writePlot` leaves behind. */
export interface WrittenPlot {
  specPath: string;
  svgPath: string;
  pngPath: string;
}

/** Renders a Vega-Lite spec to SVG text and PNG bytes, headless and with the shipped font. */
export async function renderSpec(spec: VegaLiteSpec, options: RenderOptions = {}): Promise<RenderedPlot> {
  const scale = options.scale ?? DEFAULT_PNG_SCALE;
  checkPositive(scale, 'scale');
  const svg = await specToSvg(spec);
  return { svg, png: svgToPng(svg, scale) };
}

/** Compiles Vega-Lite to Vega and lets a canvas-free view draw it as SVG. */
export async function specToSvg(spec: VegaLiteSpec): Promise<string> {
  useShippedFontMetrics();
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes SVG with resvg using only the shipped fonts, so output is identical across machines. */
export function svgToPng(svg: string, scale: number = DEFAULT_PNG_SCALE): Uint8Array {
  checkPositive(scale, 'scale');
  const resvg = new Resvg(svg, {
    font: { fontFiles: shippedFontFiles(), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: scale },
  });
  return resvg.render().asPng();
}

/**
 * Writes `<name>.vl.json` (re-openable in the Vega editor), `<name>.svg` and `<name>.png` into `dir`.
 * Everything is rendered before anything is written, and each file appears atomically (temp file + rename),
 * so a failure never leaves a half-written or stale-mixed plot.
 */
export async function writePlot(dir: string, name: string, spec: VegaLiteSpec, options: RenderOptions = {}): Promise<WrittenPlot> {
  checkPlotName(name);
  const { svg, png } = await renderSpec(spec, options);
  await mkdir(dir, { recursive: true });
  const written: WrittenPlot = {
    specPath: path.join(dir, `${name}.vl.json`),
    svgPath: path.join(dir, `${name}.svg`),
    pngPath: path.join(dir, `${name}.png`),
  };
  await writeFileAtomically(written.specPath, `${readableJson(spec)}\n`);
  await writeFileAtomically(written.svgPath, svg);
  await writeFileAtomically(written.pngPath, png);
  return written;
}

/** A plot name is a file-name stem: a path or hidden name would write somewhere the caller did not ask. */
function checkPlotName(name: string): void {
  if (name.length === 0 || name !== path.basename(name) || name.startsWith('.')) {
    throw new Error(`plot name must be a plain file-name stem (no directories, not starting with '.'); got '${name}'`);
  }
}

/** Writes next to the target and renames, so readers see either the old file or the whole new one. */
export async function writeFileAtomically(target: string, contents: string | Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, contents);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
