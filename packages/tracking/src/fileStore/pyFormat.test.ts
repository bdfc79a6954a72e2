import { describe, expect, it } from 'vitest';
import { formatPythonFloat, parsePythonFloat } from './pyFloat.js';
import { dumpMetaYaml } from './pyYaml.js';

describe('formatPythonFloat', () => {
  // Reference: repr(float(x)) in CPython 3.11 for each input.
  const cases: Array<[number, string]> = [
    [0.5, '0.5'],
    [1, '1.0'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [1e-4, '0.0001'],
    [1e-5, '1e-05'],
    [1.5e-5, '1.5e-05'],
    [123.456, '123.456'],
    [-2.5e20, '-2.5e+20'],
    [0.1 + 0.2, '0.30000000000000004'],
    [6.02214076e23, '6.02214076e+23'],
    [12345678901234568, '1.2345678901234568e+16'],
    [3.14159e-7, '3.14159e-07'],
    [-0, '-0.0'],
    [0, '0.0'],
    [5e-324, '5e-324'],
    [2 ** 53, '9007199254740992.0'],
    [Number.NaN, 'nan'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
  ];
  it.each(cases)('%s → %s', (x, text) => {
    expect(formatPythonFloat(x)).toBe(text);
  });

  it('reads back what it writes, and what Python float() accepts', () => {
    for (const [x, text] of cases) expect(Object.is(parsePythonFloat(text), x) || (Number.isNaN(x) && Number.isNaN(parsePythonFloat(text)))).toBe(true);
    expect(parsePythonFloat('Infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(parsePythonFloat('-INF')).toBe(Number.NEGATIVE_INFINITY);
    expect(() => parsePythonFloat('0.5x')).toThrow("'0.5x' is not a float");
  });
});

describe('dumpMetaYaml', () => {
  it('matches PyYAML safe_dump(default_flow_style=False, sort_keys=True) byte for byte', () => {
    // Reference produced by PyYAML 6.0.3 for the same mapping.
    const data = {
      name: 'Default',
      experiment_id: '0',
      artifact_location: 'file:///tmp/mlruns/0',
      empty: '',
      yes_word: 'yes',
      null_word: 'null',
      octal: '017',
      float_like: '1.5',
      sci_no_dot: '1e5',
      colon_space: 'a: b',
      hash_start: '#x',
      dash_space: '- a',
      dash_word: '-a',
      space_hash: 'x #y',
      quote: "it's",
      date: '2024-01-01',
      sexagesimal: '3:25',
      plain_colon: 'a:b',
      at_start: '@x',
      spaced: 'ganbench quick',
      end_time: null,
      status: 3,
      tags: [] as never[],
    };
    expect(dumpMetaYaml(data)).toBe(
      [
        'artifact_location: file:///tmp/mlruns/0',
        "at_start: '@x'",
        "colon_space: 'a: b'",
        "dash_space: '- a'",
        'dash_word: -a',
        "date: '2024-01-01'",
        "empty: ''",
        'end_time: null',
        "experiment_id: '0'",
        "float_like: '1.5'",
        "hash_start: '#x'",
        'name: Default',
        "null_word: 'null'",
        "octal: '017'",
        'plain_colon: a:b',
        "quote: it's",
        'sci_no_dot: 1e5',
        "sexagesimal: '3:25'",
        "space_hash: 'x #y'",
        'spaced: ganbench quick',
        'status: 3',
        'tags: []',
        "yes_word: 'yes'",
        '',
      ].join('\n'),
    );
  });
});
