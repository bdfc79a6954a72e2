import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, ParamStore, tf } from '@ganbench/core';

/** Where `ganbench features train --dataset D` writes the weights every classifier-FID/IS/PR run reads (committed). */
export function featureWeightsPath(dataset: string): string {
  return fileURLToPath(new URL(`../../weights/${dataset}-classifier.safetensors`, import.meta.url));
}

/** The feature classifier of `dataset` and the metadata it was saved with; fails naming the file and the command that makes it. */
export async function loadFeatureClassifier(
  dataset: string,
  path = featureWeightsPath(dataset),
): Promise<{ params: ParamStore; metadata: Record<string, string> }> {
  if (!existsSync(path))
    throw new Error(`feature classifier for '${dataset}': ${path} does not exist; make it with: ganbench features train --dataset ${dataset}`);
  const { arrays, metadata } = decodeSafetensors(new Uint8Array(await readFile(path)));
  const params = new ParamStore();
  for (const a of arrays) params.create(a.name, tf.tensor(a.data, a.shape, 'float32'), { trainable: a.trainable });
  return { params, metadata };
}
