import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAdvanceWidths, textWidth } from './fontMetrics.js';
import { shippedFace, shippedFontFiles } from './fonts.js';

describe('shipped font metrics', () => {
  const regularFile = shippedFontFiles()[0] as string;

  it('ships all four DejaVu Sans faces as readable files', () => {
    expect(shippedFontFiles().map((file) => file.split(/[\\/]/).pop())).toEqual([
      'DejaVuSans.ttf',
      'DejaVuSans-Bold.ttf',
      'DejaVuSans-Oblique.ttf',
      'DejaVuSans-BoldOblique.ttf',
    ]);
    expect(readFileSync(regularFile).subarray(0, 4)).toEqual(Buffer.from([0, 1, 0, 0])); // TrueType magic
  });

  it('finds the same glyph widths through the BMP (format 4) and full-Unicode (format 12) tables', () => {
    const bytes = new Uint8Array(readFileSync(regularFile));
    const viaFormat4 = parseAdvanceWidths(bytes, 4);
    const viaFormat12 = parseAdvanceWidths(bytes, 12);
    const mismatches: number[] = [];
    for (let codePoint = 0; codePoint <= 0xffff; codePoint++) {
      if (viaFormat4.advance(codePoint) !== viaFormat12.advance(codePoint)) mismatches.push(codePoint);
    }
    expect(mismatches).toEqual([]);
  });

  it('measures proportional, weight-dependent widths', () => {
    const regular = shippedFace('normal', 'normal');
    const bold = shippedFace('bold', undefined);
    expect(regular.unitsPerEm).toBe(2048);
    expect(textWidth(regular, 'W', 10)).toBeGreaterThan(2 * textWidth(regular, 'i', 10));
    expect(textWidth(bold, 'Hello', 10)).toBeGreaterThan(textWidth(regular, 'Hello', 10));
    expect(shippedFace(700, 'normal')).toBe(bold);
    expect(textWidth(regular, 'Hello', 20)).toBeCloseTo(2 * textWidth(regular, 'Hello', 10), 9);
    expect(textWidth(regular, '\u{10FFFD}', 10)).toBeGreaterThan(0); // no glyph: the .notdef box's width
  });
});
