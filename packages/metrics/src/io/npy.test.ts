import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, readFeatures, readNpy, writeNpy } from './npy.js';
import { encodeNpz, parseNpz, readNpz, writeNpz } from './npz.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/fid/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ganbench-npy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A .npy file built by hand (independent of encodeNpy): given header dict and raw little/big-endian payload. */
function handMade(dict: string, payload: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const text = `${dict}${' '.repeat((64 - ((prefix + dict.length + 1) % 64)) % 64)}\n`;
  const out = new Uint8Array(prefix + text.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  out.set(payload, prefix + text.length);
  return out;
}

function float64s(values: number[], little: boolean): Uint8Array {
  const out = new Uint8Array(8 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setFloat64(8 * i, v, little);
  });
  return out;
}

describe('.npy', () => {
  it('reads numpy-written float32 and float64 feature matrices (fixtures)', () => {
    const f64 = readNpy(join(FIXTURES, 'd16_n200_n150_a.npy'));
    expect(f64.dtype).toBe('float64');
    expect(f64.shape).toEqual([200, 16]);
    const f32 = readFeatures(join(FIXTURES, 'd16_n200_n150_b.npy'));
    expect([f32.n, f32.dim]).toEqual([150, 16]);
    // the float64 file holds float32-exact values
    expect(Array.from(f64.data).every((v) => Math.fround(v) === v)).toBe(true);
  });

  it.each([
    ['float64', [2, 3], [1.5, -2, 1e-300, 3, Math.PI, -0]],
    ['float32', [4], [1.5, -2, 0.25, 3]],
    ['float64', [], [42]],
    ['float64', [0, 5], []],
  ] as const)('writeNpy → readNpy round-trips %s of shape %j', (dtype, shape, values) => {
    const path = join(tmp, `rt-${dtype}-${shape.join('x')}.npy`);
    writeNpy(path, values, [...shape], dtype);
    const back = readNpy(path);
    expect(back.shape).toEqual(shape);
    expect(back.dtype).toBe(dtype);
    expect(Array.from(back.data)).toEqual(values);
    // numpy's layout: the data starts 64-byte aligned, version 1.0
    const bytes = readFileSync(path);
    expect(bytes[6]).toBe(1);
    expect((10 + new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true)) % 64).toBe(0);
  });

  it('reads Fortran order (transposed to C order), big-endian, and version 2.0 headers', () => {
    const fortran = parseNpy(handMade("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", float64s([1, 4, 2, 5, 3, 6], true)), 'f.npy');
    expect(Array.from(fortran.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const big = parseNpy(handMade("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }", float64s([1, -2, 0.5], false)), 'b.npy');
    expect(Array.from(big.data)).toEqual([1, -2, 0.5]);
    const v2 = parseNpy(handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", float64s([7, 8], true), 2), 'v2.npy');
    expect(Array.from(v2.data)).toEqual([7, 8]);
  });

  it('rejects corrupt, truncated and unsupported files naming the file and what is allowed', () => {
    const good = encodeNpy([1, 2, 3, 4], [2, 2]);
    const path = join(tmp, 'truncated.npy');
    writeFileSync(path, good.subarray(0, good.length - 3));
    expect(() => readNpy(path)).toThrow(`${path}: truncated .npy file: shape (2, 2) of '<f8' needs 32 data bytes, the file has 29`);
    writeFileSync(path, good.subarray(0, 40));
    expect(() => readNpy(path)).toThrow(`${path}: truncated .npy file: the header needs 128 bytes, the file has 40`);
    writeFileSync(path, Buffer.from('P5 not numpy at all'));
    expect(() => readNpy(path)).toThrow(`${path}: not a NumPy .npy file (no \\x93NUMPY magic)`);
    const complex = handMade("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(16));
    expect(() => parseNpy(complex, 'c.npy')).toThrow("c.npy: dtype '<c16' is not supported; use '<f4', '<f8', '<i4', '<i8' (or big-endian '>')");
    expect(() => parseNpy(handMade("{'descr': '<f8', 'shape': (1,), }", new Uint8Array(8)), 'h.npy')).toThrow('h.npy: malformed .npy header');
    writeNpy(join(tmp, 'one-d.npy'), [1, 2, 3], [3]);
    expect(() => readFeatures(join(tmp, 'one-d.npy'))).toThrow(
      `${join(tmp, 'one-d.npy')}: features must be a 2-D array (samples × dimensions); its shape is (3)`,
    );
  });
});

describe('.npz', () => {
  it("reads numpy's np.savez_compressed (deflated) and np.savez (stored, zip64 extras) archives", () => {
    for (const file of ['stats_d16_a.npz', 'stats_d16_b.npz']) {
      const arrays = readNpz(join(FIXTURES, file));
      expect(Object.keys(arrays).sort()).toEqual(['mu', 'sigma']);
      expect(arrays.mu?.shape).toEqual([16]);
      expect(arrays.sigma?.shape).toEqual([16, 16]);
    }
  });

  it('writeNpz → readNpz round-trips, compressed and stored', () => {
    for (const compress of [true, false]) {
      const path = join(tmp, `rt-${compress}.npz`);
      writeNpz(path, { mu: { data: [1, 2], shape: [2] }, sigma: { data: [1, 0.5, 0.5, 2], shape: [2, 2], dtype: 'float32' } }, { compress });
      const back = readNpz(path);
      expect(Array.from(back.mu?.data ?? [])).toEqual([1, 2]);
      expect(back.sigma?.dtype).toBe('float32');
      expect(Array.from(back.sigma?.data ?? [])).toEqual([1, 0.5, 0.5, 2]);
    }
  });

  it('names the archive and the member for corrupt content, and rejects keys np.load cannot address', () => {
    expect(() => parseNpz(new Uint8Array([1, 2, 3, 4]), 'x.npz')).toThrow('x.npz: not a readable .npz (zip) archive');
    const inner = encodeNpz({ sigma: { data: [1, 2], shape: [2] } });
    expect(Object.keys(parseNpz(inner, 'ok.npz'))).toEqual(['sigma']);
    expect(() => encodeNpz({ 'bad name': { data: [1], shape: [1] } })).toThrow("npz key 'bad name': use a Python identifier");
  });
});
