import { initBackend, Rng, tf } from '@ganbench/core';
import type { ImageDataset } from '@ganbench/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLASSIFIER_FEATURES, classifierFeatures, classifierLogits, initClassifier } from './classifier.js';
import { classifierAccuracy, randomRotation, randomShift, rotateImages, ScheduledAdam, scheduledLearningRate, trainClassifier } from './trainClassifier.js';

/** Two classes the network must tell apart by where the bright square is: left half or right half. */
function squares(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, () => rng.int(2));
  const pixels = new Float32Array(n * 16 * 16).fill(-1);
  labels.forEach((label, i) => {
    const x0 = label === 0 ? rng.int(4) : 8 + rng.int(4);
    const y0 = rng.int(12);
    for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) pixels[i * 256 + y * 16 + x] = 1;
  });
  return {
    name: 'squares',
    split: 'all',
    shape: [16, 16, 1],
    length: n,
    classes: 2,
    batch: (indices) => {
      const idx = Array.from(indices);
      const images = new Float32Array(idx.length * 256);
      idx.forEach((k, j) => {
        images.set(pixels.subarray(k * 256, (k + 1) * 256), j * 256);
      });
      return {
        images: tf.tensor4d(images, [idx.length, 16, 16, 1]),
        labels: tf.tensor1d(
          idx.map((k) => labels[k] as number),
          'int32',
        ),
      };
    },
  };
}

describe('the feature classifier (classifier-FID space)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('features are the 128 non-negative penultimate activations; logits have one column per class', () => {
    const params = initClassifier({ input: [28, 28, 1], classes: 10 }, new Rng(0));
    const images = new Rng(1).uniformTensor([3, 28, 28, 1], -1, 1);
    const features = classifierFeatures(params, images);
    expect(features.shape).toEqual([3, CLASSIFIER_FEATURES]);
    expect(features.min().dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(classifierLogits(params, images).shape).toEqual([3, 10]);
    tf.dispose([images, features]);
    params.dispose();
  });

  it('training learns a task a linear probe on pixels would need position for, without leaking tensors', () => {
    const train = squares(512, 1);
    const test = squares(200, 2);
    const before = tf.memory().numTensors;
    const accuracies: number[] = [];
    const { params, testAccuracy } = trainClassifier(
      train,
      test,
      { epochs: 2, batchSize: 32, lr: 1e-3, seed: 0, shift: 0, rotate: 0, dropout: 0, lrDecay: 'constant' },
      (_, accuracy) => accuracies.push(accuracy),
    );
    expect(testAccuracy).toBeGreaterThan(0.95);
    expect(accuracies).toHaveLength(2);
    expect(classifierAccuracy(params, test)).toBe(testAccuracy);
    params.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with dropout and rotations the same seed trains the same weights, still learns, and leaks nothing', () => {
    const train = squares(256, 1);
    const test = squares(100, 2);
    const before = tf.memory().numTensors;
    const settings = { epochs: 2, batchSize: 32, lr: 2e-3, seed: 5, shift: 1, rotate: 10, dropout: 0.5, lrDecay: 'cosine' } as const;
    const first = trainClassifier(train, test, settings);
    const second = trainClassifier(train, test, settings);
    const other = trainClassifier(train, test, { ...settings, seed: 6 });
    const weights = (p: typeof first.params) => Array.from(p.trainableVariables().flatMap((v) => Array.from(v.dataSync())));
    expect(weights(second.params)).toEqual(weights(first.params));
    expect(weights(other.params)).not.toEqual(weights(first.params));
    expect(first.testAccuracy).toBeGreaterThan(0.9);
    for (const run of [first, second, other]) run.params.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('random shifts move each image by its own offset within ±shift and fill the border with −1', () => {
    // One bright pixel per image at (2, 2) of a 5×5 image: after the shift it sits at (2 + dy, 2 + dx), nothing else changes.
    const pixels = new Float32Array(4 * 25).fill(-1);
    for (let i = 0; i < 4; i++) pixels[i * 25 + 12] = 1;
    const shifted = randomShift(tf.tensor4d(pixels, [4, 5, 5, 1]), 2, new Rng(3)).dataSync();
    const offsets = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const image = Array.from(shifted.subarray(i * 25, (i + 1) * 25));
      expect(image.filter((v) => v === 1)).toHaveLength(1);
      expect(image.filter((v) => v === -1)).toHaveLength(24);
      const at = image.indexOf(1);
      const [dy, dx] = [Math.floor(at / 5) - 2, (at % 5) - 2];
      expect(Math.max(Math.abs(dx), Math.abs(dy))).toBeLessThanOrEqual(2);
      offsets.add(`${dx},${dy}`);
    }
    expect(offsets.size).toBeGreaterThan(1);
  });

  it('rotation by 0 is the identity, by 90° is numpy rot90 (a quarter turn counter-clockwise); random rotations mix pixels convexly and keep the centre', () => {
    const pixels = Float32Array.from({ length: 2 * 25 }, (_, i) => Math.sin(i));
    const images = tf.tensor4d(pixels, [2, 5, 5, 1]);
    expect(Array.from(rotateImages(images, [0, 0]).dataSync())).toEqual(Array.from(pixels));
    // np.rot90(a)[y][x] = a[x][n − 1 − y]
    const turned = rotateImages(images, [Math.PI / 2, Math.PI / 2]).dataSync();
    for (let i = 0; i < 2; i++)
      for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) expect(turned[i * 25 + y * 5 + x]).toBeCloseTo(pixels[i * 25 + x * 5 + (4 - y)] as number, 5);
    // Every output is a convex mix of inputs and the −1 outside; the centre pixel stays where it is.
    const random = randomRotation(tf.fill([8, 5, 5, 1], 1) as tf.Tensor4D, 10, new Rng(1)).dataSync();
    expect(Math.min(...random)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...random)).toBeLessThanOrEqual(1 + 1e-6);
    for (let i = 0; i < 8; i++) expect(random[i * 25 + 12]).toBeCloseTo(1, 6);
    // 45° of a 7×7 image: the corner's source lies 1.24 pixels above the image, so all four of its neighbours are outside.
    expect(rotateImages(tf.fill([1, 7, 7, 1], 1) as tf.Tensor4D, [Math.PI / 4]).dataSync()[0]).toBeCloseTo(-1, 6);
  });

  it('the cosine schedule runs from lr to 0 through lr/2, and Adam takes the rate it is given', () => {
    const settings = { lr: 1e-3, lrDecay: 'cosine' } as const;
    expect(scheduledLearningRate(settings, 0, 100)).toBe(1e-3);
    expect(scheduledLearningRate(settings, 50, 100)).toBeCloseTo(5e-4, 15);
    expect(scheduledLearningRate(settings, 100, 100)).toBeCloseTo(0, 15);
    expect(scheduledLearningRate({ lr: 1e-3, lrDecay: 'constant' }, 50, 100)).toBe(1e-3);
    // Adam's first step moves each weight by lr · sign(gradient) (m̂/√v̂ = ±1, up to ε).
    const adam = new ScheduledAdam(1e-3, 0.9, 0.999);
    const weight = tf.variable(tf.tensor1d([1, -1]));
    adam.setLearningRate(0.25);
    adam.applyGradients([{ name: weight.name, tensor: tf.tensor1d([3, -0.5]) }]);
    expect(Array.from(weight.dataSync())).toEqual([expect.closeTo(0.75, 5), expect.closeTo(-0.75, 5)]);
    adam.dispose();
    weight.dispose();
  });
});
