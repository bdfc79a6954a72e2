import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lineChart, replaceDirectory, scatterSnapshots, writePlot } from '@ganbench/report';
import { regularizersLabel } from '@ganbench/study-folder';
import type { Provenance } from './diracStudyReport.js';
import type { MixtureRun } from './mixture.js';

/** The square the dataset's modes lie in, with a margin of one mode spacing. */
function domainOf(modes: [number, number][]): [[number, number], [number, number]] {
  const extent = Math.max(...modes.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y))));
  const half = Math.ceil(extent + 1);
  return [
    [-half, half],
    [-half, half],
  ];
}

/**
 * Writes snapshots.png (scatter per snapshot, metrics in each title), metrics.png (modes covered
 * and high-quality fraction over training), metrics.json and samples.json, replacing `dir` whole.
 */
export async function writeMixtureRun(run: MixtureRun, dir: string, provenance: Provenance): Promise<string[]> {
  const { config, snapshots, modes } = run;
  const metrics = snapshots.map(({ fake, ...rest }) => rest);
  await replaceDirectory(dir, async (staging) => {
    await writePlot(
      staging,
      'snapshots',
      scatterSnapshots({
        real: run.real,
        snapshots: snapshots.map((s) => ({
          title: `step ${s.step}: ${s.modes_covered}/${modes.length} modes, ${(100 * s.high_quality).toFixed(0)}% HQ, FD ${s.frechet.toFixed(3)}`,
          fake: s.fake,
        })),
        columns: Math.min(3, snapshots.length),
        domain: domainOf(modes),
        title: `${config.dataset}: ${config.loss.name} + ${regularizersLabel(config.regularizers)}${config.normalization.name === 'none' ? '' : ` + ${config.normalization.name} norm`}, ${config.steps} steps`,
      }),
    );
    await writePlot(
      staging,
      'metrics',
      lineChart({
        series: [
          { label: `modes covered (of ${modes.length})`, points: snapshots.map((s) => [s.step, s.modes_covered / modes.length] as const) },
          { label: 'high-quality samples', points: snapshots.map((s) => [s.step, s.high_quality] as const) },
        ],
        title: `${config.dataset}: ${config.loss.name} + ${regularizersLabel(config.regularizers)}${config.normalization.name === 'none' ? '' : ` + ${config.normalization.name} norm`}`,
        xTitle: 'generator step',
        yTitle: 'fraction',
        yDomain: [0, 1],
      }),
    );
    await writeFile(path.join(staging, 'metrics.json'), `${JSON.stringify({ ...provenance, config, modes, snapshots: metrics }, null, 1)}\n`);
    await writeFile(path.join(staging, 'samples.json'), JSON.stringify({ real: run.real, snapshots: snapshots.map(({ step, fake }) => ({ step, fake })) }));
  });
  return ['snapshots.png', 'metrics.png', 'metrics.json', 'samples.json'].map((f) => path.join(dir, f));
}
