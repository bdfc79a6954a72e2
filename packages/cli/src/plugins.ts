import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type LossDefinition, registerLoss } from '@ganbench/losses';
import { type RegularizerDefinition, registerRegularizer } from '@ganbench/regularizers';

/**
 * A plugin is a module whose default export is `{ losses?: LossDefinition[], regularizers?: RegularizerDefinition[] }`.
 * Workspace packages declare theirs with `"ganbench": { "plugin": "./src/index.ts" }` in package.json and
 * are found without being named; others are named with `--plugin` (a path or a package name).
 */
export interface GanbenchPlugin {
  losses?: LossDefinition[];
  regularizers?: RegularizerDefinition[];
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface PluginManifest {
  name?: string;
  ganbench?: { plugin?: string };
}

function readManifest(dir: string): PluginManifest | null {
  const file = path.join(dir, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PluginManifest) : null;
}

/** Entry files of the workspace packages that declare a ganbench plugin. */
export function workspacePlugins(root = REPO_ROOT): string[] {
  const packages = path.join(root, 'packages');
  if (!existsSync(packages)) return [];
  return readdirSync(packages)
    .sort()
    .flatMap((name) => {
      const dir = path.join(packages, name);
      const entry = readManifest(dir)?.ganbench?.plugin;
      return entry === undefined ? [] : [path.join(dir, entry)];
    });
}

/** A path (file or package folder) or a package name, to the module file to import. */
export function resolvePluginEntry(specifier: string, cwd = process.cwd()): string {
  const asPath = path.resolve(cwd, specifier);
  if (existsSync(asPath)) {
    const manifest = readManifest(asPath);
    if (manifest === null) return asPath;
    const entry = manifest.ganbench?.plugin;
    if (entry === undefined) throw new Error(`plugin ${specifier}: its package.json has no "ganbench": { "plugin": "<entry file>" }`);
    return path.join(asPath, entry);
  }
  try {
    const manifestPath = createRequire(path.join(cwd, 'noop.js')).resolve(`${specifier}/package.json`);
    return resolvePluginEntry(path.dirname(manifestPath), cwd);
  } catch {
    throw new Error(`plugin ${specifier}: no such file, folder or installed package`);
  }
}

function isPlugin(value: unknown): value is GanbenchPlugin {
  if (typeof value !== 'object' || value === null) return false;
  const { losses, regularizers } = value as GanbenchPlugin;
  return (
    (losses === undefined || Array.isArray(losses)) && (regularizers === undefined || Array.isArray(regularizers)) && (losses ?? regularizers) !== undefined
  );
}

const loaded = new Set<string>();

/** Imports each plugin once and registers what it defines; the workspace's plugins come first. */
export async function loadPlugins(specifiers: readonly string[] = [], root = REPO_ROOT): Promise<void> {
  const entries = [...workspacePlugins(root), ...specifiers.map((s) => resolvePluginEntry(s))];
  for (const entry of entries) {
    if (loaded.has(entry)) continue;
    const module = (await import(pathToFileURL(entry).href)) as { default?: unknown };
    if (!isPlugin(module.default)) {
      throw new Error(`plugin ${entry}: its default export must be { losses?: LossDefinition[], regularizers?: RegularizerDefinition[] }`);
    }
    for (const loss of module.default.losses ?? []) registerLoss(loss);
    for (const regularizer of module.default.regularizers ?? []) registerRegularizer(regularizer);
    loaded.add(entry);
  }
}

/** Entry files of the plugins loaded so far, for worker processes to load the same ones. */
export function loadedPlugins(): string[] {
  return [...loaded];
}

/** `--plugin a,b` as a list. */
export function pluginList(flag: unknown): string[] {
  return typeof flag === 'string' && flag !== '' ? flag.split(',').map((s) => s.trim()) : [];
}
