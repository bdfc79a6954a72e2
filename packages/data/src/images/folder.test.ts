import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@ganbench/core';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPngFiles, loadImageDataset } from '../index.js';
import { unpackLowDepth } from './folder.js';

const root = mkdtempSync(join(tmpdir(), 'ganbench-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, Uint8Array | string>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, file), bytes);
  return dir;
}

/** A 2×2 PNG whose every pixel is `px` (1, 2, 3 or 4 samples). */
function solid(px: number[], depth: 8 | 16 = 8): Uint8Array {
  const data = depth === 16 ? new Uint16Array(4 * px.length) : new Uint8Array(4 * px.length);
  for (let p = 0; p < 4; p++) data.set(px, p * px.length);
  return encode({ width: 2, height: 2, data, channels: px.length, depth });
}

/** The images of a folder dataset as one flat array, tensors disposed. */
async function pixels(dir: string, options: { channels?: number; resolution?: number; pad?: number } = {}): Promise<{ shape: number[]; data: number[] }> {
  const dataset = await loadImageDataset('folder', { path: dir, ...options });
  const { images, labels } = dataset.batch(Array.from({ length: dataset.length }, (_, i) => i));
  expect(labels).toBeNull();
  const data = Array.from(images.dataSync());
  images.dispose();
  return { shape: [dataset.length, ...dataset.shape], data };
}

const v = (byte: number) => Math.fround(byte / 127.5 - 1);

beforeAll(async () => {
  await initBackend('cpu');
});

describe('image folder', () => {
  it('reads PNGs in sorted file-name order (img10 before img2), skipping hidden files and subfolders', () => {
    const dir = folder('order', { 'img2.png': solid([2]), 'img10.png': solid([10]), 'a.png': solid([1]), '.DS_Store': 'x' });
    mkdirSync(join(dir, 'sub'));
    expect(listPngFiles(dir).map((f) => f.slice(dir.length + 1))).toEqual(['a.png', 'img10.png', 'img2.png']);
  });

  it('gray, gray+alpha, RGB, RGBA, 16-bit and palette PNGs all become RGB (gray repeated, alpha dropped)', async () => {
    const palette = encode({
      width: 2,
      height: 2,
      data: Uint8Array.of(1, 1, 1, 1),
      depth: 8,
      channels: 1,
      palette: [
        [0, 0, 0],
        [10, 20, 30],
      ],
    });
    const dir = folder('kinds', {
      '1-gray.png': solid([51]),
      '2-gray-alpha.png': solid([102, 0]),
      '3-rgb.png': solid([10, 20, 30]),
      '4-rgba.png': solid([40, 50, 60, 7]),
      '5-gray16.png': solid([257 * 204], 16),
      '6-palette.png': palette,
    });
    const { shape, data } = await pixels(dir);
    expect(shape).toEqual([6, 2, 2, 3]);
    const firstPixel = (i: number) => data.slice(i * 12, i * 12 + 3);
    expect(firstPixel(0)).toEqual([v(51), v(51), v(51)]);
    expect(firstPixel(1)).toEqual([v(102), v(102), v(102)]);
    expect(firstPixel(2)).toEqual([v(10), v(20), v(30)]);
    expect(firstPixel(3)).toEqual([v(40), v(50), v(60)]);
    expect(firstPixel(4)).toEqual([v(204), v(204), v(204)]);
    expect(firstPixel(5)).toEqual([v(10), v(20), v(30)]);
  });

  it('channels: 1 mixes RGB by BT.601 luma, rounded to a byte', async () => {
    const dir = folder('gray', { 'a.png': solid([200, 100, 50]) });
    const { shape, data } = await pixels(dir, { channels: 1 });
    expect(shape).toEqual([1, 2, 2, 1]);
    expect(data[0]).toBe(v(Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50)));
  });

  it('resolution resizes every image (area: a 4×4 of 2×2 blocks → their means), then pad adds a −1 border', async () => {
    const blocks = Uint8Array.from([0, 0, 100, 100, 0, 0, 100, 100, 50, 50, 200, 200, 50, 50, 200, 200]);
    const dir = folder('resize', { 'big.png': encode({ width: 4, height: 4, data: blocks, channels: 1, depth: 8 }), 'small.png': solid([9]) });
    const { shape, data } = await pixels(dir, { resolution: 2, channels: 1, pad: 1 });
    expect(shape).toEqual([2, 4, 4, 1]);
    expect(data.slice(0, 16)).toEqual([-1, -1, -1, -1, -1, v(0), v(100), -1, -1, v(50), v(200), -1, -1, -1, -1, -1]);
    expect(data[16 + 5]).toBe(v(9));
  });

  it('images of different sizes without a resolution fail naming the odd file', async () => {
    const dir = folder('sizes', { 'a.png': solid([1]), 'b.png': encode({ width: 3, height: 1, data: Uint8Array.of(1, 2, 3), channels: 1, depth: 8 }) });
    await expect(loadImageDataset('folder', { path: dir })).rejects.toThrow(
      `${join(dir, 'b.png')}: 3×1 differs from 2×2 (${join(dir, 'a.png')}); set resolution`,
    );
  });

  it('missing folder, empty folder, a non-PNG file, a fake .png and a corrupt PNG fail naming the path', async () => {
    const missing = join(root, 'does-not-exist');
    await expect(loadImageDataset('folder', { path: missing })).rejects.toThrow(`${missing}: folder not found`);
    const empty = folder('empty', {});
    await expect(loadImageDataset('folder', { path: empty })).rejects.toThrow(`${empty}: no PNG images in the folder`);
    const jpeg = folder('jpeg', { 'a.png': solid([1]), 'b.jpg': 'JFIF' });
    await expect(loadImageDataset('folder', { path: jpeg })).rejects.toThrow(`${join(jpeg, 'b.jpg')}: not a PNG (a folder dataset reads only .png files)`);
    const fake = folder('fake', { 'a.png': 'hello' });
    await expect(loadImageDataset('folder', { path: fake })).rejects.toThrow(`${join(fake, 'a.png')}: not a PNG (bad signature)`);
    const good = solid([1, 2, 3]);
    const broken = Uint8Array.from(good);
    broken[good.length - 20] = (broken[good.length - 20] as number) ^ 0xff; // inside IDAT: its CRC no longer matches
    const corrupt = folder('corrupt', { 'a.png': broken, 'b.png': good.subarray(0, 40) });
    await expect(loadImageDataset('folder', { path: corrupt })).rejects.toThrow(`${join(corrupt, 'a.png')}: corrupt PNG:`);
    rmSync(join(corrupt, 'a.png'));
    await expect(loadImageDataset('folder', { path: corrupt })).rejects.toThrow(`${join(corrupt, 'b.png')}: corrupt PNG:`);
  });

  it('1-, 2- and 4-bit gray rows unpack to bytes scaled to 0…255', () => {
    expect(Array.from(unpackLowDepth(Uint8Array.of(0b10110000), 4, 1, 1))).toEqual([255, 0, 255, 255]);
    expect(Array.from(unpackLowDepth(Uint8Array.of(0b00011011, 0b11000000), 3, 2, 2))).toEqual([0, 85, 170, 255, 0, 0]);
    expect(Array.from(unpackLowDepth(Uint8Array.of(0xf0), 1, 1, 4))).toEqual([255]);
  });
});
