import { createHash } from 'node:crypto';
import type { TrialConfig } from '@ganbench/study-folder';
import { BASE_STUDY } from '@ganbench/sweep/testing';
import { describe, expect, it } from 'vitest';
import { expandStudy } from './expand.js';
import { canonicalJson, shortHash, trialId } from './ids.js';
import { parseStudy } from './parse.js';

const sha16 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** The same value with object keys in reverse order at every depth. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  );
}

/** Every leaf of a config as a path of keys and indices. */
function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [path];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, Array.isArray(value) ? Number(k) : k]));
}

function changed(config: TrialConfig, path: (string | number)[]): TrialConfig {
  const copy = structuredClone(config) as unknown as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  const old = parent[last];
  parent[last] = typeof old === 'number' ? old + 0.5 : typeof old === 'string' ? `${old}x` : typeof old === 'boolean' ? !old : 0;
  return copy as unknown as TrialConfig;
}

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }, 'x'], e: undefined, f: null })).toBe('{"a":[{"c":3,"d":2},"x"],"b":1,"f":null}');
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson(1e-5)).toBe(JSON.stringify(1e-5));
  });

  it('refuses numbers JSON cannot hold', () => {
    expect(() => canonicalJson({ lr: Number.NaN })).toThrow(/NaN has no JSON form/);
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(/Infinity/);
  });

  it('hashes with SHA-256, 16 hex digits', () => {
    expect(shortHash({ b: 1, a: 2 })).toBe(sha16('{"a":2,"b":1}'));
    expect(shortHash({ b: 1, a: 2 })).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('trialId', () => {
  const [config] = expandStudy(parseStudy(BASE_STUDY, 'tiny.yaml')) as [TrialConfig];

  it('is the hash of the canonical JSON of the config, in the form written before the normalization axis where that form can say it', () => {
    const { regularizers: _r, normalization: _n, ...rest } = config;
    // training.unrolledSteps is hashed only when it is not 0, so trials from before the option keep their ids.
    const { unrolledSteps: _u, ...training } = rest.training;
    expect(trialId(config)).toBe(sha16(canonicalJson({ ...rest, training, regularizer: { name: 'none', params: {} } })));
    const crossed: TrialConfig = {
      ...config,
      regularizers: [{ name: 'r1', params: { gamma: 1, every: 1 } }],
      normalization: { name: 'spectral', params: { iterations: 1 } },
    };
    expect(trialId(crossed)).toBe(sha16(canonicalJson({ ...crossed, training })));
    const unrolled: TrialConfig = { ...crossed, training: { ...crossed.training, unrolledSteps: 5 } };
    expect(trialId(unrolled)).toBe(sha16(canonicalJson(unrolled)));
  });

  it('hashes minibatch discrimination (dcgan, sndcgan) and virtual batch norm (dcgan) only when on, so DCGAN trials recorded before the option keep their ids', () => {
    const { regularizers: _r, normalization: _n, ...rest } = config;
    const { unrolledSteps: _u, ...training } = rest.training;
    const before = { name: 'dcgan', options: { latentDim: 128, width: 64, kernelSize: 4, discriminatorBatchNorm: false } };
    const off: TrialConfig = { ...config, architecture: { name: 'dcgan', options: { ...before.options, minibatchKernels: 0, minibatchKernelDims: 5 } } };
    expect(trialId(off)).toBe(sha16(canonicalJson({ ...rest, training, architecture: before, regularizer: { name: 'none', params: {} } })));
    const on: TrialConfig = { ...off, architecture: { name: 'dcgan', options: { ...off.architecture.options, minibatchKernels: 4 } } };
    expect(trialId(on)).toBe(sha16(canonicalJson({ ...rest, training, architecture: on.architecture, regularizer: { name: 'none', params: {} } })));
    expect(trialId(on)).not.toBe(trialId(off));
    // …and virtual batch norm in dcgan's G only when it is on
    const vbnOff: TrialConfig = {
      ...off,
      architecture: { name: 'dcgan', options: { ...off.architecture.options, generatorVirtualBatchNorm: false, virtualBatchSize: 64 } },
    };
    expect(trialId(vbnOff)).toBe(trialId(off));
    const vbnOn: TrialConfig = { ...vbnOff, architecture: { name: 'dcgan', options: { ...vbnOff.architecture.options, generatorVirtualBatchNorm: true } } };
    const { minibatchKernels: _k, minibatchKernelDims: _c, ...vbnHashed } = vbnOn.architecture.options;
    expect(trialId(vbnOn)).toBe(
      sha16(canonicalJson({ ...rest, training, architecture: { name: 'dcgan', options: vbnHashed }, regularizer: { name: 'none', params: {} } })),
    );
  });

  it("hashes energy-based's pullAway only when it is not 0, so EBGAN trials recorded before the pull-away term keep their ids", () => {
    const { regularizers: _r, normalization: _n, ...rest } = config;
    const { unrolledSteps: _u, ...training } = rest.training;
    const before = { name: 'energy-based', params: { margin: 1, rawEnergy: false } };
    const off: TrialConfig = { ...config, loss: { name: 'energy-based', params: { ...before.params, pullAway: 0 } } };
    expect(trialId(off)).toBe(sha16(canonicalJson({ ...rest, training, loss: before, regularizer: { name: 'none', params: {} } })));
    const on: TrialConfig = { ...off, loss: { name: 'energy-based', params: { ...before.params, pullAway: 0.1 } } };
    expect(trialId(on)).toBe(sha16(canonicalJson({ ...rest, training, loss: on.loss, regularizer: { name: 'none', params: {} } })));
  });

  it('does not depend on key order', () => {
    const other = reversed(config) as TrialConfig;
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(config));
    expect(trialId(other)).toBe(trialId(config));
  });

  it('is the same for a study written with every default spelled out', () => {
    const spelled = `name: tiny
dataset: { name: ring }
architecture:
  name: mlp
  options: { dWidth: 32, gWidth: 32, latentDim: 256, gLayers: 3, dLayers: 4, activation: relu, init: orthogonal, initGain: 0.8, dInputScale: 1 }
training:
  batchSize: 64
  steps: 100
  nDisc: 1
  optimizer: { beta2: 0.999, name: adam, lr: 0.0002, beta1: 0.5 }
  emaDecay: null
  checkpointEvery: 1000
evaluation: { metrics: [modes_covered, frechet_2d], samples: 500, every: 50 }
loss: { name: non-saturating, params: {} }
regularizer: none
seeds: [0, 1]
search: { kind: grid, space: {} }
`;
    const ids = (text: string) => expandStudy(parseStudy(text, 'x.yaml')).map(trialId);
    expect(ids(spelled)).toEqual(ids(BASE_STUDY));
  });

  it('changes when any field changes', () => {
    const id = trialId(config);
    const paths = leaves(config);
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) expect(trialId(changed(config, path)), path.join('.')).not.toBe(id);
    expect(trialId({ ...config, dataset: { ...config.dataset, resolution: 32 } })).not.toBe(id);
  });
});
