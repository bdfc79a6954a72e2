import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs-backend-wasm ships an Emscripten pthread build (XNNPACK on a pthreadpool, its memory a SharedArrayBuffer) but
 * turns it off under Node (tfjs#3830): its flag test returns false for IS_NODE and its pthread workers are Blob URLs
 * that Node's worker_threads cannot start. Two shims let the same build run under Node: the flag is set, and workers
 * start from the package's own `wasm-out` worker and main scripts. The project's tile (kernels/wasm/sgemm.ts) shares
 * out its work on helper threads of its own over that shared memory.
 */

const require = createRequire(import.meta.url);
const WASM_OUT = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
const PTHREAD_MAIN_SCRIPT = path.join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.js');
/** Threads the project's wasm kernels may share their work among. */
export const MAX_WASM_THREADS = 8;

let kernelThreads = 1;

/** Threads the project's tile and passes run on: --threads on the pthread build, else 1. */
export function wasmKernelThreads(): number {
  return kernelThreads;
}

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

/**
 * Selects the wasm backend with the project's kernels on `threads` threads; 1 picks the single-threaded SIMD build.
 * XNNPACK's own pool stays at one thread: waking it for each of a step's hundreds of small kernels cost more than a
 * second thread gained, on every architecture's step (docs/benchmarks.md), while the tile shares out the large work.
 */
export async function setWasmBackend(threads: number): Promise<boolean> {
  kernelThreads = 1;
  if (threads <= 1 || !wasmThreadsSupported()) return tf.setBackend('wasm');
  installPthreadWorkerShim();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(1);
  const selected = await tf.setBackend('wasm');
  if (selected) kernelThreads = threads;
  // the build's pthread workers wait for work for the life of the process; unreferenced, they let it exit.
  const module = (
    tf.backend() as unknown as {
      wasm?: { PThread?: { runningWorkers: NodeWorker[] } };
    }
  ).wasm;
  for (const worker of module?.PThread?.runningWorkers ?? []) worker.unref();
  return selected;
}
