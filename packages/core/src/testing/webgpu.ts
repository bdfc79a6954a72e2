import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend.js';

/**
 * Initializes the webgpu backend (the software adapter where there is no GPU). Resolves to null when it runs, or to
 * why it cannot, for the test file to print and skip on. Under GANBENCH_REQUIRE_WEBGPU=1 (CI sets it) a backend that
 * cannot start is an error instead, so the webgpu tests cannot skip there unnoticed.
 */
export async function webgpuSkipReason(): Promise<string | null> {
  try {
    await initBackend('webgpu');
    return null;
  } catch (error) {
    if (process.env.GANBENCH_REQUIRE_WEBGPU === '1') throw error;
    const reason = `webgpu tests skipped: ${(error as Error).message}`;
    console.warn(reason);
    return reason;
  }
}

/**
 * Runs `compute` on the cpu backend, then on webgpu, and reads every returned tensor back (asynchronously: webgpu has
 * no synchronous read under Node). `compute` builds its inputs itself, so each backend starts from the same numbers.
 */
export async function onCpuAndWebgpu(
  compute: () => tf.Tensor | tf.Tensor[] | Promise<tf.Tensor | tf.Tensor[]>,
): Promise<{ cpu: number[][]; webgpu: number[][] }> {
  const results: Record<'cpu' | 'webgpu', number[][]> = { cpu: [], webgpu: [] };
  for (const backend of ['cpu', 'webgpu'] as const) {
    await initBackend(backend);
    if (tf.getBackend() !== backend) throw new Error(`onCpuAndWebgpu: the engine runs on '${tf.getBackend()}', not '${backend}'`);
    const out = await compute();
    const tensors = Array.isArray(out) ? out : [out];
    for (const t of tensors) results[backend].push(Array.from(await t.data()));
    tf.dispose(tensors);
  }
  return results;
}

/** |a − b| ≤ atol + rtol·|b| elementwise (numpy's allclose), with the worst offender in the message. */
export function expectClose(actual: readonly number[], expected: readonly number[], { rtol = 1e-4, atol = 1e-5 } = {}, what = 'values'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const b = expected[i] as number;
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    const excess = Number.isFinite(a) && Number.isFinite(b) ? Math.abs(a - b) - (atol + rtol * Math.abs(b)) : Number.POSITIVE_INFINITY;
    if (excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) throw new Error(`${what}: at index ${worst} got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
}
