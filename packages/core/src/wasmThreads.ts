import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs-backend-wasm ships an Emscripten pthread build (XNNPACK on a pthreadpool) but turns it off
 * under Node (tfjs#3830): its flag test returns false for IS_NODE, its pthread workers are Blob URLs
 * that Node's worker_threads cannot start, and the C side caps the pool at logical cores / 2.
 * These three shims let the same build run on Node's worker_threads:
 * the flag is set, workers start from the package's own `wasm-out` worker and main scripts, and
 * the core count the C side reads during instantiation is doubled for that moment only.
 */

const require = createRequire(import.meta.url);
const WASM_OUT = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
const PTHREAD_MAIN_SCRIPT = path.join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.js');
/** XNNPACK's pool is capped at the 8 workers the build pre-creates. */
export const MAX_WASM_THREADS = 8;

export function wasmThreadsSupported(): boolean {
  return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';
}

function pthreadWorkerSource(): string {
  const { wasmWorkerContents } = require(path.join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The contents come from a template literal whose "\n" escapes became real newlines inside string literals.
  return wasmWorkerContents.replace(/\n/g, '\\n');
}

interface LoadMessage {
  cmd: 'load';
  urlOrBlob: unknown;
}

function isLoadMessage(message: unknown): message is LoadMessage {
  return typeof message === 'object' && message !== null && (message as { cmd?: unknown }).cmd === 'load';
}

let workerShimInstalled = false;

function installPthreadWorkerShim(): void {
  if (workerShimInstalled) return;
  const source = pthreadWorkerSource();
  class PthreadWorker extends NodeWorker {
    constructor(_blobUrl: unknown, options?: WorkerOptions) {
      super(source, { ...options, eval: true });
    }
    override postMessage(message: unknown, transferList?: Parameters<NodeWorker['postMessage']>[1]): void {
      // The worker evaluates the main script from a path; the Blob tfjs sends cannot be read there.
      if (isLoadMessage(message)) message.urlOrBlob = PTHREAD_MAIN_SCRIPT;
      super.postMessage(message, transferList);
    }
  }
  // Emscripten assigns worker_threads' Worker to the global while it instantiates; keep ours.
  Object.defineProperty(globalThis, 'Worker', {
    get: () => PthreadWorker,
    set: () => {},
    configurable: true,
  });
  workerShimInstalled = true;
}

/** Selects the wasm backend on `threads` XNNPACK threads; 1 picks the single-threaded SIMD build. */
export async function setWasmBackend(threads: number): Promise<boolean> {
  if (threads <= 1 || !wasmThreadsSupported()) return tf.setBackend('wasm');
  installPthreadWorkerShim();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  const realCpus = os.cpus;
  const cpus = realCpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length] as os.CpuInfo);
  let selected: boolean;
  try {
    selected = await tf.setBackend('wasm');
  } finally {
    os.cpus = realCpus;
  }
  // pthreadpool's threads wait for work for the life of the process; unreferenced, they let it exit.
  const module = (
    tf.backend() as unknown as {
      wasm?: { PThread?: { runningWorkers: NodeWorker[] } };
    }
  ).wasm;
  for (const worker of module?.PThread?.runningWorkers ?? []) worker.unref();
  return selected;
}
