import { Rng } from '@ganbench/core';
import type { Samples } from '../points.js';
import { checkInteger, finiteRows } from '../precisionRecall/rows.js';

export interface InceptionScoreOptions {
  /** Consecutive chunks the samples are split into; the score is computed per chunk (default 10, as torch-fidelity). */
  splits?: number;
  /** Rows are classifier logits (log-softmax in float64) rather than probabilities (default false). */
  fromLogits?: boolean;
  /** Shuffle the rows with this seed (core's Rng) before splitting; default: keep the given order. */
  shuffleSeed?: number;
}

export interface InceptionScore {
  /** Mean of the per-split scores. */
  mean: number;
  /** Population standard deviation (numpy's default, ddof = 0) of the per-split scores, as torch-fidelity reports. */
  std: number;
  /** The score of each split, in order. */
  scores: number[];
}

/** How far a row of probabilities may sum from 1 before it is taken for logits (float32 softmax round-off is far below). */
const SUM_TOLERANCE = 1e-3;

/**
 * Inception Score (Salimans et al. 2016, Sec. 4): IS = exp(E_x KL(p(y|x) ‖ p(y))) per split, p(y) the split's mean
 * prediction; torch-fidelity's formula in float64 — split i is rows ⌊i·N/splits⌋ … ⌊(i+1)·N/splits⌋ − 1, terms with
 * p(y|x) = 0 contribute 0 — returning the mean and population std over splits.
 */
export function inceptionScore(predictions: Samples, options: InceptionScoreOptions = {}): InceptionScore {
  const { splits = 10, fromLogits = false, shuffleSeed } = options;
  const { data, n, dim: classes } = finiteRows(predictions, 'predictions');
  checkInteger('splits', splits, 1, n);
  if (shuffleSeed !== undefined) checkInteger('shuffleSeed', shuffleSeed, 0, 0xffffffff);
  const p = new Float64Array(n * classes);
  const logP = new Float64Array(n * classes);
  const order = shuffleSeed === undefined ? null : new Rng(shuffleSeed).permutation(n);
  for (let i = 0; i < n; i++) {
    const src = (order === null ? i : (order[i] as number)) * classes;
    const dst = i * classes;
    if (fromLogits) {
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < classes; c++) max = Math.max(max, data[src + c] as number);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += Math.exp((data[src + c] as number) - max);
      const logSum = Math.log(sum);
      for (let c = 0; c < classes; c++) {
        const l = (data[src + c] as number) - max - logSum;
        logP[dst + c] = l;
        p[dst + c] = Math.exp(l);
      }
    } else {
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const v = data[src + c] as number;
        if (v < 0) throw new Error(`predictions[${i}][${c}]: ${v} is not a probability; pass fromLogits: true for logits`);
        sum += v;
      }
      if (Math.abs(sum - 1) > SUM_TOLERANCE) {
        throw new Error(`predictions[${i}]: probabilities sum to ${sum}, not 1 (±${SUM_TOLERANCE}); pass fromLogits: true for logits`);
      }
      for (let c = 0; c < classes; c++) {
        const v = (data[src + c] as number) / sum;
        p[dst + c] = v;
        logP[dst + c] = Math.log(v);
      }
    }
  }
  const scores: number[] = [];
  const marginal = new Float64Array(classes);
  for (let s = 0; s < splits; s++) {
    const start = Math.floor((s * n) / splits);
    const end = Math.floor(((s + 1) * n) / splits);
    marginal.fill(0);
    for (let i = start; i < end; i++) for (let c = 0; c < classes; c++) marginal[c] = (marginal[c] as number) + (p[i * classes + c] as number);
    for (let c = 0; c < classes; c++) marginal[c] = Math.log((marginal[c] as number) / (end - start));
    let klSum = 0;
    for (let i = start; i < end; i++) {
      let kl = 0;
      for (let c = 0; c < classes; c++) {
        const pic = p[i * classes + c] as number;
        if (pic > 0) kl += pic * ((logP[i * classes + c] as number) - (marginal[c] as number));
      }
      klSum += kl;
    }
    scores.push(Math.exp(klSum / (end - start)));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const variance = scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits;
  return { mean, std: Math.sqrt(variance), scores };
}
