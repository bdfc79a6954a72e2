#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the command works from a fresh clone without a build.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`ganbench status DIR | head`) closes the pipe: end quietly, as Unix tools do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
