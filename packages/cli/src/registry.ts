import { listArchitectures } from '@ganbench/architectures';
import { describeOption, type OptionSpecs } from '@ganbench/core';
import { listLosses } from '@ganbench/losses';
import { listRegularizers, NORMALIZATIONS } from '@ganbench/regularizers';
import { type ParsedFlags, UsageError } from './args.js';
import { loadPlugins, pluginList } from './plugins.js';

export interface RegistryEntry {
  name: string;
  kind: string;
  description: string;
  reference: string;
  params: OptionSpecs;
}

const REGISTRIES = ['losses', 'regularizers', 'normalizations', 'architectures'] as const;

/** `ganbench list losses|regularizers|normalizations|architectures`: every registered entry (plugins included) with its hyperparameters or options. */
export async function registryEntries(what: string | undefined, flags: ParsedFlags): Promise<RegistryEntry[]> {
  if (!(REGISTRIES as readonly (string | undefined)[]).includes(what))
    throw new UsageError(`list: '${what ?? ''}' is not a registry; allowed: ${REGISTRIES.join(', ')}`);
  await loadPlugins(pluginList(flags.plugin));
  if (what === 'losses') return listLosses().map((l) => ({ ...l, kind: 'loss' }));
  if (what === 'regularizers') return listRegularizers();
  if (what === 'normalizations')
    return NORMALIZATIONS.map((n) => ({
      name: n.name,
      kind: n.appliedBy === 'weights' ? 'normalization of every D weight' : 'normalization layers the architecture inserts',
      description: n.description,
      reference: n.reference,
      params: n.params,
    }));
  return listArchitectures().map((a) => ({ name: a.name, kind: 'architecture', description: a.description, reference: a.paper, params: a.options }));
}

export function formatEntries(entries: RegistryEntry[]): string {
  return entries
    .map((e) => {
      const params = Object.entries(e.params).map(([name, spec]) => `    ${describeOption(name, spec)}`);
      return [`${e.name} (${e.kind}): ${e.description}`, `    ${e.reference}`, ...params].join('\n');
    })
    .join('\n');
}
