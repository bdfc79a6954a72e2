import { createRequire } from 'node:module';
import { type AdvanceWidths, readAdvanceWidths } from './fontMetrics.js';

/** The one font family every spec names, so text looks the same on every machine. */
export const FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);

/** The shipped faces by weight and style; titles are bold, so bold ships too (resvg does not synthesize it). */
const FACE_FILES = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  italic: 'DejaVuSans-Oblique.ttf',
  boldItalic: 'DejaVuSans-BoldOblique.ttf',
} as const;

type FaceName = keyof typeof FACE_FILES;

/** Path of one shipped face inside the dejavu-fonts-ttf package. */
function facePath(face: FaceName): string {
  return require.resolve(`dejavu-fonts-ttf/ttf/${FACE_FILES[face]}`);
}

/** Font files shipped with the package: rendering never depends on fonts the machine happens to have. */
export function shippedFontFiles(): string[] {
  return (Object.keys(FACE_FILES) as FaceName[]).map(facePath);
}

const loadedFaces = new Map<FaceName, AdvanceWidths>();

/** Advance widths of the shipped face matching a CSS weight and style, parsed once per process. */
export function shippedFace(fontWeight: unknown, fontStyle: unknown): AdvanceWidths {
  const bold = isBold(fontWeight);
  const italic = fontStyle === 'italic' || fontStyle === 'oblique';
  const name: FaceName = bold && italic ? 'boldItalic' : bold ? 'bold' : italic ? 'italic' : 'regular';
  let face = loadedFaces.get(name);
  if (!face) {
    face = readAdvanceWidths(facePath(name));
    loadedFaces.set(name, face);
  }
  return face;
}

/** CSS bold: the keywords, or a numeric weight of 600 and up (how font matching picks a bold face). */
function isBold(fontWeight: unknown): boolean {
  if (fontWeight === 'bold' || fontWeight === 'bolder') return true;
  const numeric = Number(fontWeight);
  return Number.isFinite(numeric) && numeric >= 600;
}
