import { studyProblems } from '@ganbench/sweep/testing';
import { describe, expect, it } from 'vitest';

const FILE = 'experiments/check.yaml';

/** A study on `dataset` with `rest` appended; small, so every case runs in milliseconds. */
const study = (dataset: string, metrics: string, rest = '') => `name: check
dataset: ${dataset}
architecture: { name: mlp }
training: { steps: 100, batchSize: 64 }
evaluation: { every: 50, samples: 100, metrics: ${metrics} }
loss: hinge
${rest}`;

const problems = (text: string) => studyProblems(text, FILE);

describe('what used to fail inside every trial now fails before the first, with file:line', () => {
  it('an unknown dataset, listing the mixtures too', () => {
    expect(problems(study('{ name: rings }', '[modes_covered]'))).toEqual([
      `${FILE}:2: dataset.name: 'rings' is not allowed; allowed: ring, grid, mnist, fashion-mnist, cifar10, folder (2-D mixtures: ring, grid) (in the trial hinge + none, seed 0)`,
    ]);
  });

  it('a metric the dataset cannot have, and a folder dataset without its folder', () => {
    expect(problems(study('{ name: ring }', '[modes_covered, fid]'))).toEqual([
      `${FILE}:5: evaluation.metrics: 'fid' is not allowed for dataset 'ring'; allowed: modes_covered, high_quality, frechet_2d (in the trial hinge + none, seed 0)`,
    ]);
    expect(problems(study('{ name: folder, resolution: 32 }', '[fid]')).join('\n')).toContain("dataset 'folder' needs dataset.path");
    expect(problems(study('{ name: folder, path: /nonexistent/images }', '[fid]')).join('\n')).toContain("dataset.path: '/nonexistent/images' does not exist");
  });

  it('spectral normalization on an architecture that has it, and label smoothing on a loss without labels, pointing at the axis that set them', () => {
    const text = study(
      '{ name: fashion-mnist, resolution: 32 }',
      '[fid]',
      'search:\n  kind: grid\n  space:\n    architecture: [sndcgan]\n    regularizer: [label-smoothing, none]\n    normalization: [spectral, none]\n',
    ).replace('architecture: { name: mlp }', 'architecture: { name: dcgan }');
    const found = problems(text);
    expect(found).toHaveLength(2);
    expect(found[0]).toBe(
      `${FILE}:11: search.space.regularizer: regularizers[0]: 'label-smoothing' needs a loss with labels, a sigmoid cross-entropy (minimax, non-saturating); loss 'hinge' has none (in 2 trials, the first hinge + label-smoothing + spectral norm, seed 0)`,
    );
    expect(found[1]).toMatch(
      /^experiments\/check\.yaml:10: search\.space\.architecture: architecture sndcgan: normalization 'spectral' is not allowed; sndcgan already divides every discriminator weight/,
    );
  });

  it('a normalization the architecture cannot take points at the normalization axis when the architecture is fixed', () => {
    const found = problems(study('{ name: ring }', '[frechet_2d]', 'search:\n  kind: grid\n  space:\n    normalization: [none, batch, layer]\n'));
    expect(found).toEqual([
      `${FILE}:10: search.space.normalization: architecture mlp: normalization 'batch' is not allowed; mlp takes none, spectral (in the trial hinge + none + batch norm, seed 0)`,
      `${FILE}:10: search.space.normalization: architecture mlp: normalization 'layer' is not allowed; mlp takes none, spectral (in the trial hinge + none + layer norm, seed 0)`,
    ]);
  });

  it('reports every problem at once, one line each, however many trials share it', () => {
    const text = study('{ name: ring }', '[fid, kid]', 'seeds: 3\nsearch:\n  kind: grid\n  space:\n    regularizer: [label-smoothing, none]\n');
    const found = problems(text);
    expect(found).toEqual([
      `${FILE}:5: evaluation.metrics: 'fid' is not allowed for dataset 'ring'; allowed: modes_covered, high_quality, frechet_2d (in 6 trials, the first hinge + label-smoothing, seed 0)`,
      `${FILE}:5: evaluation.metrics: 'kid' is not allowed for dataset 'ring'; allowed: modes_covered, high_quality, frechet_2d (in 6 trials, the first hinge + label-smoothing, seed 0)`,
      `${FILE}:11: search.space.regularizer: regularizers[0]: 'label-smoothing' needs a loss with labels, a sigmoid cross-entropy (minimax, non-saturating); loss 'hinge' has none (in 3 trials, the first hinge + label-smoothing, seed 0)`,
    ]);
  });
});

describe('sizes that are typos, not experiments, fail at once naming the limit', () => {
  it('a grid of 4·10⁷ trials is refused before a single trial is built', () => {
    const axis = `[${Array.from({ length: 200 }, (_, i) => (i + 1) * 1e-5).join(', ')}]`;
    const text = study(
      '{ name: ring }',
      '[modes_covered]',
      `search:\n  kind: grid\n  space:\n    training.optimizer.lr: ${axis}\n    training.optimizer.beta1: ${axis.replaceAll('e-5', 'e-6')}\n    training.nDisc: [${Array.from({ length: 1000 }, (_, i) => i + 1).join(', ')}]\n`,
    );
    const started = performance.now();
    expect(problems(text)).toEqual([`${FILE}:7: search: 4.00e+7 trials (settings × 1 seeds) is not allowed; at most 100,000 trials per study`]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('random trials, steps, batch size and evaluation samples have bounds, and an image batch a memory bound', () => {
    const random = study(
      '{ name: ring }',
      '[modes_covered]',
      'search:\n  kind: random\n  trials: 100000000\n  space:\n    training.optimizer.lr: { logUniform: [1.0e-4, 1.0e-2] }\n',
    );
    expect(problems(random)).toEqual([`${FILE}:9: search.trials: must be ≤ 100000 (got 100000000)`]);
    const huge = study('{ name: ring }', '[modes_covered]').replace('steps: 100, batchSize: 64', 'steps: 1000000000000, batchSize: 100000000');
    expect(problems(huge)).toEqual([
      `${FILE}:4: training.steps: must be ≤ 10000000 (got 1000000000000)`,
      `${FILE}:4: training.batchSize: must be ≤ 65536 (got 100000000)`,
    ]);
    const images = study('{ name: cifar10, resolution: 256 }', '[fid]')
      .replace('batchSize: 64', 'batchSize: 8192')
      .replace('architecture: { name: mlp }', 'architecture: { name: dcgan }');
    expect(problems(images).join('\n')).toContain(
      `${FILE}:4: training.batchSize: 8192 examples of 256×256×3 are 6.0 GiB of float32 before any activation; allowed: at most 1 GiB per batch`,
    );
  });
});
