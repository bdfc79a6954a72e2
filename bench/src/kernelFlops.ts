/**
 * Floating-point operations of one tfjs kernel call (multiply–add = 2), from the input and output
 * shapes tf.profile records (in the order the op passes its inputs): the convolution, its two
 * gradients and the matrix products. Every tap of the filter is counted, padded ones included, as
 * GFLOP/s figures usually are. Other kernels: null (timed, not counted).
 */
export function kernelFlops(kernel: string, inputShapes: readonly (readonly number[] | null)[], outputShapes: readonly (readonly number[])[]): number | null {
  const size = (shape: readonly number[] | null | undefined): number => (shape ?? []).reduce((p, d) => p * d, 1);
  const out = outputShapes[0];
  if (out === undefined) return null;
  switch (kernel) {
    // inputs {x, filter[, bias, …]}: each output element is kh·kw·Ci multiply-adds.
    case 'Conv2D':
    case 'FusedConv2D': {
      const filter = inputShapes[1];
      if (filter?.length !== 4) return null;
      return 2 * size(out) * ((filter[0] as number) * (filter[1] as number) * (filter[2] as number));
    }
    // inputs {x, dy}, output the filter [kh, kw, Ci, Co]: each dy element meets kh·kw·Ci inputs.
    case 'Conv2DBackpropFilter': {
      const dy = inputShapes[1];
      if (dy?.length !== 4 || out.length !== 4) return null;
      return 2 * size(dy) * ((out[0] as number) * (out[1] as number) * (out[2] as number));
    }
    // inputs {dy, filter [kh, kw, Ci, Co]}: each dy element spreads over kh·kw·Ci outputs.
    case 'Conv2DBackpropInput': {
      const [dy, filter] = inputShapes;
      if (dy == null || filter?.length !== 4) return null;
      return 2 * size(dy) * ((filter[0] as number) * (filter[1] as number) * (filter[2] as number));
    }
    // inputs {a, b[, bias, …]}, output [..., M, N]: K = |a| / (a's batch · M), whichever side of a is transposed.
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const a = inputShapes[0];
      if (a == null || a.length < 2 || out.length < 2) return null;
      const m = out[out.length - 2] as number;
      const k = size(a) / (size(a.slice(0, -2)) * m);
      return 2 * size(out) * k;
    }
    default:
      return null;
  }
}
