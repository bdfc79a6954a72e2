import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { convertIndexedToRgb, type DecodedPng, decode, hasPngSignature } from 'fast-png';
import { readBytes } from './bytes.js';
import { type ResizeMethod, type ResizePlan, resampleHwc, resizePlan } from './resize.js';
import { type ChannelCount, type ImageArray, LUMA } from './store.js';

/**
 * The PNG files of a folder in sorted order (code-unit order of the names, so `img10.png` sorts
 * before `img2.png` on every machine). Hidden files and subfolders are skipped; any other non-PNG
 * file fails, naming it, rather than being silently left out of a dataset.
 */
export function listPngFiles(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir}: not a folder`);
    names = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${dir}: folder not found`);
    throw error;
  }
  const files: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) continue;
    if (!name.toLowerCase().endsWith('.png')) throw new Error(`${path}: not a PNG (a folder dataset reads only .png files)`);
    files.push(path);
  }
  if (files.length === 0) throw new Error(`${dir}: no PNG images in the folder`);
  return files;
}

/** Decodes one PNG, failing with the file's name on a bad signature, a bad CRC or a broken stream. */
export function decodePngFile(file: string): DecodedPng {
  const bytes = readBytes(file);
  if (!hasPngSignature(bytes)) throw new Error(`${file}: not a PNG (bad signature)`);
  try {
    return decode(bytes, { checkCrc: true });
  } catch (error) {
    throw new Error(`${file}: corrupt PNG: ${(error as Error).message}`);
  }
}

/** Unpacks 1/2/4-bit grayscale rows (each row byte-aligned) to one sample per byte, scaled to 0…255. */
export function unpackLowDepth(data: ArrayLike<number>, width: number, height: number, depth: 1 | 2 | 4): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = data[y * rowBytes + (bit >> 3)] as number;
      const value = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * width + x] = Math.round((value * 255) / max);
    }
  }
  return out;
}

/** Samples on a 0…255 scale with their channel count, whatever the PNG's depth, palette or colour type. */
export function pngSamples(png: DecodedPng, file: string): { samples: ArrayLike<number>; channels: number; scale: number } {
  if (png.palette !== undefined) return { samples: convertIndexedToRgb(png), channels: png.palette[0]?.length ?? 3, scale: 1 };
  if (png.depth === 16) return { samples: png.data, channels: png.channels, scale: 255 / 65535 };
  if (png.depth === 8) return { samples: png.data, channels: png.channels, scale: 1 };
  if (png.channels !== 1) throw new Error(`${file}: ${png.depth}-bit PNG with ${png.channels} channels is not valid`);
  return { samples: unpackLowDepth(png.data, png.width, png.height, png.depth), channels: 1, scale: 1 };
}

/**
 * One PNG as HWC floats on 0…255 with `channels` channels: gray is repeated to RGB, RGB is mixed to
 * gray by BT.601 luma, and alpha is dropped (as PIL's `convert('RGB')` does), not composited.
 */
export function pngToChannels(png: DecodedPng, channels: ChannelCount, file: string): Float64Array {
  const { samples, channels: cin, scale } = pngSamples(png, file);
  const n = png.width * png.height;
  const out = new Float64Array(n * channels);
  const color = cin >= 3;
  for (let p = 0; p < n; p++) {
    const q = p * cin;
    if (channels === 1) {
      out[p] = color
        ? scale * (LUMA[0] * (samples[q] as number) + LUMA[1] * (samples[q + 1] as number) + LUMA[2] * (samples[q + 2] as number))
        : scale * (samples[q] as number);
    } else {
      for (let c = 0; c < 3; c++) out[3 * p + c] = scale * (samples[color ? q + c : q] as number);
    }
  }
  return out;
}

/** Options of a folder dataset. */
export interface ImageFolderOptions {
  channels: ChannelCount;
  /** Square side every image is resized to; null keeps the size, which all images must then share. */
  resolution: number | null;
  resize: ResizeMethod;
}

/**
 * Decodes every PNG of a folder once, converts channels, resizes to `resolution` (aspect ratio not
 * kept: crop beforehand) and rounds to bytes, so the folder costs what a byte dataset costs.
 */
export function readImageFolder(dir: string, options: ImageFolderOptions): { images: ImageArray; files: string[] } {
  const files = listPngFiles(dir);
  const C = options.channels;
  let size: [number, number] | null = options.resolution === null ? null : [options.resolution, options.resolution];
  let first = '';
  let pixels = new Uint8Array(0);
  const plans = new Map<string, ResizePlan | null>();
  for (const [i, file] of files.entries()) {
    const png = decodePngFile(file);
    if (size === null) {
      size = [png.height, png.width];
      first = file;
    }
    const [H, W] = size;
    if (options.resolution === null && (png.height !== H || png.width !== W)) {
      throw new Error(`${file}: ${png.width}×${png.height} differs from ${W}×${H} (${first}); set resolution to resize every image`);
    }
    if (i === 0) pixels = new Uint8Array(files.length * H * W * C);
    const key = `${png.height}x${png.width}`;
    if (!plans.has(key)) plans.set(key, png.height === H && png.width === W ? null : resizePlan(options.resize, png.height, png.width, H, W));
    const plan = plans.get(key) ?? null;
    const native = pngToChannels(png, C, file);
    const sized = plan === null ? native : new Float64Array(H * W * C);
    if (plan !== null) resampleHwc(native, C, plan, sized);
    const base = i * H * W * C;
    for (let k = 0; k < sized.length; k++) pixels[base + k] = Math.min(255, Math.max(0, Math.round(sized[k] as number)));
  }
  if (size === null) throw new Error(`${dir}: no PNG images in the folder`);
  const [height, width] = size;
  return { images: { count: files.length, height, width, channels: C, pixels }, files };
}
