import { describe, expect, it } from 'vitest';
import { describeOption, type OptionSpecs, resolveOptions } from './options.js';

const SPECS: OptionSpecs = {
  gamma: { type: 'number', description: 'R1 weight', min: 0, exclusiveMin: true },
  lambda: { type: 'number', description: 'penalty weight', default: 10, min: 0 },
  every: { type: 'integer', description: 'lazy interval', default: 1, min: 1 },
  oneSided: { type: 'boolean', description: 'one-sided', default: false },
};

describe('options', () => {
  it('fills defaults and keeps given values', () => {
    expect(resolveOptions('r1', SPECS, { gamma: 0.5 })).toEqual({ gamma: 0.5, lambda: 10, every: 1, oneSided: false });
  });

  it('fails naming the field, the value and what is allowed', () => {
    expect(() => resolveOptions('r1', SPECS, {})).toThrow('r1.gamma: required (a number > 0: R1 weight)');
    expect(() => resolveOptions('r1', SPECS, { gamma: 1, lambda: -1 })).toThrow('r1.lambda: -1 is not allowed; must be a number ≥ 0');
    expect(() => resolveOptions('r1', SPECS, { gamma: 0 })).toThrow('r1.gamma: 0 is not allowed; must be a number > 0');
    expect(() => resolveOptions('r1', SPECS, { gamma: 1, every: 1.5 })).toThrow('r1.every: 1.5 is not allowed; must be an integer ≥ 1');
    expect(() => resolveOptions('r1', SPECS, { gamma: 1, oneSided: 'yes' })).toThrow('r1.oneSided: "yes" is not allowed; must be true or false');
    expect(() => resolveOptions('r1', SPECS, { gamma: 1, gama: 2 })).toThrow("r1: unknown option 'gama'; allowed: gamma, lambda, every, oneSided");
  });

  it('describes each field for listings', () => {
    expect(describeOption('gamma', SPECS.gamma as never)).toBe('gamma (number > 0, required): R1 weight');
    expect(describeOption('lambda', SPECS.lambda as never)).toBe('lambda (number ≥ 0, default 10): penalty weight');
  });
});
