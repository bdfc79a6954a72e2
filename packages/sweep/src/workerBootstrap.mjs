// The process the pool forks: with tsx's ESM loader already registered (--import), it imports the
// worker module (TypeScript) named by its first argument. A JavaScript entry keeps Node from
// loading a .ts main module as CommonJS, whatever package.json (if any) sits beside the worker.
import { pathToFileURL } from 'node:url';

const [workerModule] = process.argv.slice(2);
if (workerModule === undefined) throw new Error('workerBootstrap: expected the worker module as the first argument');
await import(pathToFileURL(workerModule).href);
