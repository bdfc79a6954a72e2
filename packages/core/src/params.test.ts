import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { decodeSafetensors, ParamStore } from './params.js';

describe('ParamStore', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  function sample(): ParamStore {
    const p = new ParamStore();
    p.create('d/conv1/kernel', tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]));
    p.create('d/conv1/bias', tf.tensor1d([0.5, -0.5, 1.5]));
    p.create('g/bn/moving_mean', tf.zeros([3]), { trainable: false });
    return p;
  }

  it('lists, counts trainable and all scalars, and rejects duplicates', () => {
    const p = sample();
    expect(p.names()).toEqual(['d/conv1/kernel', 'd/conv1/bias', 'g/bn/moving_mean']);
    expect(p.count()).toBe(9);
    expect(p.count(true)).toBe(12);
    expect(() => p.create('d/conv1/bias', tf.zeros([3]))).toThrow("parameter 'd/conv1/bias' already exists");
    expect(() => p.get('nope')).toThrow("parameter 'nope' does not exist");
    p.dispose();
  });

  it('writes the safetensors layout: u64 LE header length, JSON header, little-endian F32 data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ganbench-params-'));
    const path = join(dir, 'ckpt.safetensors');
    const p = sample();
    await p.save(path, { step: '7' });
    const bytes = new Uint8Array(await readFile(path));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString()) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
    expect(header['d/conv1/kernel']).toEqual({ dtype: 'F32', shape: [1, 1, 2, 3], data_offsets: [0, 24] });
    expect(header['d/conv1/bias']).toEqual({ dtype: 'F32', shape: [3], data_offsets: [24, 36] });
    expect(new DataView(bytes.buffer, 8 + n + 24).getFloat32(4, true)).toBe(-0.5);
    expect((8 + n) % 8).toBe(0);
    expect(await readdir(dir)).toEqual(['ckpt.safetensors']);
    const { metadata, arrays } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ step: '7' });
    expect(arrays.map((a) => a.trainable)).toEqual([true, true, false]);
    p.dispose();
  });

  it('round-trips values into a store and refuses a shape mismatch', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ganbench-params-'));
    const path = join(dir, 'ckpt.safetensors');
    const p = sample();
    await p.save(path);
    const q = await ParamStore.fromFile(path);
    expect(Array.from(q.get('d/conv1/kernel').dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(q.get('g/bn/moving_mean').trainable).toBe(false);
    const wrong = new ParamStore();
    wrong.create('d/conv1/kernel', tf.zeros([2, 3]));
    wrong.create('d/conv1/bias', tf.zeros([3]));
    wrong.create('g/bn/moving_mean', tf.zeros([3]));
    await expect(wrong.load(path)).rejects.toThrow("parameter 'd/conv1/kernel' has shape [1,1,2,3], the network expects [2,3]");
    expect(Array.from(wrong.get('d/conv1/bias').dataSync())).toEqual([0, 0, 0]);
    const copy = p.clone();
    p.get('d/conv1/bias').assign(tf.tensor1d([9, 9, 9]));
    expect(Array.from(copy.get('d/conv1/bias').dataSync())).toEqual([0.5, -0.5, 1.5]);
    copy.assignFrom(p);
    expect(Array.from(copy.get('d/conv1/bias').dataSync())).toEqual([9, 9, 9]);
    for (const s of [p, q, wrong, copy]) s.dispose();
  });
});
