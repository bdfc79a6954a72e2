import { readFileSync } from 'node:fs';

/** Horizontal advance widths of one TrueType face, enough to measure a line of text without a canvas. */
export interface AdvanceWidths {
  unitsPerEm: number;
  /** Advance of the glyph for a code point, in font units (the .notdef glyph's when the font lacks it). */
  advance(codePoint: number): number;
}

/** Reads a TrueType file's advance widths (tables head, hhea, hmtx, cmap). */
export function readAdvanceWidths(path: string): AdvanceWidths {
  return parseAdvanceWidths(new Uint8Array(readFileSync(path)));
}

/**
 * Parses advance widths from TrueType bytes; only what text measurement needs, nothing about outlines.
 * `cmapFormat` picks the Unicode subtable when a font has both (12 covers all of Unicode, 4 only the BMP).
 */
export function parseAdvanceWidths(bytes: Uint8Array, cmapFormat: 4 | 12 = 12): AdvanceWidths {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = tableOffsets(data);
  const unitsPerEm = data.getUint16(tables.head + 18);
  const metricCount = data.getUint16(tables.hhea + 34);
  const advanceOfGlyph = (glyph: number) => data.getUint16(tables.hmtx + 4 * Math.min(glyph, metricCount - 1));
  const glyphOf = characterToGlyph(data, tables.cmap, cmapFormat);
  const cache = new Map<number, number>();
  return {
    unitsPerEm,
    advance(codePoint) {
      let width = cache.get(codePoint);
      if (width === undefined) {
        width = advanceOfGlyph(glyphOf(codePoint));
        cache.set(codePoint, width);
      }
      return width;
    },
  };
}

/** Offsets of the tables text measurement needs; a font without them is not a usable TrueType font. */
function tableOffsets(data: DataView): Record<'head' | 'hhea' | 'hmtx' | 'cmap', number> {
  const found = new Map<string, number>();
  const count = data.getUint16(4);
  for (let i = 0; i < count; i++) {
    const record = 12 + 16 * i;
    const tag = String.fromCharCode(data.getUint8(record), data.getUint8(record + 1), data.getUint8(record + 2), data.getUint8(record + 3));
    found.set(tag, data.getUint32(record + 8));
  }
  const need = (tag: string) => {
    const offset = found.get(tag);
    if (offset === undefined) throw new Error(`font has no '${tag}' table`);
    return offset;
  };
  return { head: need('head'), hhea: need('hhea'), hmtx: need('hmtx'), cmap: need('cmap') };
}

/** Character-to-glyph lookup from a Unicode cmap subtable, the preferred format if present, else the other. */
function characterToGlyph(data: DataView, cmap: number, preferred: 4 | 12): (codePoint: number) => number {
  const subtables = new Map<number, number>();
  const count = data.getUint16(cmap + 2);
  for (let i = 0; i < count; i++) {
    const record = cmap + 4 + 8 * i;
    const platform = data.getUint16(record);
    const encoding = data.getUint16(record + 2);
    const isUnicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    const offset = cmap + data.getUint32(record + 4);
    if (isUnicode && !subtables.has(data.getUint16(offset))) subtables.set(data.getUint16(offset), offset);
  }
  const format12 = subtables.get(12);
  const format4 = subtables.get(4);
  if (format12 !== undefined && (preferred === 12 || format4 === undefined)) return (codePoint) => lookupFormat12(data, format12, codePoint);
  if (format4 !== undefined) return (codePoint) => lookupFormat4(data, format4, codePoint);
  throw new Error('font has no Unicode cmap subtable of format 4 or 12');
}

/** Segmented coverage: groups of consecutive code points mapped to consecutive glyphs. */
function lookupFormat12(data: DataView, table: number, codePoint: number): number {
  const groups = data.getUint32(table + 12);
  let low = 0;
  let high = groups - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const group = table + 16 + 12 * middle;
    const start = data.getUint32(group);
    const end = data.getUint32(group + 4);
    if (codePoint < start) high = middle - 1;
    else if (codePoint > end) low = middle + 1;
    else return data.getUint32(group + 8) + (codePoint - start);
  }
  return 0;
}

/** Segment mapping to delta values, the classic BMP subtable. */
function lookupFormat4(data: DataView, table: number, codePoint: number): number {
  if (codePoint > 0xffff) return 0;
  const segments = data.getUint16(table + 6) / 2;
  const endCodes = table + 14;
  const startCodes = endCodes + 2 * segments + 2;
  const deltas = startCodes + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  for (let i = 0; i < segments; i++) {
    if (codePoint > data.getUint16(endCodes + 2 * i)) continue;
    const start = data.getUint16(startCodes + 2 * i);
    if (codePoint < start) return 0;
    const delta = data.getUint16(deltas + 2 * i);
    const rangeOffset = data.getUint16(rangeOffsets + 2 * i);
    if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
    const glyph = data.getUint16(rangeOffsets + 2 * i + rangeOffset + 2 * (codePoint - start));
    return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
  }
  return 0;
}

/** Width in pixels of one line of text set in a face at a font size. */
export function textWidth(face: AdvanceWidths, text: string, fontSize: number): number {
  let units = 0;
  for (const character of text) units += face.advance(character.codePointAt(0) as number);
  return (units * fontSize) / face.unitsPerEm;
}
