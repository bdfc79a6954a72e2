import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { complexPlanePath, panelGrid, replaceDirectory, type VegaLiteSpec, vectorFieldWithTrajectories, writePlot } from '@ganbench/report';
import { DIRAC_DEFAULTS, type DiracConfig, diracVectorField, type FieldArrow } from './dirac.js';
import { type Complex, describeEigenvalues, diracEigenvalues } from './diracJacobian.js';
import { CONVERGED_DISTANCE, type DiracStudy, type DiracStudyResult } from './diracStudy.js';

/** The command that produced a result, and where and how long it ran. */
export interface Provenance {
  command: string;
  details: string;
}

const DOMAIN = [
  [-2, 2],
  [-2, 2],
] as const;

/** The R1 eigenvalue path of Mescheder et al. 2018, Fig. 4: minimax + R1 as γ goes from 0 to 1.5. */
export function r1EigenvaluePath(gammas = Array.from({ length: 61 }, (_, i) => i * 0.025)): { gamma: number; eigenvalues: [Complex, Complex] }[] {
  return gammas.map((gamma) => {
    // R1 takes γ > 0; γ = 0 is the unregularized game.
    const config: DiracConfig = {
      ...DIRAC_DEFAULTS,
      loss: { name: 'minimax', params: {} },
      ...(gamma > 0 ? { regularizer: { name: 'r1', params: { gamma } } } : {}),
    };
    const { eigenvalues } = diracEigenvalues(config);
    if (eigenvalues === null) throw new Error(`R1 γ = ${gamma}: no eigenvalues`);
    return { gamma, eigenvalues };
  });
}

function trajectoryPanel(result: DiracStudyResult, field: FieldArrow[], size: number, title: string): VegaLiteSpec {
  return vectorFieldWithTrajectories({
    field,
    trajectories: [{ label: result.column, points: result.trajectory }],
    domain: DOMAIN,
    title,
    xTitle: 'θ',
    yTitle: 'ψ',
    width: size,
    height: size,
  });
}

/** A note inside a Markdown table cell: its own pipes would end the cell. */
const cellText = (text: string) => text.replaceAll('|', '\\|');

/** summary.md: final distance per row and column, whether it converged, and the eigenvalues at (0, 0). */
export function diracSummaryMarkdown(study: DiracStudy, results: DiracStudyResult[], provenance: Provenance): string {
  const cell = (row: string, column: string) => {
    const r = results.find((x) => x.row === row && x.column === column);
    if (r === undefined) return '';
    return `${Number.isFinite(r.final_distance) ? r.final_distance.toExponential(1) : String(r.final_distance)} ${r.converged ? '✓' : '✗'}`;
  };
  const eigen = (row: string) => {
    const r = results.find((x) => x.row === row);
    if (r === undefined) return '';
    return cellText(describeEigenvalues(r));
  };
  const first = results[0]?.config;
  return [
    `# ${study.title}`,
    '',
    `Final distance ‖(θ, ψ)‖ to the equilibrium (0, 0) after ${first?.steps} generator steps of size h = ${first?.lr} from (${first?.init.join(', ')}); ✓ when below ${CONVERGED_DISTANCE}. Eigenvalues are those of the Jacobian of the continuous gradient field at (0, 0).`,
    '',
    `| configuration | ${study.columns.join(' | ')} | eigenvalues at (0, 0) |`,
    `|---|${study.columns.map(() => '---|').join('')}---|`,
    ...study.rows.map((row) => `| ${row} | ${study.columns.map((column) => cell(row, column)).join(' | ')} | ${eigen(row)} |`),
    '',
    `Produced by \`${provenance.command}\` (${provenance.details}). Plots: \`grid.png\` (all runs), \`runs/<run>.png\` (one per run), \`r1-eigenvalues.png\`.`,
    '',
  ].join('\n');
}

/**
 * Writes the study to `dir`: one plot per run over its vector field, the grid of all runs, the R1
 * eigenvalue path, summary.md and summary.json, replacing `dir` whole once everything is written.
 */
export async function writeDiracStudy(study: DiracStudy, results: DiracStudyResult[], dir: string, provenance: Provenance): Promise<string[]> {
  await replaceDirectory(dir, async (staging) => {
    await mkdir(path.join(staging, 'runs'));
    const fields = new Map<string, FieldArrow[]>();
    for (const result of results) if (!fields.has(result.row)) fields.set(result.row, diracVectorField(result.config, DOMAIN[0][0], DOMAIN[0][1]));
    const panels: VegaLiteSpec[] = [];
    for (const result of results) {
      const field = fields.get(result.row) as FieldArrow[];
      const verdict = result.converged ? 'converges' : 'does not converge';
      await writePlot(path.join(staging, 'runs'), result.id, trajectoryPanel(result, field, 360, `${result.row}, ${result.column}: ${verdict}`));
      panels.push(trajectoryPanel(result, field, 150, `${result.row} · ${result.column}`));
    }
    await writePlot(staging, 'grid', panelGrid(panels, study.columns.length, `${study.title}: trajectories from (${results[0]?.config.init.join(', ')})`));
    const path1 = r1EigenvaluePath();
    await writePlot(
      staging,
      'r1-eigenvalues',
      complexPlanePath({
        series: [0, 1].map((k) => ({
          label: k === 0 ? 'λ₁' : 'λ₂',
          points: path1.map(({ gamma, eigenvalues }) => ({ re: eigenvalues[k]?.[0] as number, im: eigenvalues[k]?.[1] as number, param: gamma })),
        })),
        title: 'Eigenvalues of the Jacobian at (0, 0), minimax + R1, γ from 0 to 1.5',
        paramTitle: 'γ',
      }),
    );
    await writeFile(path.join(staging, 'summary.md'), diracSummaryMarkdown(study, results, provenance));
    const summary = results.map(({ trajectory, ...rest }) => ({ ...rest, final_point: trajectory[trajectory.length - 1] }));
    await writeFile(path.join(staging, 'summary.json'), `${JSON.stringify({ title: study.title, ...provenance, runs: summary }, null, 1)}\n`);
    for (const result of results) await writeFile(path.join(staging, 'runs', `${result.id}.json`), JSON.stringify(result));
  });
  return ['grid.png', 'r1-eigenvalues.png', 'summary.md', 'summary.json', 'runs/'].map((f) => path.join(dir, f));
}
