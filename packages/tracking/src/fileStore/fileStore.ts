import { appendFile, mkdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFileAtomic, writeFileAtomic } from '../atomic.js';
import { MlflowError } from '../errors.js';
import type { ArtifactFile, CreatedRun, CreateRunOptions, LogBatch, Metric, Run, RunInfo, Tracker, UpdateRunOptions } from '../types.js';
import { paramChangeMessage, validateExperimentId, validateKey, validateMetric, validateRunId, validateValueLength } from '../validation.js';
import { isNotFound, listDirs, listFilesRecursive, readTextOrNull, readYamlOrNull } from './files.js';
import {
  DEFAULT_EXPERIMENT_ID,
  DEFAULT_EXPERIMENT_NAME,
  type ExperimentMeta,
  experimentMetaDict,
  localFileUri,
  META_FILE,
  newExperimentId,
  newRunId,
  RESERVED_EXPERIMENT_FOLDERS,
  type RunResource,
  resourcePath,
  runMetaDict,
  TRASH_FOLDER,
} from './layout.js';
import { parseExperimentMeta, parseRunMeta } from './meta.js';
import { formatPythonFloat, parsePythonFloat } from './pyFloat.js';
import { dumpMetaYaml } from './pyYaml.js';

export interface FileStoreOptions {
  /** Clock for creation times (tests pin it). */
  now?: () => number;
  /** Written as user_id; the OS user by default, as MLflow's getpass.getuser(). */
  userId?: string;
}

const RUN_NAME_TAG = 'mlflow.runName';

function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** One metric line as FileStore._log_run_metric writes it. */
export function formatMetricLine(m: Metric): string {
  return `${m.timestamp} ${formatPythonFloat(m.value)} ${m.step}\n`;
}

/** FileStore._get_metric_from_line: 2 fields (legacy, step 0) or 3. */
export function parseMetricLine(key: string, line: string): Metric {
  const parts = line.trim().split(' ');
  if (parts.length !== 2 && parts.length !== 3) {
    throw new MlflowError('INTERNAL_ERROR', `Metric '${key}' is malformed; persisted metric data contained ${parts.length} fields. Expected 2 or 3 fields.`);
  }
  return { key, timestamp: Number(parts[0]), value: parsePythonFloat(parts[1] ?? ''), step: parts.length === 3 ? Number(parts[2]) : 0 };
}

/**
 * MLflow's local file store (`./mlruns`), written in the format `mlflow ui` and
 * `mlflow server --backend-store-uri ./mlruns` read.
 */
export class FileStore implements Tracker {
  readonly root: string;
  private readonly now: () => number;
  private readonly userId: string;
  /** The userId option: it wins over a run's mlflow.user tag. */
  private readonly explicitUser: string | undefined;
  private initialised: Promise<void> | undefined;
  private readonly runDirs = new Map<string, string>();

  constructor(root: string, options: FileStoreOptions = {}) {
    this.root = resolve(root);
    this.now = options.now ?? Date.now;
    this.userId = options.userId ?? defaultUser();
    this.explicitUser = options.userId;
  }

  describe(): string {
    return this.root;
  }

  /** FileStore.__init__: a missing root gets the 'Default' experiment 0; the trash folder always exists. */
  private ready(): Promise<void> {
    this.initialised ??= (async () => {
      const rootExists = await stat(this.root).then(
        (s) => {
          if (!s.isDirectory()) throw new MlflowError('INVALID_STATE', `MLflow file store root '${this.root}' is not a directory`);
          return true;
        },
        (err: unknown) => {
          if (isNotFound(err)) return false;
          throw err;
        },
      );
      if (!rootExists) {
        await mkdir(this.root, { recursive: true });
        await this.writeExperiment(DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME);
      }
      await mkdir(join(this.root, TRASH_FOLDER), { recursive: true });
    })();
    return this.initialised;
  }

  private async writeExperiment(experimentId: string, name: string): Promise<void> {
    const dir = join(this.root, experimentId);
    // Non-recursive: an existing folder (an id collision) fails instead of being overwritten.
    await mkdir(dir);
    const t = this.now();
    const meta: ExperimentMeta = {
      experimentId,
      name,
      artifactLocation: localFileUri(dir),
      lifecycleStage: 'active',
      creationTime: t,
      lastUpdateTime: t,
    };
    await writeFileAtomic(join(dir, META_FILE), dumpMetaYaml(experimentMetaDict(meta)));
  }

  private async experimentsIn(parent: string): Promise<ExperimentMeta[]> {
    const out: ExperimentMeta[] = [];
    for (const name of await listDirs(parent)) {
      if (name === TRASH_FOLDER) continue;
      const metaPath = join(parent, name, META_FILE);
      const data = await readYamlOrNull(metaPath);
      if (data !== null) out.push(parseExperimentMeta(data, metaPath));
    }
    return out;
  }

  /** Active experiments (under the root) and deleted ones (under .trash). */
  async listExperiments(): Promise<{ active: ExperimentMeta[]; deleted: ExperimentMeta[] }> {
    await this.ready();
    return { active: await this.experimentsIn(this.root), deleted: await this.experimentsIn(join(this.root, TRASH_FOLDER)) };
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    if (typeof name !== 'string' || name === '') {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `experiment name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    const { active, deleted } = await this.listExperiments();
    const found = active.find((e) => e.name === name && e.lifecycleStage === 'active');
    if (found) return found.experimentId;
    if (deleted.some((e) => e.name === name)) {
      throw new MlflowError(
        'RESOURCE_ALREADY_EXISTS',
        `Experiment '${name}' already exists in deleted state in ${this.root}. Restore it (mlflow experiments restore) or remove it from ${join(this.root, TRASH_FOLDER)}.`,
      );
    }
    const id = newExperimentId();
    await this.writeExperiment(id, name);
    return id;
  }

  async getExperiment(experimentId: string): Promise<ExperimentMeta> {
    validateExperimentId(experimentId);
    await this.ready();
    for (const parent of [this.root, join(this.root, TRASH_FOLDER)]) {
      const metaPath = join(parent, experimentId, META_FILE);
      const data = await readYamlOrNull(metaPath);
      if (data !== null) return parseExperimentMeta(data, metaPath);
    }
    throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with ID ${experimentId} in ${this.root}`);
  }

  private async runInfosOf(experimentId: string): Promise<Array<{ info: RunInfo; dir: string }>> {
    const expDir = join(this.root, experimentId);
    const out: Array<{ info: RunInfo; dir: string }> = [];
    for (const name of await listDirs(expDir)) {
      if (RESERVED_EXPERIMENT_FOLDERS.has(name)) continue;
      const dir = join(expDir, name);
      const data = await readYamlOrNull(join(dir, META_FILE));
      // A folder without meta.yaml is not a run (MLflow skips it as malformed).
      if (data === null) continue;
      const info = parseRunMeta(data, dir);
      if (info.experimentId !== experimentId) continue;
      this.runDirs.set(info.runId, dir);
      out.push({ info, dir });
    }
    return out;
  }

  async findRunsByTags(experimentId: string, tags: Readonly<Record<string, string>>): Promise<RunInfo[]> {
    await this.getExperiment(experimentId);
    const matches: RunInfo[] = [];
    for (const { info, dir } of await this.runInfosOf(experimentId)) {
      if (info.lifecycleStage !== 'active') continue;
      let all = true;
      for (const [key, value] of Object.entries(tags)) {
        if ((await readTextOrNull(resourcePath(dir, 'tags', key))) !== value) {
          all = false;
          break;
        }
      }
      if (all) matches.push(info);
    }
    return matches.sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0) || a.runId.localeCompare(b.runId));
  }

  async createRun(experimentId: string, options: CreateRunOptions = {}): Promise<CreatedRun> {
    const experiment = await this.getExperiment(experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw new MlflowError('INVALID_STATE', `Could not create run under non-active experiment with ID ${experimentId}.`);
    }
    const tags = { ...(options.tags ?? {}) };
    const tagName = tags[RUN_NAME_TAG];
    if (options.runName !== undefined && tagName !== undefined && options.runName !== tagName) {
      throw new MlflowError(
        'INVALID_PARAMETER_VALUE',
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${options.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const runId = newRunId();
    const runName = options.runName ?? tagName ?? `run-${runId.slice(0, 8)}`;
    tags[RUN_NAME_TAG] = runName;
    for (const [k, v] of Object.entries(tags)) {
      validateKey('tag', k);
      validateValueLength('tag', k, v);
    }
    const dir = join(this.root, experimentId, runId);
    const artifactUri = `${experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`;
    const info: RunInfo = {
      runId,
      runName,
      experimentId,
      userId: this.explicitUser ?? tags['mlflow.user'] ?? this.userId,
      status: 'RUNNING',
      startTime: options.startTime ?? this.now(),
      endTime: null,
      artifactUri,
      lifecycleStage: 'active',
    };
    for (const sub of ['metrics', 'params', 'artifacts']) await mkdir(join(dir, sub), { recursive: true });
    for (const [k, v] of Object.entries(tags)) await writeFileAtomic(resourcePath(dir, 'tags', k), v);
    // meta.yaml last: until it exists the folder is not a run, so a crash leaves nothing half-made.
    await writeFileAtomic(join(dir, META_FILE), dumpMetaYaml(runMetaDict(info, { withDeletedTime: true })));
    this.runDirs.set(runId, dir);
    return { runId, artifactUri };
  }

  /** FileStore._find_run_root: the run's folder in any experiment, active or deleted. */
  private async findRunDir(runId: string): Promise<string> {
    validateRunId(runId);
    await this.ready();
    const cached = this.runDirs.get(runId);
    if (cached !== undefined) return cached;
    const parents = [this.root, join(this.root, TRASH_FOLDER)];
    for (const parent of parents) {
      for (const exp of await listDirs(parent)) {
        if (exp === TRASH_FOLDER) continue;
        const dir = join(parent, exp, runId);
        if ((await readTextOrNull(join(dir, META_FILE))) !== null) {
          this.runDirs.set(runId, dir);
          return dir;
        }
      }
    }
    throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found in ${this.root}`);
  }

  private async readRunInfo(runId: string): Promise<{ info: RunInfo; dir: string }> {
    const dir = await this.findRunDir(runId);
    const data = await readYamlOrNull(join(dir, META_FILE));
    if (data === null) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found in ${this.root}`);
    return { info: parseRunMeta(data, dir), dir };
  }

  private async activeRun(runId: string): Promise<{ info: RunInfo; dir: string }> {
    const run = await this.readRunInfo(runId);
    if (run.info.lifecycleStage !== 'active') {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `The run ${runId} must be in the 'active' state. Current state is ${run.info.lifecycleStage}.`);
    }
    return run;
  }

  private async readResource(dir: string, resource: 'params' | 'tags'): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const key of await listFilesRecursive(join(dir, resource))) {
      out[key] = (await readTextOrNull(resourcePath(dir, resource, key))) ?? '';
    }
    return out;
  }

  private async readHistory(dir: string, key: string): Promise<Metric[]> {
    const text = await readTextOrNull(resourcePath(dir, 'metrics', key));
    if (text === null) return [];
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => parseMetricLine(key, line));
  }

  async getRun(runId: string): Promise<Run> {
    const { info, dir } = await this.readRunInfo(runId);
    const metrics: Metric[] = [];
    for (const key of await listFilesRecursive(join(dir, 'metrics'))) {
      const history = await this.readHistory(dir, key);
      // FileStore._get_metric_from_file: the largest (step, timestamp, value).
      const latest = history.reduce<Metric | undefined>((best, m) => {
        if (best === undefined) return m;
        if (m.step !== best.step) return m.step > best.step ? m : best;
        if (m.timestamp !== best.timestamp) return m.timestamp > best.timestamp ? m : best;
        return m.value > best.value ? m : best;
      }, undefined);
      if (latest) metrics.push(latest);
    }
    return { info, metrics, params: await this.readResource(dir, 'params'), tags: await this.readResource(dir, 'tags') };
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    const { info, dir } = await this.activeRun(runId);
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    for (const m of metrics) validateMetric(m);
    const seen = new Set<string>();
    for (const p of params) {
      validateKey('param', p.key);
      validateValueLength('param', p.key, p.value);
      if (seen.has(p.key)) {
        throw new MlflowError(
          'INVALID_PARAMETER_VALUE',
          `Duplicate parameter keys have been submitted: ['${p.key}']. Please ensure the request contains only one param value per param key.`,
        );
      }
      seen.add(p.key);
    }
    for (const t of tags) {
      validateKey('tag', t.key);
      validateValueLength('tag', t.key, t.value);
    }
    // Check every param before writing anything, so a refused batch leaves the run as it was.
    const newParams = [];
    for (const p of params) {
      const current = await readTextOrNull(resourcePath(dir, 'params', p.key));
      if (current === null) newParams.push(p);
      else if (current !== p.value) throw new MlflowError('INVALID_PARAMETER_VALUE', paramChangeMessage(p.key, current, p.value, runId));
    }
    for (const p of newParams) await writeFileAtomic(resourcePath(dir, 'params', p.key), p.value);
    await this.appendMetrics(dir, metrics);
    for (const t of tags) await writeFileAtomic(resourcePath(dir, 'tags', t.key), t.value);
    const runName = [...tags].reverse().find((t) => t.key === RUN_NAME_TAG)?.value;
    if (runName !== undefined && runName !== info.runName) await this.writeRunInfo(dir, { ...info, runName });
  }

  private async appendMetrics(dir: string, metrics: Metric[]): Promise<void> {
    const byKey = new Map<string, string[]>();
    for (const m of metrics) {
      const lines = byKey.get(m.key) ?? [];
      lines.push(formatMetricLine(m));
      byKey.set(m.key, lines);
    }
    for (const [key, lines] of byKey) {
      const path = resourcePath(dir, 'metrics', key);
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, lines.join(''));
    }
  }

  /** _overwrite_run_info: the rewritten meta has no deleted_time, as MLflow's has none either. */
  private async writeRunInfo(dir: string, info: RunInfo): Promise<void> {
    await writeFileAtomic(join(dir, META_FILE), dumpMetaYaml(runMetaDict(info, { withDeletedTime: false })));
  }

  async updateRun(runId: string, options: UpdateRunOptions): Promise<void> {
    const { info, dir } = await this.activeRun(runId);
    await this.writeRunInfo(dir, { ...info, status: options.status, endTime: options.endTime === undefined ? info.endTime : options.endTime });
  }

  /** FileStore.delete_run: lifecycle_stage deleted and the deletion time in meta.yaml; the folder stays until `mlflow gc`. */
  async deleteRun(runId: string): Promise<void> {
    const { info, dir } = await this.readRunInfo(runId);
    await writeFileAtomic(
      join(dir, META_FILE),
      dumpMetaYaml(runMetaDict({ ...info, lifecycleStage: 'deleted' }, { withDeletedTime: false, deletedTime: this.now() })),
    );
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateKey('metric', key);
    const { dir } = await this.readRunInfo(runId);
    return this.readHistory(dir, key);
  }

  private async artifactDir(runId: string): Promise<string> {
    const { info } = await this.readRunInfo(runId);
    return artifactDirOf(info.artifactUri);
  }

  async logArtifact(runId: string, localFile: string, artifactPath = ''): Promise<void> {
    const root = await this.artifactDir(runId);
    await copyFileAtomic(localFile, join(root, ...splitArtifactPath(artifactPath), basename(localFile)));
  }

  async listArtifacts(runId: string): Promise<ArtifactFile[]> {
    return listLocalArtifacts(await this.artifactDir(runId));
  }

  /** Keys present in a resource folder (exposed for tests and tooling). */
  async listKeys(runId: string, resource: RunResource): Promise<string[]> {
    const { dir } = await this.readRunInfo(runId);
    return listFilesRecursive(join(dir, resource));
  }
}

/** A local artifact root from a `file:` URI or a plain path; other schemes are not local. */
export function artifactDirOf(artifactUri: string): string {
  if (artifactUri.startsWith('file:')) return fileURLToPath(artifactUri);
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(artifactUri) && !/^[a-zA-Z]:[\\/]/.test(artifactUri)) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `artifact URI '${artifactUri}' is not a local path or file: URI`);
  }
  return resolve(artifactUri);
}

/** An artifact directory as path segments; rejects absolute paths and '..' like MLflow's verify_artifact_path. */
export function splitArtifactPath(artifactPath: string): string[] {
  if (artifactPath === '' || artifactPath === '.') return [];
  const parts = artifactPath.split('/').filter((p) => p !== '' && p !== '.');
  if (artifactPath.startsWith('/') || parts.includes('..')) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `artifact path '${artifactPath}' must be relative and stay inside the run's artifacts`);
  }
  return parts;
}

export async function listLocalArtifacts(root: string): Promise<ArtifactFile[]> {
  const out: ArtifactFile[] = [];
  for (const rel of await listFilesRecursive(root)) {
    out.push({ path: rel, size: (await stat(join(root, ...rel.split('/')))).size });
  }
  return out;
}
