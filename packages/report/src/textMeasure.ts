import * as vega from 'vega';
import { textWidth } from './fontMetrics.js';
import { shippedFace } from './fonts.js';

/** The text-item fields Vega's layout passes to its width measurer. */
interface TextItem {
  fontSize?: number | string | null;
  fontWeight?: unknown;
  fontStyle?: unknown;
  limit?: number;
}

/** Vega's process-wide text measurer (vega-scenegraph `textMetrics`), missing from vega's typings. */
interface VegaTextMetrics {
  width: (item: TextItem, text: unknown) => number;
}

/** Vega's default size when an item has none. */
const VEGA_DEFAULT_FONT_SIZE = 11;

/**
 * Width of a line of text as resvg will draw it with the shipped font. Without a canvas Vega guesses
 * 0.8 em per character, which is far too wide for DejaVu Sans and leaves gaps beside legends and axes.
 */
export function measureWithShippedFont(item: TextItem, text: unknown): number {
  const fontSize = item.fontSize != null ? Number(item.fontSize) || 0 : VEGA_DEFAULT_FONT_SIZE;
  const line = text == null ? '' : String(text).trim();
  const width = textWidth(shippedFace(item.fontWeight, item.fontStyle), line, fontSize);
  // Vega truncates text longer than `limit` (with an ellipsis), so it never lays out wider than that.
  return item.limit !== undefined && item.limit > 0 ? Math.min(width, item.limit) : width;
}

/** Makes Vega lay text out with the shipped font's real widths (the hook vl-convert uses too); idempotent. */
export function useShippedFontMetrics(): void {
  (vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics.width = measureWithShippedFont;
}
