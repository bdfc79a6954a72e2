/**
 * The wide layer of the DCGAN bench step (64×14×14×64 → 64×7×7×128, 4×4 filters, stride 2, 'same') as
 * its three wasm kernels, each alone: the forward convolution, the filter gradient and the input gradient
 * (the transposed convolution). Best of `--rounds` calls each, kernels alternated round by round; beside
 * them the same three kernels in PyTorch (bench/torch_conv_kernels.py) on the same threads, in the same run.
 *
 *   npx tsx bench/src/convKernels.ts [--threads N] [--rounds R]
 */
import { parseArgs } from 'node:util';
import { backendInfo, initBackend, tf } from '@ganbench/core';
import { findPython, runTorchJson } from './runBench.js';

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
const python = findPython('torch');
const torch = python === null ? null : runTorchJson(python, 'torch_conv_kernels.py', ['--threads', String(values.threads), '--steps', String(values.rounds)]);
const info = await backendInfo();
const gflops = (ms: number) => (flops / ms / 1e6).toFixed(1).padStart(6);
console.log(`wasm, ${info.threads.used} thread(s), GEMM tile ${info.gemmTile ?? 'off'}; ${(flops / 1e6).toFixed(0)} MFLOP per kernel`);
console.log(
  torch === null ? 'PyTorch not found (set GANBENCH_PYTHON or install Debian python3-torch)' : `PyTorch ${torch.torch ?? ''} on the same threads beside it`,
);
console.log(`${'kernel'.padEnd(22)} ${'ms'.padStart(7)} GFLOP/s ${torch === null ? '' : `${'torch ms'.padStart(9)} GFLOP/s  ratio`}`);
for (const [name, ms] of Object.entries(best)) {
  const yardstick = torch?.[name];
  const theirs = yardstick === undefined ? '' : ` ${yardstick.toFixed(2).padStart(9)} ${gflops(yardstick)}  ${(ms / yardstick).toFixed(2).padStart(5)}`;
  console.log(`${name.padEnd(22)} ${ms.toFixed(2).padStart(7)}  ${gflops(ms)}${theirs}`);
}
