import { flatSamples, type Samples } from '../points.js';

/** Rows of a sample set as one flat row-major float64 array; `index`, when given, selects and orders the rows used. */
export interface RowSet {
  data: Float64Array;
  n: number;
  dim: number;
  index?: Int32Array;
}

/** Samples as a flat float64 row set, failing naming `field` on no rows or a non-finite value. */
export function finiteRows(samples: Samples, field: string): RowSet {
  const { data, n, dim } = flatSamples(samples, field);
  if (n === 0 || dim === 0) throw new Error(`${field}: no samples; at least one row of features is needed`);
  for (let t = 0; t < data.length; t++) {
    const v = data[t] as number;
    if (!Number.isFinite(v)) throw new Error(`${field}[${Math.floor(t / dim)}][${t % dim}]: ${v} is not a finite number`);
  }
  return { data, n, dim };
}

/** Fails unless two row sets have the same dimension, naming both fields. */
export function checkSameDim(a: RowSet, fieldA: string, b: RowSet, fieldB: string): void {
  if (a.dim !== b.dim) throw new Error(`${fieldB}: dimension ${b.dim} does not match ${fieldA}'s ${a.dim}; both sets must come from one feature space`);
}

/** Fails unless `value` is an integer in [min, max], naming the option. */
export function checkInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const allowed = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
    throw new Error(`${name}: ${value} is not allowed; use ${allowed}`);
  }
}
