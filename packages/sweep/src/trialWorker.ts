/**
 * The worker process of the local pool: trains the trials the sweep sends, one at a time, with
 * @ganbench/train. Started by `runStudy` through child_process.fork; not a command of its own.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { initBackend, resolveBackendName, resolveThreads } from '@ganbench/core';
import { type LossDefinition, registerLoss } from '@ganbench/losses';
import { type RegularizerDefinition, registerRegularizer } from '@ganbench/regularizers';
import { runTrial } from '@ganbench/train';
import { PLUGIN_MODULES_ENV, serveTrials } from './protocol.js';

/** The plugins the sweep's process loaded (and checked), registered here too. */
async function loadPlugins(): Promise<void> {
  for (const entry of (process.env[PLUGIN_MODULES_ENV] ?? '').split(path.delimiter).filter((e) => e !== '')) {
    const plugin = ((await import(pathToFileURL(entry).href)) as { default: { losses?: LossDefinition[]; regularizers?: RegularizerDefinition[] } }).default;
    for (const loss of plugin.losses ?? []) registerLoss(loss);
    for (const regularizer of plugin.regularizers ?? []) registerRegularizer(regularizer);
  }
}

let ready: Promise<unknown> | null = null;

serveTrials(async ({ config, dir, backend: name, tags }, { signal, onProgress }) => {
  // One engine per process: the first trial selects the backend and loads the plugins, later ones reuse them.
  ready ??= Promise.all([initBackend(resolveBackendName(name), { threads: resolveThreads(undefined) }), loadPlugins()]);
  await ready;
  return runTrial(config, dir, { signal, onProgress, tags });
});
