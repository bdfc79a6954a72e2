/** @ganbench/report/testing — helpers for tests: read PNG bytes and pick marks out of Vega's SVG; not part of the runtime API. */
import { inflateSync } from 'node:zlib';
import { compile } from 'vega-lite';
import type { VegaLiteSpec } from '../spec.js';

/** Width and height from the IHDR chunk, which a PNG must start with after its 8-byte signature. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((byte, i) => png[i] === byte)) throw new Error('not a PNG');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Decodes a non-interlaced 8-bit RGB or RGBA PNG (what resvg writes) to RGBA pixels. */
export function decodePng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const { width, height } = pngSize(png);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const bitDepth = png[24];
  const colorType = png[25];
  if (bitDepth !== 8 || (colorType !== 6 && colorType !== 2 && colorType !== 0) || png[28] !== 0)
    throw new Error('only 8-bit, non-interlaced gray or RGB(A) PNGs');
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 1;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] as number;
      const left = x >= channels ? (pixels[y * stride + x - channels] as number) : 0;
      const up = y > 0 ? (pixels[(y - 1) * stride + x] as number) : 0;
      const upLeft = x >= channels && y > 0 ? (pixels[(y - 1) * stride + x - channels] as number) : 0;
      pixels[y * stride + x] = (value + unfilter(filter, left, up, upLeft)) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: pixels };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const rgb = channels === 3 ? pixels.subarray(3 * i, 3 * i + 3) : [pixels[i], pixels[i], pixels[i]];
    rgba.set([...(rgb as ArrayLike<number> & Iterable<number>), 255], 4 * i);
  }
  return { width, height, rgba };
}

/** The predictor PNG filter types add back (0 none, 1 sub, 2 up, 3 average, 4 Paeth). */
function unfilter(filter: number | undefined, left: number, up: number, upLeft: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return left;
    case 2:
      return up;
    case 3:
      return (left + up) >> 1;
    case 4: {
      const estimate = left + up - upLeft;
      const [dl, du, dul] = [Math.abs(estimate - left), Math.abs(estimate - up), Math.abs(estimate - upLeft)];
      return dl <= du && dl <= dul ? left : du <= dul ? up : upLeft;
    }
    default:
      throw new Error(`bad PNG filter type ${filter}`);
  }
}

/** Pixels in a box that are clearly not white background (ink of text or marks). */
export function inkPixels(image: { width: number; rgba: Uint8Array }, box: { x0: number; y0: number; x1: number; y1: number }): { x: number; y: number }[] {
  const found: { x: number; y: number }[] = [];
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const i = 4 * (y * image.width + x);
      const darkest = Math.min(image.rgba[i] as number, image.rgba[i + 1] as number, image.rgba[i + 2] as number);
      if ((image.rgba[i + 3] as number) > 0 && darkest < 160) found.push({ x, y });
    }
  }
  return found;
}

/** Inner SVG of each Vega mark group of a type ('rule', 'symbol', 'line', ...) that draws data (role-mark). */
export function markGroups(svg: string, markType: string): string[] {
  const pattern = new RegExp(`<g class="mark-${markType} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g');
  return [...svg.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** The `translate(x,y)` offset and `rotate(deg)` of an element's transform attribute. */
export function transformOf(element: string): { x: number; y: number; rotate: number } {
  const translate = /transform="translate\(([-\d.e]+),([-\d.e]+)\)(?: rotate\(([-\d.e]+)\))?"/.exec(element);
  if (!translate) throw new Error(`no translate in ${element.slice(0, 200)}`);
  return { x: Number(translate[1]), y: Number(translate[2]), rotate: Number(translate[3] ?? 0) };
}

/** Numeric attribute of an SVG element. */
export function numberAttribute(element: string, name: string): number {
  const match = new RegExp(`\\s${name}="([-\\d.e]+)"`).exec(element);
  if (!match) throw new Error(`no ${name} in ${element.slice(0, 200)}`);
  return Number(match[1]);
}

/** The elements of a tag within an SVG fragment. */
export function elements(fragment: string, tag: string): string[] {
  return fragment.match(new RegExp(`<${tag}\\s[^>]*>`, 'g')) ?? [];
}

type Logger = NonNullable<NonNullable<Parameters<typeof compile>[1]>['logger']>;

/** Vega-Lite's messages while compiling a spec: a builder should produce a spec it has nothing to say about. */
export function compileMessages(spec: VegaLiteSpec): string[] {
  const messages: string[] = [];
  let level = 0;
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      messages.push(`error: ${args.join(' ')}`);
      return logger;
    },
    warn(...args: unknown[]) {
      messages.push(`warn: ${args.join(' ')}`);
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  } as Logger;
  compile(spec, { logger });
  return messages;
}

/** Paths to numbers that JSON would turn into null (NaN, ±Infinity). */
export function nonFiniteNumbers(value: unknown, at = '$'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [at];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => nonFiniteNumbers(item, `${at}.${key}`));
}
