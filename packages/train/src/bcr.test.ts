import { exampleTrialConfig } from '@ganbench/study-folder/testing';
import { describe, expect, it } from 'vitest';
import { compileObjective, ObjectiveError } from './objective.js';
import { validateTrial } from './trial/validate.js';

/* bCR (Zhao et al. 2021) augments images itself, so it is refused on 2-D data before any work, as diffaugment is. */

const named = (name: string, params: Record<string, number | string | boolean> = {}) => ({ name, params });
const RING = "dataset 'ring' (2-D points) has none; allowed: an image dataset (mnist, fashion-mnist, cifar10, folder)";

describe('bcr fails before any work on data that are not images', () => {
  it('naming the field, the value and what is allowed', () => {
    let error: unknown;
    try {
      compileObjective(
        { loss: named('hinge'), regularizers: [named('r1', { gamma: 1 }), named('bcr')] },
        { description: "dataset 'ring' (2-D points)", images: false },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ObjectiveError);
    expect((error as ObjectiveError).field).toBe('regularizers[1]');
    expect((error as ObjectiveError).message).toBe(`regularizers[1]: 'bcr' augments images, and ${RING}`);
    expect(validateTrial(exampleTrialConfig({ regularizers: [named('bcr', { lambdaReal: 10, lambdaFake: 5 })] }))).toEqual([
      { field: 'regularizers', message: `regularizers[0]: 'bcr' augments images, and ${RING}` },
    ]);
    const images = validateTrial(
      exampleTrialConfig({
        dataset: { name: 'fashion-mnist' },
        architecture: { name: 'dcgan', options: {} },
        regularizers: [named('bcr')],
        evaluation: { every: 50, samples: 100, metrics: [] },
      }),
    );
    expect(images).toEqual([]);
    expect(
      compileObjective({ loss: named('hinge'), regularizers: [named('bcr')] }, { description: "dataset 'mnist'", images: true }).regularizers[0]?.params,
    ).toEqual({
      lambdaReal: 10,
      lambdaFake: 10,
    });
  });
});
