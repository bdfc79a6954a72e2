import { resolveOptions, tf } from '@ganbench/core';
import { ada } from './augmentations/ada.js';
import { diffAugmentRegularizer } from './augmentations/diffAugment.js';
import { weightClipping } from './constraints/weightClipping.js';
import { bcr } from './penalties/consistency.js';
import { dragan } from './penalties/dragan.js';
import { gradientPenalty } from './penalties/gradientPenalty.js';
import { zcr } from './penalties/latentConsistency.js';
import { lecam } from './penalties/leCam.js';
import { r1, r2 } from './penalties/r1r2.js';
import { instanceNoise } from './tricks/instanceNoise.js';
import { labelSmoothing } from './tricks/labelSmoothing.js';
import type { BoundRegularizer, RegularizerDefinition } from './types.js';

/** Spectral normalization is not among them: it is the normalization `spectral` (normalizations.ts). */
export const BUILT_IN_REGULARIZERS: readonly RegularizerDefinition[] = [
  weightClipping,
  gradientPenalty,
  dragan,
  r1,
  r2,
  bcr,
  lecam,
  zcr,
  instanceNoise,
  diffAugmentRegularizer,
  ada,
  labelSmoothing,
];

const registry = new Map<string, RegularizerDefinition>(BUILT_IN_REGULARIZERS.map((d) => [d.name, d]));

/** `none` is accepted wherever a regularizer name is, and means no regularizer. */
export const NO_REGULARIZER = 'none';

export function registerRegularizer(definition: RegularizerDefinition): void {
  const existing = registry.get(definition.name);
  if (existing === definition) return;
  if (existing !== undefined || definition.name === NO_REGULARIZER) throw new Error(`regularizer '${definition.name}' is already registered`);
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) throw new Error(`regularizer name '${definition.name}' must be lowercase letters, digits and dashes`);
  registry.set(definition.name, definition);
}

export function listRegularizers(): RegularizerDefinition[] {
  return [...registry.values()];
}

export function getRegularizerDefinition(name: string): RegularizerDefinition {
  const definition = registry.get(name);
  if (definition === undefined) {
    throw new Error(`regularizer: unknown regularizer '${name}'; registered: ${[NO_REGULARIZER, ...registry.keys()].join(', ')}`);
  }
  return definition;
}

/** Looks the regularizer up and binds its hyperparameters, failing on unknown names and bad values before any training. */
export function createRegularizer(name: string, params: Readonly<Record<string, unknown>> = {}): BoundRegularizer {
  const definition = getRegularizerDefinition(name);
  const resolved = resolveOptions(`regularizer ${name}`, definition.params, params);
  const regularizer = definition.create(resolved, tf);
  if (regularizer.kind !== definition.kind) throw new Error(`regularizer ${name}: declared kind '${definition.kind}' but built a '${regularizer.kind}'`);
  return { ...regularizer, name, params: resolved };
}
