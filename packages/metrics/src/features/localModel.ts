import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { tf } from '@ganbench/core';
import * as tfconv from '@tensorflow/tfjs-converter';
import * as tfl from '@tensorflow/tfjs-layers';

/** Which tfjs model format a model.json holds; `auto` reads its `format` field. */
export type LocalModelKind = 'auto' | 'graph' | 'layers';

export interface LocalFeatureModelOptions {
  /** `auto` (default) reads model.json's `format` ('graph-model' / 'layers-model'). */
  kind?: LocalModelKind;
  /** The feature node: a node name for a graph model, a layer name for a layers model. Default: the model's output. */
  output?: string;
}

/** A feature extractor loaded from disk: images [n, h, w, c] → features [n, featureDim]. */
export interface FeatureModel {
  /** Which loader read it. */
  readonly kind: 'graph' | 'layers';
  /** The shape of one input image, batch dimension excluded; -1 where the model leaves a dimension open. */
  readonly inputShape: number[];
  /** Length of one feature vector (the feature tensor flattened past the batch dimension). */
  readonly featureDim: number;
  /** Features of a batch, flattened to 2-D; the caller disposes the result, the input is left alone. */
  features(images: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Bytes one weight takes in a shard, or undefined for strings (their length lives in the data). */
function specBytes(spec: tf.io.WeightsManifestEntry): number | undefined {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = BYTES[dtype];
  if (per === undefined) return undefined;
  return spec.shape.reduce((a, b) => a * b, 1) * per;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function parseManifest(file: string, raw: unknown): WeightsGroup[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error(`${file}: weightsManifest must be an array of {paths, weights}`);
  return raw.map((g: unknown, i) => {
    if (!isRecord(g) || !Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string') || !Array.isArray(g.weights))
      throw new Error(`${file}: weightsManifest[${i}] must be {paths: string[], weights: [...]}`);
    return { paths: g.paths as string[], weights: g.weights as tf.io.WeightsManifestEntry[] };
  });
}

function detectKind(file: string, json: Record<string, unknown>, requested: LocalModelKind): 'graph' | 'layers' {
  const format = json.format;
  const fromFormat = format === 'graph-model' ? 'graph' : format === 'layers-model' ? 'layers' : undefined;
  if (requested !== 'auto') {
    if (fromFormat !== undefined && fromFormat !== requested) throw new Error(`${file}: format is '${String(format)}' but kind '${requested}' was requested`);
    return requested;
  }
  if (fromFormat !== undefined) return fromFormat;
  throw new Error(
    `${file}: unknown model format ${format === undefined ? '(no "format" field)' : `'${String(format)}'`}; allowed: 'graph-model', 'layers-model' (or pass kind: 'graph' | 'layers')`,
  );
}

/** Reads a model.json and its weight shards from disk into the ModelArtifacts `tf.io.fromMemory` takes. */
export async function readModelArtifacts(path: string): Promise<{ file: string; json: Record<string, unknown>; artifacts: tf.io.ModelArtifacts }> {
  const given = resolve(path);
  const file = existsSync(given) && statSync(given).isDirectory() ? join(given, 'model.json') : given;
  if (!existsSync(file)) throw new Error(`${file} does not exist (expected a tfjs model.json, or a directory holding one)`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(json) || !isRecord(json.modelTopology)) throw new Error(`${file}: no "modelTopology" object; not a tfjs model.json`);
  const groups = parseManifest(file, json.weightsManifest);
  const dir = dirname(file);
  const buffers: Uint8Array[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  for (const group of groups) {
    let groupBytes = 0;
    const shardFiles = group.paths.map((p) => join(dir, p));
    for (const shard of shardFiles) {
      if (!existsSync(shard)) throw new Error(`${file}: weight shard ${shard} does not exist`);
      const bytes = new Uint8Array(await readFile(shard));
      groupBytes += bytes.byteLength;
      buffers.push(bytes);
    }
    const expected = group.weights.map(specBytes);
    if (expected.every((b): b is number => b !== undefined)) {
      const want = expected.reduce((a, b) => a + b, 0);
      if (want !== groupBytes)
        throw new Error(`${file}: weight shards ${shardFiles.join(', ')} hold ${groupBytes} bytes but the manifest's weights need ${want}`);
    }
    weightSpecs.push(...group.weights);
  }
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs,
    weightData: weightData.buffer,
  };
  if (typeof json.format === 'string') artifacts.format = json.format;
  if (typeof json.generatedBy === 'string') artifacts.generatedBy = json.generatedBy;
  if (typeof json.convertedBy === 'string' || json.convertedBy === null) artifacts.convertedBy = json.convertedBy;
  if (isRecord(json.trainingConfig)) artifacts.trainingConfig = json.trainingConfig as unknown as tf.io.TrainingConfig;
  if (isRecord(json.userDefinedMetadata)) artifacts.userDefinedMetadata = json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'];
  if (isRecord(json.signature)) artifacts.signature = json.signature;
  if (isRecord(json.modelInitializer)) artifacts.modelInitializer = json.modelInitializer;
  return { file, json, artifacts };
}

function exampleShape(shape: readonly (number | null | undefined)[] | undefined): number[] {
  return (shape ?? []).slice(1).map((d) => (d === null || d === undefined || d < 0 ? -1 : d));
}

function checkImages(file: string, images: tf.Tensor, inputShape: number[]): void {
  const ok = images.rank === 1 + inputShape.length && inputShape.every((d, i) => d === -1 || images.shape[i + 1] === d);
  if (!ok) throw new Error(`${file}: images of shape [${images.shape.join(', ')}] do not fit the model input [n, ${inputShape.join(', ')}]`);
}

function flatten(t: tf.Tensor): tf.Tensor2D {
  return t.reshape([t.shape[0] ?? 1, -1]) as tf.Tensor2D;
}

async function loadLayers(file: string, artifacts: tf.io.ModelArtifacts, output: string | undefined): Promise<FeatureModel> {
  const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  let feature: tfl.LayersModel = model;
  if (output !== undefined) {
    const names = model.layers.map((l) => l.name);
    if (!names.includes(output)) {
      model.dispose();
      throw new Error(`${file}: no layer named '${output}'; allowed: ${names.join(', ')}`);
    }
    const out = model.getLayer(output).output;
    if (Array.isArray(out)) {
      model.dispose();
      throw new Error(`${file}: layer '${output}' has ${out.length} outputs; pick a layer with one`);
    }
    feature = tfl.model({ inputs: model.inputs, outputs: out });
  }
  if (feature.inputs.length !== 1) {
    model.dispose();
    throw new Error(`${file}: the model has ${feature.inputs.length} inputs; a feature model takes one image tensor`);
  }
  const inputShape = exampleShape(feature.inputs[0]?.shape);
  const outShape = exampleShape(feature.outputs[0]?.shape);
  const featureDim = outShape.some((d) => d < 0) ? -1 : outShape.reduce((a, b) => a * b, 1);
  let disposed = false;
  return {
    kind: 'layers',
    inputShape,
    featureDim,
    features(images) {
      if (disposed) throw new Error(`${file}: feature model already disposed`);
      checkImages(file, images, inputShape);
      return tf.tidy(() => {
        const out = feature.predict(images);
        if (Array.isArray(out)) throw new Error(`${file}: the feature output is not a single tensor`);
        return flatten(out);
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}

function graphNodeNames(json: Record<string, unknown>): string[] {
  const topology = json.modelTopology;
  if (!isRecord(topology) || !Array.isArray(topology.node)) return [];
  return topology.node.flatMap((n: unknown) => (isRecord(n) && typeof n.name === 'string' ? [n.name] : []));
}

async function loadGraph(file: string, json: Record<string, unknown>, artifacts: tf.io.ModelArtifacts, output: string | undefined): Promise<FeatureModel> {
  const names = graphNodeNames(json);
  if (output !== undefined && !names.includes(output.split(':')[0] ?? output))
    throw new Error(`${file}: no graph node named '${output}'; allowed: ${names.join(', ')}`);
  const model = await tfconv.loadGraphModel(tf.io.fromMemory(artifacts));
  if (model.inputs.length !== 1) {
    model.dispose();
    throw new Error(`${file}: the graph has ${model.inputs.length} inputs; a feature model takes one image tensor`);
  }
  const inputName = model.inputs[0]?.name ?? '';
  const outputName = output ?? model.outputs[0]?.name ?? '';
  const inputShape = exampleShape(model.inputs[0]?.shape);
  const run = (images: tf.Tensor): tf.Tensor2D =>
    tf.tidy(() => {
      const out = model.execute({ [inputName]: images }, outputName);
      if (Array.isArray(out)) throw new Error(`${file}: the feature output is not a single tensor`);
      return flatten(out);
    });
  // An intermediate node's shape is not in the signature: one batch-1 pass of zeros measures it.
  let featureDim = -1;
  if (inputShape.every((d) => d > 0)) {
    const probe = tf.zeros([1, ...inputShape]);
    const f = run(probe);
    featureDim = f.shape[1];
    tf.dispose([probe, f]);
  }
  let disposed = false;
  return {
    kind: 'graph',
    inputShape,
    featureDim,
    features(images) {
      if (disposed) throw new Error(`${file}: feature model already disposed`);
      checkImages(file, images, inputShape);
      return run(images);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}

/**
 * Loads a tfjs graph or layers model (model.json + weight shards) from a local directory or model.json path
 * as a feature extractor, e.g. an Inception-v3 a user converted themselves. Node has no file:// handler
 * without tfjs-node, so this reads the files and hands them to `tf.io.fromMemory`.
 */
export async function loadLocalFeatureModel(path: string, options: LocalFeatureModelOptions = {}): Promise<FeatureModel> {
  const { kind = 'auto', output } = options;
  if (!['auto', 'graph', 'layers'].includes(kind)) throw new Error(`kind: '${kind}' is not one of 'auto', 'graph', 'layers'`);
  const { file, json, artifacts } = await readModelArtifacts(path);
  const resolved = detectKind(file, json, kind);
  return resolved === 'layers' ? loadLayers(file, artifacts, output) : loadGraph(file, json, artifacts, output);
}
