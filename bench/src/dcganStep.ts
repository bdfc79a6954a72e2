import { type GanNetworks, getArchitecture, resolveArchitectureOptions } from '@ganbench/architectures';
import type { ParamStore, Rng } from '@ganbench/core';
import { fusedAdam, tf } from '@ganbench/core';
import { minimaxDiscriminatorLoss, nonSaturatingGeneratorLoss } from '@ganbench/losses';
import { wganGpPenalty } from '@ganbench/regularizers';

/**
 * The benchmark's fixed model: the registry's `dcgan` at 28×28×1 (latentDim = zDim, width, 4×4
 * kernels, no batch norm in D), the same network as bench/torch_dcgan_step.py.
 * G: z → dense 7·7·2w → BN, ReLU → convT w s2 → BN, ReLU → convT 1 s2 → tanh.
 * D: conv w s2 → lReLU → conv 2w s2 → lReLU → dense 1. Kernels 4×4, 'same' padding.
 */
export interface DcganStepConfig {
  batch: number;
  zDim: number;
  width: number;
  penalty: 'none' | 'gp';
  gpWeight: number;
}

export const BENCH_DCGAN: DcganStepConfig = { batch: 64, zDim: 64, width: 64, penalty: 'none', gpWeight: 10 };

export interface StepLosses {
  dLoss: number;
  gLoss: number;
}

export interface DcganTrainer {
  step(): StepLosses;
  /** The same step, reading the losses back asynchronously: webgpu has no synchronous read under Node. */
  stepAsync(): Promise<StepLosses>;
  dispose(): void;
  readonly generator: ParamStore;
  readonly discriminator: ParamStore;
}

const SIZE = 28;

/** Both networks from the architecture registry; G runs in training mode throughout, as the PyTorch yardstick's does. */
function buildNetworks(config: DcganStepConfig, rng: Rng): GanNetworks {
  const options = resolveArchitectureOptions('dcgan', { latentDim: config.zDim, width: config.width, kernelSize: 4, discriminatorBatchNorm: false });
  return getArchitecture('dcgan').build(options, { dataShape: [SIZE, SIZE, 1] }, rng);
}

/** A D step then a G step with the non-saturating loss and Adam(2e-4, 0.5, 0.999), as the PyTorch yardstick does. */
export function createDcganTrainer(config: DcganStepConfig, rng: Rng): DcganTrainer {
  const networks = buildNetworks(config, rng);
  const generator = networks.generatorParams;
  const discriminator = networks.discriminatorParams;
  const generate = (p: ParamStore, z: tf.Tensor) => networks.generate(p, z, { training: true });
  const discriminate = (p: ParamStore, x: tf.Tensor) => networks.discriminate(p, x, { training: true });
  const dataRng = rng.fork('data');
  const real = dataRng.uniformTensor([config.batch, SIZE, SIZE, 1], -1, 1);
  const noiseRng = rng.fork('noise');
  const dOptimizer = fusedAdam(2e-4, 0.5, 0.999);
  const gOptimizer = fusedAdam(2e-4, 0.5, 0.999);
  const dVars = discriminator.trainableVariables();
  const gVars = generator.trainableVariables();

  /** Applies the gradients and returns the loss tensor, for the caller to read (synchronously or not) and dispose. */
  function minimize(optimizer: tf.Optimizer, vars: tf.Variable[], loss: () => tf.Scalar): tf.Scalar {
    const { value, grads } = tf.variableGrads(loss, vars);
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
    return value;
  }

  function discriminatorStep(): tf.Scalar {
    const fake = tf.tidy(() => generate(generator, noiseRng.normalTensor([config.batch, config.zDim])));
    const value = minimize(dOptimizer, dVars, () =>
      tf.tidy(() => {
        const realLogits = discriminate(discriminator, real);
        const fakeLogits = discriminate(discriminator, fake);
        const loss = minimaxDiscriminatorLoss(realLogits, fakeLogits);
        if (config.penalty === 'none') return loss;
        const context = {
          discriminator: (x: tf.Tensor) => discriminate(discriminator, x),
          real,
          fake,
          rng: noiseRng,
          step: 0,
          realLogits,
          fakeLogits,
          state: {},
        };
        return tf.add(loss, wganGpPenalty(context, config.gpWeight, 1, false)) as tf.Scalar;
      }),
    );
    fake.dispose();
    return value;
  }

  function generatorStep(): tf.Scalar {
    return minimize(gOptimizer, gVars, () =>
      tf.tidy(() => {
        const z = noiseRng.normalTensor([config.batch, config.zDim]);
        return nonSaturatingGeneratorLoss(discriminate(discriminator, generate(generator, z)));
      }),
    );
  }

  const read = (value: tf.Scalar): number => {
    const result = value.dataSync()[0] as number;
    value.dispose();
    return result;
  };
  const readAsync = async (value: tf.Scalar): Promise<number> => {
    const result = (await value.data())[0] as number;
    value.dispose();
    return result;
  };

  return {
    generator,
    discriminator,
    step(): StepLosses {
      const dLoss = read(discriminatorStep());
      return { dLoss, gLoss: read(generatorStep()) };
    },
    async stepAsync(): Promise<StepLosses> {
      const dLoss = await readAsync(discriminatorStep());
      return { dLoss, gLoss: await readAsync(generatorStep()) };
    },
    dispose(): void {
      real.dispose();
      dOptimizer.dispose();
      gOptimizer.dispose();
      generator.dispose();
      discriminator.dispose();
    },
  };
}

/**
 * Floating-point operations of one step (multiply–add = 2), counted from the layer shapes the
 * way the backward passes actually run: D's input gradient is never needed, G's forward runs twice.
 */
export function dcganStepFlops(config: DcganStepConfig): number {
  const { batch: n, zDim, width: w } = config;
  const convT1 = 2 * n * 7 * 7 * 16 * 2 * w * w; // per input pixel: k²·Cin·Cout
  const convT2 = 2 * n * 14 * 14 * 16 * w * 1;
  const conv1 = 2 * n * 14 * 14 * 16 * 1 * w; // per output pixel
  const conv2 = 2 * n * 7 * 7 * 16 * w * 2 * w;
  const fcG = 2 * n * zDim * 7 * 7 * 2 * w;
  const fcD = 2 * n * 7 * 7 * 2 * w;
  const gForward = fcG + convT1 + convT2;
  const dForward = conv1 + conv2 + fcD;
  // D step: G forward, D forward on real and fake, weight gradients (≈ forward) and conv2/fc input gradients.
  const dStep = gForward + 2 * dForward + 2 * dForward + 2 * (conv2 + fcD);
  // G step: G and D forward, D input gradients (conv2, conv1, fc), G weight and input gradients.
  const gStep = gForward + dForward + (conv2 + conv1 + fcD) + (gForward + gForward - fcG);
  const base = dStep + gStep;
  if (config.penalty === 'none') return base;
  // GP: D forward on x̂ and its input gradient, then the weight gradient of that: the backward of
  // the input-gradient ops (two products per conv) and of the forward ops (two more).
  return base + 6 * dForward;
}
