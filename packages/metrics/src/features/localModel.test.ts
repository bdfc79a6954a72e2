import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '@ganbench/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalFeatureModel } from './localModel.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ganbench-localmodel-'));
  dirs.push(dir);
  return dir;
}

/** conv → flatten → dense 8 'features' → dense 3, on 6×6×1 images. */
function buildModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 6, 1], name: 'images' });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(input) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(conv) as tfl.SymbolicTensor;
  const features = tfl.layers.dense({ units: 8, activation: 'relu', name: 'features' }).apply(flat) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 3, name: 'logits' }).apply(features) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits });
}

/** Saves `model` as tfjs's model.json + `shards` .bin files (the weight bytes split evenly) in a fresh directory. */
async function saveModel(model: tfl.LayersModel, shards: number): Promise<{ dir: string; paths: string[] }> {
  const dir = tempDir();
  const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      const step = Math.ceil(data.byteLength / shards);
      paths.forEach((p, i) => {
        writeFileSync(join(dir, p), data.subarray(i * step, Math.min((i + 1) * step, data.byteLength)));
      });
      const json = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return { dir, paths };
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN);
}

beforeAll(async () => {
  await initBackend('cpu');
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('loadLocalFeatureModel: layers models', () => {
  it.each([1, 2])('reads model.json + %i shard(s) and matches the original model’s inner layer', async (shards) => {
    const model = buildModel();
    const { dir } = await saveModel(model, shards);
    const reference = tfl.model({ inputs: model.inputs, outputs: model.getLayer('features').output as tfl.SymbolicTensor });
    const x = tf.randomNormal([5, 6, 6, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const before = tf.memory().numTensors;

    const loaded = await loadLocalFeatureModel(shards === 1 ? dir : join(dir, 'model.json'), { output: 'features' });
    expect(loaded.kind).toBe('layers');
    expect(loaded.inputShape).toEqual([6, 6, 1]);
    expect(loaded.featureDim).toBe(8);
    const got = loaded.features(x);
    const want = reference.predict(x) as tf.Tensor;
    expect(got.shape).toEqual([5, 8]);
    expect(want).toBeInstanceOf(tf.Tensor); // tfjs-layers and @ganbench/core share one tfjs-core
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
    expect(tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0])).toBeGreaterThan(0); // not trivially zero
    tf.dispose([got, want]);

    // Without `output`, the model's own output (logits) is the feature.
    const full = await loadLocalFeatureModel(dir);
    expect(full.featureDim).toBe(3);
    const logits = full.features(x);
    const wantLogits = model.predict(x) as tf.Tensor;
    expect(maxAbsDiff(logits, wantLogits)).toBeLessThan(1e-6);
    tf.dispose([logits, wantLogits]);

    loaded.dispose();
    full.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => loaded.features(x)).toThrow('already disposed');
    tf.dispose(x);
    model.dispose();
  });

  it('rejects images of the wrong shape, naming the expected one', async () => {
    const model = buildModel();
    const { dir } = await saveModel(model, 1);
    const loaded = await loadLocalFeatureModel(dir, { output: 'features' });
    const x = tf.zeros([2, 5, 5, 1]) as tf.Tensor4D;
    expect(() => loaded.features(x)).toThrow('do not fit the model input [n, 6, 6, 1]');
    tf.dispose(x);
    loaded.dispose();
    model.dispose();
  });
});

describe('loadLocalFeatureModel: errors name the file', () => {
  it('a missing model.json', async () => {
    const dir = tempDir();
    await expect(loadLocalFeatureModel(dir)).rejects.toThrow(`${join(dir, 'model.json')} does not exist`);
  });

  it('a missing shard, by name', async () => {
    const model = buildModel();
    const { dir, paths } = await saveModel(model, 2);
    unlinkSync(join(dir, paths[1] ?? ''));
    await expect(loadLocalFeatureModel(dir)).rejects.toThrow(`weight shard ${join(dir, 'group1-shard2of2.bin')} does not exist`);
    model.dispose();
  });

  it('a shard shorter than the manifest says', async () => {
    const model = buildModel();
    const { dir, paths } = await saveModel(model, 1);
    const shard = join(dir, paths[0] ?? '');
    const bytes = readFileSync(shard);
    writeFileSync(shard, bytes.subarray(0, bytes.byteLength - 4));
    await expect(loadLocalFeatureModel(dir)).rejects.toThrow(
      `${join(dir, 'model.json')}: weight shards ${shard} hold ${bytes.byteLength - 4} bytes but the manifest's weights need ${bytes.byteLength}`,
    );
    model.dispose();
  });

  it('an unknown format', async () => {
    const model = buildModel();
    const { dir } = await saveModel(model, 1);
    const file = join(dir, 'model.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), format: 'keras-h5' }));
    await expect(loadLocalFeatureModel(dir)).rejects.toThrow(`${file}: unknown model format 'keras-h5'; allowed: 'graph-model', 'layers-model'`);
    await expect(loadLocalFeatureModel(dir, { kind: 'layers', output: 'features' })).resolves.toMatchObject({ featureDim: 8 });
    model.dispose();
  });

  it('a kind that contradicts the format', async () => {
    const model = buildModel();
    const { dir } = await saveModel(model, 1);
    await expect(loadLocalFeatureModel(dir, { kind: 'graph' })).rejects.toThrow("format is 'layers-model' but kind 'graph' was requested");
    model.dispose();
  });

  it('an unknown output layer, listing the layers', async () => {
    const model = buildModel();
    const { dir } = await saveModel(model, 1);
    const before = tf.memory().numTensors;
    await expect(loadLocalFeatureModel(dir, { output: 'pool5' })).rejects.toThrow(
      `${join(dir, 'model.json')}: no layer named 'pool5'; allowed: images, conv, flat, features, logits`,
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

/** A hand-written graph model: x [n,2,2,1] → Reshape [n,4] → MatMul w [4,3] ('mm') → Relu ('relu'). */
function writeGraphModel(w: Float32Array): string {
  const dir = tempDir();
  const f32 = { type: 'DT_FLOAT' };
  const dims = (...sizes: number[]) => ({ dim: sizes.map((s) => ({ size: String(s) })) });
  const modelTopology = {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: f32, shape: { shape: dims(-1, 2, 2, 1) } } },
      { name: 'w', op: 'Const', attr: { dtype: f32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(4, 3) } } } },
      { name: 'flat_shape', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: dims(2) } } } },
      { name: 'flat', op: 'Reshape', input: ['x', 'flat_shape'], attr: { T: f32, Tshape: { type: 'DT_INT32' } } },
      { name: 'mm', op: 'MatMul', input: ['flat', 'w'], attr: { T: f32, transpose_a: { b: false }, transpose_b: { b: false } } },
      { name: 'relu', op: 'Relu', input: ['mm'], attr: { T: f32 } },
    ],
    library: {},
    versions: { producer: 1 },
  };
  const shape = new Int32Array([-1, 4]);
  const bin = new Uint8Array(w.byteLength + shape.byteLength);
  bin.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), 0);
  bin.set(new Uint8Array(shape.buffer), w.byteLength);
  writeFileSync(join(dir, 'group1-shard1of1.bin'), bin);
  const weights = [
    { name: 'w', shape: [4, 3], dtype: 'float32' },
    { name: 'flat_shape', shape: [2], dtype: 'int32' },
  ];
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      generatedBy: 'hand',
      convertedBy: null,
      modelTopology,
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }],
    }),
  );
  return dir;
}

describe('loadLocalFeatureModel: graph models', () => {
  const w = new Float32Array([0.5, -1, 2, 1, 0.25, -0.5, -2, 1.5, 0, 0.75, -0.25, 1]);

  it('runs a hand-written Placeholder → Reshape → MatMul → Relu graph, at the output and at an inner node', async () => {
    const dir = writeGraphModel(w);
    const x = tf.randomNormal([3, 2, 2, 1], 0, 1, 'float32', 11) as tf.Tensor4D;
    const wt = tf.tensor2d(w, [4, 3]);
    const mm = tf.matMul(x.reshape([3, 4]), wt);
    const relu = tf.relu(mm);
    const before = tf.memory().numTensors;

    const out = await loadLocalFeatureModel(dir);
    expect(out.kind).toBe('graph');
    expect(out.inputShape).toEqual([2, 2, 1]);
    expect(out.featureDim).toBe(3);
    const got = out.features(x);
    expect(maxAbsDiff(got, relu)).toBeLessThan(1e-6);

    const inner = await loadLocalFeatureModel(join(dir, 'model.json'), { kind: 'graph', output: 'mm' });
    const gotMm = inner.features(x);
    expect(maxAbsDiff(gotMm, mm)).toBeLessThan(1e-6);
    expect(mm.dataSync().some((v) => v < 0)).toBe(true); // the inner node really is before the Relu

    tf.dispose([got, gotMm]);
    out.dispose();
    inner.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, wt, mm, relu]);
  });

  it('an unknown output node, listing the nodes', async () => {
    const dir = writeGraphModel(w);
    await expect(loadLocalFeatureModel(dir, { output: 'logits' })).rejects.toThrow(
      `${join(dir, 'model.json')}: no graph node named 'logits'; allowed: x, w, flat_shape, flat, mm, relu`,
    );
  });
});
