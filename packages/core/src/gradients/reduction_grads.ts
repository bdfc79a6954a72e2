import {
  backend_util,
  broadcastTo,
  div,
  type GradConfig,
  Mean,
  type MeanAttrs,
  reshape,
  Sum,
  type SumAttrs,
  sum,
  type Tensor,
  Tile,
  type TileAttrs,
  util,
} from '@tensorflow/tfjs-core';

/*
 * tfjs-core's gradients of Sum and Mean multiply dy by a tensor of ones as large as x, built element by element in
 * JavaScript and uploaded, and Tile's adds one slice of dy per repetition (a minibatch-stddev mean over 4×4×C is
 * 16·C slices when a penalty differentiates it again). These broadcast dy instead and sum Tile's repetitions in one
 * reduction: the same values (dy · 1 = dy; (dy · 1) / n = dy / n), fewer kernels.
 */

/** dy reshaped to x's rank with the reduced axes kept as 1. */
function keptDims(dy: Tensor, x: Tensor, axis: number | number[]): Tensor {
  const shape = x.shape.slice();
  for (const a of util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  return reshape(dy, shape);
}

/** ∂(Σ_axes x)/∂x = 1: dy broadcast over the summed axes. */
export const sumGradConfig: GradConfig = {
  kernelName: Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0] as Tensor;
    return { x: () => broadcastTo(keptDims(dy as Tensor, x, (attrs as unknown as SumAttrs).axis), x.shape) };
  },
};

/** ∂(mean_axes x)/∂x = 1/n over the n averaged entries. */
export const meanGradConfig: GradConfig = {
  kernelName: Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0] as Tensor;
    const { axis } = attrs as unknown as MeanAttrs;
    const [, reduceShape] = backend_util.computeOutAndReduceShapes(x.shape, util.parseAxisParam(axis, x.shape));
    return { x: () => broadcastTo(div(keptDims(dy as Tensor, x, axis), util.sizeFromShape(reduceShape)), x.shape) };
  },
};

/** ∂Tile(x)/∂x: dy as [reps₀, d₀, reps₁, d₁, …] summed over the repetition axes (unrepeated neighbours merged, for backends with few ranks). */
export const tileGradConfig: GradConfig = {
  kernelName: Tile,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0] as Tensor;
    const { reps } = attrs as unknown as TileAttrs;
    const split: number[] = [];
    const repeated: number[] = [];
    let merge = false;
    x.shape.forEach((d, i) => {
      const r = reps[i] as number;
      if (r !== 1) {
        repeated.push(split.length);
        split.push(r, d);
      } else if (merge) split[split.length - 1] = (split[split.length - 1] as number) * d;
      else split.push(d);
      merge = true;
    });
    return { x: () => reshape(sum(reshape(dy as Tensor, split), repeated), x.shape) };
  },
};

export const reductionGradConfigs: readonly GradConfig[] = [sumGradConfig, meanGradConfig, tileGradConfig];
