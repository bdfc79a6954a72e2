import type { TensorInfo } from '@tensorflow/tfjs-core';
import { padV2Wasm } from './PadV2.js';
import { sliceWasm } from './Slice.js';
import { TILE_COLS } from './sgemm.js';
import type { WasmBackend } from './wasm_kernel_util.js';

/** A channel count rounded up to whole tiles of columns. */
export const tileChannels = (channels: number): number => TILE_COLS * Math.ceil(channels / TILE_COLS);

/** x with zero channels appended along `axis` up to `channels`. */
export function padAxis(backend: WasmBackend, x: TensorInfo, axis: number, channels: number): TensorInfo {
  const paddings = x.shape.map((d, a): [number, number] => [0, a === axis ? channels - d : 0]);
  return padV2Wasm({ inputs: { x }, backend, attrs: { paddings, constantValue: 0 } });
}

/** The first `channels` entries of x's last axis. */
export function firstChannels(backend: WasmBackend, x: TensorInfo, channels: number): TensorInfo {
  const size = x.shape.map((d, a) => (a === x.shape.length - 1 ? channels : d));
  return sliceWasm({ inputs: { x }, backend, attrs: { begin: x.shape.map(() => 0), size } });
}
