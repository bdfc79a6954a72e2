import { initBackend } from '@ganbench/core';
import { MIXTURE_DEFAULTS, runMixture } from './src/index.js';
await initBackend('wasm');
for (const [g, d, b] of [[{ width: 128, depth: 3 }, { width: 256, depth: 4, inputScale: 1 }, 512], [{ width: 128, depth: 3 }, { width: 256, depth: 4, inputScale: 1 }, 256], [{ width: 128, depth: 2 }, { width: 128, depth: 3, inputScale: 1 }, 512]] as const) {
  const t = performance.now();
  runMixture({ ...MIXTURE_DEFAULTS, steps: 20, snapshots: 1, batchSize: b, generator: g, discriminator: d });
  console.log(JSON.stringify([g, d, b]), ((performance.now() - t) / 20).toFixed(1), 'ms/step');
}
