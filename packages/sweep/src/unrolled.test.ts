import { trialParams } from '@ganbench/study-folder';
import { BASE_STUDY, studyProblems, withSearch } from '@ganbench/sweep/testing';
import { describe, expect, it } from 'vitest';
import { expandStudy } from './expand.js';
import { trialId } from './ids.js';
import { parseStudy } from './parse.js';

describe('training.unrolledSteps (Unrolled GAN, Metz et al. 2017)', () => {
  it('defaults to 0, which leaves a trial its id from before the option; a search axis sets it and MLflow records it', () => {
    const plain = expandStudy(parseStudy(BASE_STUDY, 'tiny.yaml'));
    expect(plain[0]?.training.unrolledSteps).toBe(0);
    const { unrolledSteps: _, ...before } = plain[0]?.training ?? {};
    expect(trialId(plain[0] as never)).toBe(trialId({ ...(plain[0] as never as object), training: before } as never));
    const trials = expandStudy(parseStudy(withSearch('  kind: grid\n  space:\n    training.unrolledSteps: [0, 5]\n'), 'tiny.yaml'));
    expect(trials.map((t) => t.training.unrolledSteps)).toEqual([0, 5, 0, 5]);
    expect(trialId(trials[0] as never)).toBe(trialId(plain[0] as never));
    expect(trialId(trials[1] as never)).not.toBe(trialId(trials[0] as never));
    expect(trialParams(trials[1] as never)['training.unrolledSteps']).toBe('5');
    const fixed = expandStudy(parseStudy(BASE_STUDY.replace('  batchSize: 64\n', '  batchSize: 64\n  unrolledSteps: 3\n'), 'tiny.yaml'));
    expect(fixed[0]?.training.unrolledSteps).toBe(3);
  });

  it('rejects a value that is not an integer ≥ 0, naming the path', () => {
    const problems = studyProblems(withSearch('  kind: grid\n  space:\n    training.unrolledSteps: [2, -1]\n'), 'tiny.yaml').join('\n');
    expect(problems).toMatch(/training\.unrolledSteps/);
    expect(studyProblems(BASE_STUDY.replace('  batchSize: 64\n', '  batchSize: 64\n  unrolledSteps: 1.5\n'), 'tiny.yaml').join('\n')).toMatch(/unrolledSteps/);
  });

  it('rejects, before any work, a regularizer the unrolled steps cannot reproduce', () => {
    const text = withSearch('  kind: grid\n  space:\n    training.unrolledSteps: [0, 5]\n', `${BASE_STUDY}regularizer: { name: gradient-penalty }\n`);
    expect(studyProblems(text, 'tiny.yaml').join('\n')).toMatch(
      /training\.unrolledSteps: 5 cannot be combined with regularizers\[0\] 'gradient-penalty' \(a penalty\); allowed with unrolled steps/,
    );
  });
});
