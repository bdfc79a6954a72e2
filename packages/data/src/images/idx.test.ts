import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLabels, encodeIdx, IDX_IMAGES_MAGIC, isGzip, parseIdx, readIdxImages, readIdxLabels } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'ganbench-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 3 images of 2×4 pixels whose bytes are their own positions, so any reordering shows. */
const PIXELS = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 11) % 256);
const LABELS = Uint8Array.from([7, 0, 9]);

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('IDX reader', () => {
  it('round-trips images and labels through raw and gzipped files alike', () => {
    const rawImages = encodeIdx([3, 2, 4], PIXELS);
    expect(Array.from(rawImages.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4]);
    for (const gz of [false, true]) {
      const pack = (b: Uint8Array) => (gz ? new Uint8Array(gzipSync(b)) : b);
      const imagesPath = write(`images-${gz}${gz ? '.gz' : ''}`, pack(rawImages));
      const labelsPath = write(`labels-${gz}`, pack(encodeIdx([3], LABELS)));
      const images = readIdxImages(imagesPath);
      expect(images).toMatchObject({ count: 3, height: 2, width: 4, channels: 1 });
      expect(Array.from(images.pixels)).toEqual(Array.from(PIXELS));
      expect(Array.from(readIdxLabels(labelsPath))).toEqual([7, 0, 9]);
      expect(isGzip(pack(rawImages))).toBe(gz);
    }
  });

  it('gzip is detected by the magic bytes 1f 8b, not by the file name', () => {
    const path = write('gzipped-without-suffix', new Uint8Array(gzipSync(encodeIdx([1], Uint8Array.of(4)))));
    expect(Array.from(readIdxLabels(path))).toEqual([4]);
  });

  it('a truncated file names itself and both byte counts', () => {
    const whole = encodeIdx([3, 2, 4], PIXELS);
    const path = write('train-images-idx3-ubyte.gz', new Uint8Array(gzipSync(whole.subarray(0, whole.length - 5))));
    expect(() => readIdxImages(path)).toThrow(`${path}: truncated: expected 24 bytes of data, got 19`);
    const header = write('short-header', whole.subarray(0, 10));
    expect(() => readIdxImages(header)).toThrow(`${header}: truncated: expected a 16-byte header, got 10 bytes`);
  });

  it('extra bytes after the data are refused as well', () => {
    const whole = encodeIdx([2], Uint8Array.of(1, 2));
    const path = write('padded', Uint8Array.from([...whole, 0, 0]));
    expect(() => readIdxLabels(path)).toThrow(`${path}: 2 unexpected bytes after the 2 bytes of data the header announces`);
  });

  it('a wrong magic number (labels read as images, or not IDX at all) names file, magic and expectation', () => {
    const labels = write('labels-as-images', encodeIdx([3], LABELS));
    expect(() => readIdxImages(labels)).toThrow(`${labels}: wrong magic number 0x00000801, expected 0x00000803 (IDX unsigned-byte images)`);
    const png = write('not-idx', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4));
    expect(() => readIdxLabels(png)).toThrow(`${png}: wrong magic number 0x89504e47, expected 0x00000801`);
  });

  it('a corrupt gzip stream names the file', () => {
    const gz = new Uint8Array(gzipSync(encodeIdx([3, 2, 4], PIXELS)));
    const path = write('corrupt.gz', gz.subarray(0, gz.length - 12));
    expect(() => readIdxImages(path)).toThrow(`${path}: corrupt gzip:`);
  });

  it('a missing file says so with its path', () => {
    const path = join(dir, 'nope-idx3-ubyte.gz');
    expect(() => readIdxImages(path)).toThrow(`${path}: not found`);
  });

  it('labels must pair with images and lie within the classes', () => {
    expect(() => checkLabels(LABELS, 4, 10, 'l', 'i')).toThrow('l: 3 labels for 4 images in i');
    expect(() => checkLabels(LABELS, 3, 9, 'l', 'i')).toThrow('l: label 9 at index 2 is outside 0…8');
  });

  it('parseIdx reads any ubyte dimensionality the caller expects', () => {
    const bytes = encodeIdx([2, 1, 1, 2], Uint8Array.of(1, 2, 3, 4));
    expect(parseIdx(bytes, 'x', 0x804)).toEqual({ dims: [2, 1, 1, 2], data: Uint8Array.of(1, 2, 3, 4) });
    expect(() => parseIdx(bytes, 'x', IDX_IMAGES_MAGIC)).toThrow('x: wrong magic number 0x00000804, expected 0x00000803');
  });
});
