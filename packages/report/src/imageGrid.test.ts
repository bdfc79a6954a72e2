import { decodePng } from '@ganbench/report/testing';
import { describe, expect, it } from 'vitest';
import { encodePng, imageGridPng } from './imageGrid.js';

describe('PNG sample grids', () => {
  it('encodes gray and RGB pixels losslessly, ending with the IEND chunk and its fixed CRC (ISO/IEC 15948)', () => {
    const gray = Uint8Array.from({ length: 6 }, (_, i) => i * 40);
    const png = encodePng(gray, 3, 2, 1);
    expect(Array.from(png.subarray(-12))).toEqual([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height]).toEqual([3, 2]);
    expect(Array.from(decoded.rgba.filter((_, i) => i % 4 === 0))).toEqual(Array.from(gray));
    const rgb = Uint8Array.from({ length: 12 }, (_, i) => 255 - i * 7);
    const back = decodePng(encodePng(rgb, 2, 2, 3)).rgba;
    expect(Array.from(back.filter((_, i) => i % 4 !== 3))).toEqual(Array.from(rgb));
    expect(() => encodePng(gray, 4, 2, 1)).toThrow('6 bytes do not make 4×2×1 pixels');
  });

  it('tiles images in [−1, 1] column-wise with a one-pixel gray gap, mapping −1 → 0 and 1 → 255', () => {
    // Three 2×2 gray images: all −1, all 1, and a ramp; two columns → a 5×5 grid.
    const images = [...[-1, -1, -1, -1], ...[1, 1, 1, 1], ...[-1, 0, 0.5, 1]];
    const { width, height, rgba } = decodePng(imageGridPng(images, [3, 2, 2, 1], 2));
    expect([width, height]).toEqual([5, 5]);
    const at = (x: number, y: number) => rgba[4 * (y * width + x)];
    expect([at(0, 0), at(1, 1), at(3, 0), at(4, 1)]).toEqual([0, 0, 255, 255]);
    expect([at(0, 3), at(1, 3), at(0, 4), at(1, 4)]).toEqual([0, 128, 191, 255]);
    expect([at(2, 0), at(0, 2), at(3, 3), at(4, 4)]).toEqual([128, 128, 128, 128]);
  });
});
