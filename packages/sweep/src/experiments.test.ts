import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandStudy } from './expand.js';
import { loadStudy } from './parse.js';

const EXPERIMENTS = path.join(import.meta.dirname, '..', '..', '..', 'experiments');
/** dirac.yaml is the Dirac-GAN study's own format (toy-problems), checked by its tests. */
const STUDIES = readdirSync(EXPERIMENTS).filter((file) => file.endsWith('.yaml') && file !== 'dirac.yaml');

describe('the committed studies', () => {
  it.each(STUDIES)('%s loads and every trial it expands to validates', async (file) => {
    const trials = expandStudy(await loadStudy(path.join(EXPERIMENTS, file)));
    expect(trials.length).toBeGreaterThan(0);
  });

  it("kurach-landscape.yaml crosses Kurach et al.'s losses × penalties × normalizations at their recommended settings", async () => {
    const trials = expandStudy(await loadStudy(path.join(EXPERIMENTS, 'kurach-landscape.yaml')));
    const label = (t: (typeof trials)[number]) => t.regularizers.map((r) => r.name).join('+') || 'none';
    expect(new Set(trials.map((t) => t.loss.name))).toEqual(new Set(['non-saturating', 'least-squares', 'wasserstein']));
    expect(new Set(trials.map(label))).toEqual(new Set(['none', 'gradient-penalty', 'dragan']));
    expect(new Set(trials.map((t) => t.normalization.name))).toEqual(new Set(['none', 'batch', 'layer', 'spectral']));
    // Every combination, under both optimizer settings, for every seed.
    const cells = new Set(trials.map((t) => `${t.loss.name}|${label(t)}|${t.normalization.name}|${t.training.nDisc}|${t.seed}`));
    expect(cells.size).toBe(3 * 3 * 4 * 2 * 3);
    expect(trials).toHaveLength(cells.size);
    for (const t of trials) {
      expect(t.training.optimizer).toEqual({ name: 'adam', lr: 2e-4, beta1: 0.5, beta2: t.training.nDisc === 1 ? 0.999 : 0.9 });
      expect(t.training.discriminatorOptimizer).toEqual(t.training.optimizer);
      expect([1, 5]).toContain(t.training.nDisc);
      expect(t.training.batchSize).toBe(64);
      for (const r of t.regularizers) expect(r.params.lambda).toBe(10);
    }
  });
});
