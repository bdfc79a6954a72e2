import { Multiply } from '@tensorflow/tfjs-core';
import { channelBroadcastKernel } from './channelBroadcast.js';

/** Multiply on wasm: a per-channel scale (a norm's γ or 1/σ) in one pass over x; else the shipped kernel. */
export const multiplyWasmConfig = channelBroadcastKernel(Multiply, 'channelMul');
