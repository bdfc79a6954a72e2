import { initBackend } from '@ganbench/core';
import { MIXTURE_DEFAULTS, runMixture } from './src/index.js';
await initBackend('wasm', { threads: 1 });
const extra = JSON.parse(process.argv[2] ?? '{}');
const run = runMixture({ ...MIXTURE_DEFAULTS, ...extra });
for (const s of run.snapshots) {
  const xs = s.fake.map((p) => p[0]), ys = s.fake.map((p) => p[1]);
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const sd = (a: number[]) => Math.sqrt(mean(a.map((x) => (x - mean(a)) ** 2)));
  console.log(s.step, s.modes_covered, s.high_quality.toFixed(3), 'mean', mean(xs).toFixed(2), mean(ys).toFixed(2), 'sd', sd(xs).toFixed(2), sd(ys).toFixed(2), 'D', s.d_loss.toFixed(3), 'G', s.g_loss.toFixed(3));
}
