import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeSafetensors, encodeSafetensors, type NamedArray, type ParamStore, type RngState, tf } from '@ganbench/core';
import type { TrainerState } from '../ganTrainer.js';

/** What a checkpoint holds besides arrays: where the run is, and every random stream's state. */
export interface CheckpointProgress {
  /** Generator steps completed. */
  step: number;
  dataRng: RngState;
  /** Last evaluation's metrics and the best of each so far. */
  final: Record<string, number>;
  best: Record<string, number>;
  /** Seconds of training before this checkpoint (a resumed run adds its own). */
  seconds: number;
}

const GENERATOR = 'g/';
const DISCRIMINATOR = 'd/';
const TRAINER = 'trainer/';

export const checkpointPath = (trialDir: string) => path.join(trialDir, 'checkpoint', 'latest.safetensors');

/** One file, written to a temporary name and renamed: a kill at any moment leaves the previous checkpoint or the new one. */
export async function saveCheckpoint(
  file: string,
  networks: { generator: ParamStore; discriminator: ParamStore },
  trainer: TrainerState,
  progress: CheckpointProgress,
): Promise<void> {
  const prefixed = (prefix: string, arrays: NamedArray[]) => arrays.map((a) => ({ ...a, name: prefix + a.name }));
  const arrays = [
    ...prefixed(GENERATOR, await networks.generator.values()),
    ...prefixed(DISCRIMINATOR, await networks.discriminator.values()),
    ...prefixed(TRAINER, trainer.arrays),
  ];
  const metadata = {
    progress: JSON.stringify(progress),
    trainer: JSON.stringify({ discriminatorSteps: trainer.discriminatorSteps, generatorSteps: trainer.generatorSteps, rngs: trainer.rngs }),
  };
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, encodeSafetensors(arrays, metadata));
  await rename(tmp, file);
}

export interface LoadedCheckpoint {
  progress: CheckpointProgress;
  trainer: TrainerState;
}

/** Loads the networks' values in place and returns the rest; null when the trial has no checkpoint. */
export async function loadCheckpoint(file: string, networks: { generator: ParamStore; discriminator: ParamStore }): Promise<LoadedCheckpoint | null> {
  if (!existsSync(file)) return null;
  const { arrays, metadata } = decodeSafetensors(new Uint8Array(await readFile(file)));
  const assign = (store: ParamStore, prefix: string) => {
    for (const a of arrays) {
      if (!a.name.startsWith(prefix)) continue;
      const name = a.name.slice(prefix.length);
      const values = tf.tensor(a.data, a.shape, 'float32');
      // State a network creates on its first forward pass (spectral norm's u) is not there yet in a fresh model.
      if (!store.has(name)) {
        store.create(name, values, { trainable: a.trainable });
        continue;
      }
      store.get(name).assign(values);
      values.dispose();
    }
  };
  assign(networks.generator, GENERATOR);
  assign(networks.discriminator, DISCRIMINATOR);
  const trainer = JSON.parse(metadata.trainer ?? '{}') as Omit<TrainerState, 'arrays'>;
  return {
    progress: JSON.parse(metadata.progress ?? '{}') as CheckpointProgress,
    trainer: { ...trainer, arrays: arrays.filter((a) => a.name.startsWith(TRAINER)).map((a) => ({ ...a, name: a.name.slice(TRAINER.length) })) },
  };
}
