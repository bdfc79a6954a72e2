import { type OptionValues, resolveOptions, tf } from '@ganbench/core';
import { began } from './losses/began.js';
import { energyBased } from './losses/energyBased.js';
import { featureMatching } from './losses/featureMatching.js';
import { fGanLosses } from './losses/fGan.js';
import { hinge } from './losses/hinge.js';
import { leastSquares } from './losses/leastSquares.js';
import { lossSensitive } from './losses/lossSensitive.js';
import { minimax } from './losses/minimax.js';
import { nonSaturating } from './losses/nonSaturating.js';
import { relativisticAverage } from './losses/relativisticAverage.js';
import { relativisticPairing } from './losses/relativisticPairing.js';
import { wasserstein } from './losses/wasserstein.js';
import type { GanLoss, LossDefinition } from './types.js';

export const BUILT_IN_LOSSES: readonly LossDefinition[] = [
  minimax,
  nonSaturating,
  wasserstein,
  hinge,
  leastSquares,
  ...fGanLosses,
  energyBased,
  began,
  relativisticAverage,
  relativisticPairing,
  featureMatching,
  lossSensitive,
];

const registry = new Map<string, LossDefinition>(BUILT_IN_LOSSES.map((d) => [d.name, d]));

/** Adds a loss (a plugin's); a name already taken fails rather than silently replacing it. */
export function registerLoss(definition: LossDefinition): void {
  const existing = registry.get(definition.name);
  if (existing === definition) return;
  if (existing !== undefined) throw new Error(`loss '${definition.name}' is already registered (${existing.reference})`);
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) throw new Error(`loss name '${definition.name}' must be lowercase letters, digits and dashes`);
  registry.set(definition.name, definition);
}

export function listLosses(): LossDefinition[] {
  return [...registry.values()];
}

export function getLossDefinition(name: string): LossDefinition {
  const definition = registry.get(name);
  if (definition === undefined) throw new Error(`loss: unknown loss '${name}'; registered: ${[...registry.keys()].join(', ')}`);
  return definition;
}

/** Looks the loss up and binds its hyperparameters, failing on unknown names and bad values before any training. */
export function createLoss(name: string, params: Readonly<Record<string, unknown>> = {}): GanLoss {
  const definition = getLossDefinition(name);
  const resolved: OptionValues = resolveOptions(`loss ${name}`, definition.params, params);
  return { name, params: resolved, ...definition.create(resolved, tf) };
}
