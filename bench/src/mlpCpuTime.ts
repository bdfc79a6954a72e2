/**
 * The quick study's MLP trial step (createMlpStep, read back as trials read it) with the current
 * trainer against the trainer before issue 18's overhead cuts (createReferenceGanTrainer), in one
 * process, alternating blocks of steps so that a loaded machine disturbs both alike: after `warmup`
 * steps of each, `rounds` × (a block of `block` steps of each, in turn), CPU time (process.cpuUsage,
 * user + system) and wall time per step, the median over the blocks. wasm, one thread.
 *
 *   npx tsx bench/src/mlpCpuTime.ts [--rounds 10] [--block 30] [--warmup 50]
 *
 * One JSON line on stdout.
 */
import { parseArgs } from 'node:util';
import { initBackend } from '@ganbench/core';
import { createReferenceGanTrainer } from '@ganbench/train';
import { createMlpStep } from './mlpStep.js';
import { median } from './runBench.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '10' }, block: { type: 'string', default: '30' }, warmup: { type: 'string', default: '50' } },
});
const rounds = Number(values.rounds);
const block = Number(values.block);
const warmup = Number(values.warmup);
await initBackend('wasm', { threads: 1 });
const lines = { reference: createMlpStep(0, createReferenceGanTrainer), current: createMlpStep() };
const times = { reference: { cpu: [] as number[], wall: [] as number[] }, current: { cpu: [] as number[], wall: [] as number[] } };
for (const line of Object.values(lines)) for (let i = 0; i < warmup; i++) await line.stepAsync();
for (let r = 0; r < rounds; r++) {
  for (const name of (r % 2 === 0 ? ['reference', 'current'] : ['current', 'reference']) as (keyof typeof lines)[]) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < block; i++) await lines[name].stepAsync();
    const cpu = process.cpuUsage(cpu0);
    times[name].wall.push((performance.now() - t0) / block);
    times[name].cpu.push((cpu.user + cpu.system) / 1000 / block);
  }
}
for (const line of Object.values(lines)) line.dispose();
const round = (x: number) => Math.round(x * 1000) / 1000;
const summary = (name: keyof typeof times) => ({ cpu_ms_per_step: round(median(times[name].cpu)), wall_ms_per_step: round(median(times[name].wall)) });
const [reference, current] = [summary('reference'), summary('current')];
process.stdout.write(
  `${JSON.stringify({ rounds, block, reference, current, cpu_ratio: round(current.cpu_ms_per_step / reference.cpu_ms_per_step), wall_ratio: round(current.wall_ms_per_step / reference.wall_ms_per_step) })}\n`,
);
