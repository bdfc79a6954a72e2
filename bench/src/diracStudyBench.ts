import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BackendName, initBackend } from '@ganbench/core';
import { diracRegularizers, parseDiracStudy, runDiracStudy } from '@ganbench/toy-problems';
import { type BenchRow, findPython } from './runBench.js';

const STUDY = fileURLToPath(new URL('../../experiments/dirac.yaml', import.meta.url));

/**
 * The whole Dirac-GAN study (experiments/dirac.yaml, 30 runs of 500 steps) on each backend, and
 * the same runs in PyTorch autograd in the same process tree (bench/torch_dirac_study.py), which
 * also cross-checks the final distances of the runs that draw no noise.
 */
export async function runDiracStudyBench(options: {
  backends: BackendName[];
  threads: number;
  torch: boolean;
  log: (line: string) => void;
}): Promise<BenchRow[]> {
  const study = parseDiracStudy(readFileSync(STUDY, 'utf8'), 'experiments/dirac.yaml');
  const configs = study.runs.map((r) => r.config);
  const python = options.torch ? findPython('torch') : null;
  let torch: { total_ms: number; final_distances: number[] } | null = null;
  if (python !== null) {
    const script = fileURLToPath(new URL('../torch_dirac_study.py', import.meta.url));
    const run = spawnSync(python, [script, String(options.threads)], { input: JSON.stringify(configs), encoding: 'utf8', timeout: 600_000 });
    if (run.status === 0) torch = JSON.parse(run.stdout.trim().split('\n').pop() ?? '');
    else options.log(`torch_dirac_study.py failed: ${run.stderr.slice(-500)}`);
  }
  const rows: BenchRow[] = [];
  for (const backend of options.backends) {
    if (backend === 'webgpu') {
      // 30 runs × 500 steps of scalar arithmetic, each step read back: nothing for a GPU to do, and every read a round trip.
      options.log('dirac-study: not run on webgpu (scalar steps that each read back; the Dirac-GAN tests check webgpu against cpu)');
      continue;
    }
    await initBackend(backend, { threads: options.threads });
    const started = performance.now();
    const results = runDiracStudy(study);
    const ms = performance.now() - started;
    if (torch !== null) {
      const deterministic = results
        .map((r, i) => [r, torch?.final_distances[i] as number] as const)
        .filter(([r]) => !diracRegularizers(r.config).some((reg) => reg.name === 'instance-noise'));
      const worst = Math.max(...deterministic.map(([r, t]) => Math.abs(r.final_distance - t) / Math.max(t, 1e-6)));
      options.log(
        `dirac-study on ${backend}: ${Math.round(ms)} ms; final distances agree with PyTorch to ${worst.toExponential(1)} relative (runs without noise)`,
      );
    }
    rows.push({
      name: `dirac-study (${results.length} runs)`,
      backend,
      median_ms: Math.round(ms),
      yardstick: torch === null ? null : `pytorch-${options.threads}-threads`,
      yardstick_ms: torch === null ? null : Math.round(torch.total_ms),
      ratio: torch === null ? null : Math.round((100 * ms) / torch.total_ms) / 100,
      threads: backend === 'cpu' ? 1 : options.threads,
    });
  }
  return rows;
}
