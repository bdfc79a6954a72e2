import { Add } from '@tensorflow/tfjs-core';
import { channelBroadcastKernel } from './channelBroadcast.js';

/** Add on wasm: a layer's bias in one pass over x; else the shipped kernel. */
export const addWasmConfig = channelBroadcastKernel(Add, 'channelAdd');
