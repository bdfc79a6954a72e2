import type { TensorInfo } from '@tensorflow/tfjs-core';
import { padV2Wasm } from './PadV2.js';
import { sliceWasm } from './Slice.js';
import { TILE_COLS } from './sgemm.js';
import { type WasmBackend, withTemporaries } from './wasm_kernel_util.js';

/** A channel count rounded up to whole tiles of columns. */
export const tileChannels = (channels: number): number => TILE_COLS * Math.ceil(channels / TILE_COLS);

/** x with zero channels appended along `axis` up to `channels`. */
function padAxis(backend: WasmBackend, x: TensorInfo, axis: number, channels: number): TensorInfo {
  const paddings = x.shape.map((d, a): [number, number] => [0, a === axis ? channels - d : 0]);
  return padV2Wasm({ inputs: { x }, backend, attrs: { paddings, constantValue: 0 } });
}

/** The first `channels` entries of x's last axis. */
function firstChannels(backend: WasmBackend, x: TensorInfo, channels: number): TensorInfo {
  const size = x.shape.map((d, a) => (a === x.shape.length - 1 ? channels : d));
  return sliceWasm({ inputs: { x }, backend, attrs: { begin: x.shape.map(() => 0), size } });
}

/** `run` on `operand` zero-padded along `axis` to `channels`, keeping the first `kept` channels of its result's last axis. */
export function throughPadded(
  backend: WasmBackend,
  operand: TensorInfo,
  axis: number,
  channels: number,
  kept: number,
  run: (padded: TensorInfo) => TensorInfo,
): TensorInfo {
  return withTemporaries(backend, (keep) => firstChannels(backend, keep(run(keep(padAxis(backend, operand, axis, channels)))), kept));
}
