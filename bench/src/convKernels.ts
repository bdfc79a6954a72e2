/**
 * The wide layer of the DCGAN bench step (64×14×14×64 → 64×7×7×128, 4×4 filters, stride 2, 'same') as
 * its three wasm kernels, each alone: the forward convolution, the filter gradient and the input gradient
 * (the transposed convolution). Best of `--rounds` calls each, kernels alternated round by round.
 *
 *   npx tsx bench/src/convKernels.ts [--threads N] [--rounds R]
 */
import { parseArgs } from 'node:util';
import { backendInfo, initBackend, tf } from '@ganbench/core';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '15' } } });
await initBackend('wasm', { threads: Number(values.threads) });
const x = tf.randomNormal([64, 14, 14, 64]) as tf.Tensor4D;
const w = tf.randomNormal([4, 4, 64, 128]) as tf.Tensor4D;
const dy = tf.randomNormal([64, 7, 7, 128]) as tf.Tensor4D;
const flops = 2 * 64 * 7 * 7 * 128 * 4 * 4 * 64;
const kernels: Record<string, () => tf.Tensor> = {
  Conv2D: () => tf.conv2d(x, w, 2, 'same'),
  Conv2DBackpropFilter: () =>
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: w.shape }) as tf.Tensor,
  Conv2DBackpropInput: () => tf.conv2dTranspose(dy, w, x.shape, 2, 'same'),
};
const best: Record<string, number> = {};
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, run] of Object.entries(kernels)) {
    const t0 = performance.now();
    const out = run();
    out.dataSync();
    const ms = performance.now() - t0;
    out.dispose();
    best[name] = Math.min(best[name] ?? Number.POSITIVE_INFINITY, ms);
  }
}
const info = await backendInfo();
console.log(`wasm, ${info.threads.used} thread(s), GEMM tile ${info.gemmTile ?? 'off'}; ${(flops / 1e6).toFixed(0)} MFLOP per kernel`);
for (const [name, ms] of Object.entries(best))
  console.log(`${name.padEnd(22)} ${ms.toFixed(2).padStart(7)} ms  ${(flops / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`);
