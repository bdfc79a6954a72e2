import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's `dataset-fashion-mnist` package installs the four gzipped IDX files. */
export const SYSTEM_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** `$GANBENCH_DATA`, else `~/.cache/ganbench`: where datasets are looked for and downloads go. Read per call so tests can set it. */
export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.GANBENCH_DATA;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'ganbench');
}

/**
 * Directories searched for one dataset, in order: an explicit root alone; else `$GANBENCH_DATA/<name>`
 * before the system directories when the variable is set (the user asked for it), after them otherwise.
 */
export function searchDirs(name: string, root: string | undefined, systemDirs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  if (root !== undefined) return [root];
  const home = join(dataHome(env), name);
  const hasEnv = env.GANBENCH_DATA !== undefined && env.GANBENCH_DATA !== '';
  return hasEnv ? [home, ...systemDirs] : [...systemDirs, home];
}

/** Where a missing dataset is downloaded to: the explicit root, else `<dataHome>/<name>`. */
export function downloadDir(name: string, root: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return root ?? join(dataHome(env), name);
}

/** The path of `base.gz` or `base` in `dir`, preferring the gzipped file as distributed; null when neither exists. */
export function findCompressedOrRaw(dir: string, base: string): string | null {
  for (const name of [`${base}.gz`, base]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}
