/**
 * The worker process of the local pool: trains the trials the sweep sends, one at a time, with
 * @ganbench/train. Started by `runStudy` through child_process.fork; not a command of its own.
 */
import { initBackend, resolveBackendName, resolveThreads } from '@ganbench/core';
import { runTrial } from '@ganbench/train';
import { serveTrials } from './protocol.js';

let backend: Promise<unknown> | null = null;

serveTrials(async ({ config, dir, backend: name, tags }, { signal, onProgress }) => {
  // One engine per process: the first trial selects the backend, later ones reuse it.
  backend ??= initBackend(resolveBackendName(name), { threads: resolveThreads(undefined) });
  await backend;
  return runTrial(config, dir, { signal, onProgress, tags });
});
