import path from 'node:path';
import { alignSupports, jsDivergence, klDivergence, wasserstein1 } from '@ganbench/metrics';
import { lineChart, writeFileAtomically, writePlot } from '@ganbench/report';
import type { Provenance } from './diracStudyReport.js';

/** One θ of the lectures' motivating example: data δ₀, model δ_θ. */
export interface TwoDiracDivergences {
  theta: number;
  /** JSD(δ₀‖δ_θ): log 2 for every θ ≠ 0, so its gradient in θ is zero (Arjovsky et al. 2017, Example 1). */
  js: number;
  /** KL(δ₀‖δ_θ): +∞ for every θ ≠ 0. */
  kl: number;
  /** W₁(δ₀, δ_θ) = |θ|: continuous, with gradient ±1 everywhere but 0. */
  w1: number;
}

/** θ from −2 to 2 in steps of 0.01, with θ = 0 exactly. */
export const DIVERGENCE_THETAS = Array.from({ length: 401 }, (_, i) => (i - 200) / 100);

export function twoDiracDivergences(thetas: readonly number[] = DIVERGENCE_THETAS): TwoDiracDivergences[] {
  return thetas.map((theta) => {
    const { p, q } = alignSupports([0], [theta]);
    return { theta, js: jsDivergence(p, q), kl: klDivergence(p, q), w1: wasserstein1([0], [theta]) };
  });
}

/** divergences.png/.svg/.vl.json and divergences.json in `dir`. */
export async function writeDivergences(dir: string, provenance: Provenance): Promise<string[]> {
  const rows = twoDiracDivergences();
  const series = (label: string, key: 'js' | 'kl' | 'w1') => ({ label, points: rows.map((r) => [r.theta, r[key]] as const) });
  const spec = lineChart({
    series: [series('JSD(δ₀‖δθ)', 'js'), series('KL(δ₀‖δθ)', 'kl'), series('W₁(δ₀, δθ)', 'w1')],
    title: 'Divergences between two Diracs: only W₁ tells the generator which way to move',
    xTitle: 'θ',
    yTitle: 'divergence',
    yDomain: [0, 2.5],
  });
  const plot = await writePlot(dir, 'divergences', spec);
  const json = path.join(dir, 'divergences.json');
  // JSON has no ∞: KL's infinite values are written as the string "Infinity".
  await writeFileAtomically(json, `${JSON.stringify({ ...provenance, rows: rows.map((r) => ({ ...r, kl: Number.isFinite(r.kl) ? r.kl : 'Infinity' })) })}\n`);
  return [plot.pngPath, plot.svgPath, json];
}
