import { crc32, deflateSync } from 'node:zlib';

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An 8-bit grayscale (channels 1) or RGB (channels 3) PNG (ISO/IEC 15948): filter 0 on every row, one zlib stream. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: ${pixels.length} bytes do not make ${width}×${height}×${channels} pixels`);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, channels === 1 ? 0 : 2, 0, 0, 0], 8);
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const parts = [PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array())];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    png.set(p, offset);
    offset += p.length;
  }
  return png;
}

/**
 * Images [n, h, w, c] in [−1, 1] (row-major NHWC) tiled into one PNG, `columns` per row, with a
 * 1-pixel gap of mid-gray so neighbouring samples stay apart.
 */
export function imageGridPng(
  images: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  columns = Math.ceil(Math.sqrt(shape[0])),
): Uint8Array {
  const [n, h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new Error(`imageGridPng: ${c} channels; images need 1 or 3`);
  const rows = Math.ceil(n / columns);
  const width = columns * (w + 1) - 1;
  const height = rows * (h + 1) - 1;
  const pixels = new Uint8Array(width * height * c).fill(128);
  for (let i = 0; i < n; i++) {
    const left = (i % columns) * (w + 1);
    const top = Math.floor(i / columns) * (h + 1);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) {
          const v = images[((i * h + y) * w + x) * c + k] as number;
          pixels[((top + y) * width + left + x) * c + k] = Math.round(Math.min(1, Math.max(-1, Number.isFinite(v) ? v : 0)) * 127.5 + 127.5);
        }
  }
  return encodePng(pixels, width, height, c);
}
