import { describeHyperparam, type HyperparamSpecs } from '@ganbench/core';
import { listLosses } from '@ganbench/losses';
import { listRegularizers } from '@ganbench/regularizers';
import { type ParsedFlags, UsageError } from './args.js';
import { loadPlugins, pluginList } from './plugins.js';

export interface RegistryEntry {
  name: string;
  kind: string;
  description: string;
  reference: string;
  params: HyperparamSpecs;
}

/** `ganbench list losses|regularizers`: every registered entry (plugins included) with its hyperparameters. */
export async function registryEntries(what: string | undefined, flags: ParsedFlags): Promise<RegistryEntry[]> {
  if (what !== 'losses' && what !== 'regularizers') throw new UsageError(`list: '${what ?? ''}' is not a registry; allowed: losses, regularizers`);
  await loadPlugins(pluginList(flags.plugin));
  return what === 'losses' ? listLosses().map((l) => ({ ...l, kind: 'loss' })) : listRegularizers();
}

export function formatEntries(entries: RegistryEntry[]): string {
  return entries
    .map((e) => {
      const params = Object.entries(e.params).map(([name, spec]) => `    ${describeHyperparam(name, spec)}`);
      return [`${e.name} (${e.kind}): ${e.description}`, `    ${e.reference}`, ...params].join('\n');
    })
    .join('\n');
}
