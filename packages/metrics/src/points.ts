/**
 * 2-D points as [x, y] rows, or flat and interleaved [x₀, y₀, x₁, y₁, …] — what `await t.data()`
 * returns for a tensor of shape [n, 2] — so metrics need no tensor backend.
 */
export type Points2D = readonly (readonly number[])[] | ArrayLike<number>;

/** Samples of dimension d: rows, or a flat row-major array with the dimension given. */
export type Samples = readonly (readonly number[])[] | { data: ArrayLike<number>; dim: number };

function isRows(points: Points2D): points is readonly (readonly number[])[] {
  return Array.isArray(points) && points.length > 0 && Array.isArray(points[0]);
}

/** Points as one flat float64 array; fails naming `field` when rows are not pairs or a flat array has odd length. */
export function flatPoints2D(points: Points2D, field: string): Float64Array {
  if (isRows(points)) {
    const out = new Float64Array(2 * points.length);
    points.forEach((row, i) => {
      if (row.length !== 2) throw new Error(`${field}: row ${i} has ${row.length} coordinates; 2-D points need 2`);
      out[2 * i] = row[0] as number;
      out[2 * i + 1] = row[1] as number;
    });
    return out;
  }
  if (points.length % 2 !== 0) throw new Error(`${field}: a flat array of 2-D points needs an even length, got ${points.length}`);
  return Float64Array.from(points as ArrayLike<number>);
}

/** Samples as a flat row-major float64 array with their count and dimension. */
export function flatSamples(samples: Samples, field: string): { data: Float64Array; n: number; dim: number } {
  if (Array.isArray(samples)) {
    const rows = samples as readonly (readonly number[])[];
    const dim = rows[0]?.length ?? 0;
    const data = new Float64Array(rows.length * dim);
    rows.forEach((row, i) => {
      if (row.length !== dim) throw new Error(`${field}: row ${i} has ${row.length} values; row 0 has ${dim}`);
      data.set(row, i * dim);
    });
    return { data, n: rows.length, dim };
  }
  const { data, dim } = samples as { data: ArrayLike<number>; dim: number };
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`${field}.dim: ${dim} is not allowed; use a positive integer`);
  if (data.length % dim !== 0) throw new Error(`${field}: ${data.length} values do not split into rows of ${dim}`);
  return { data: Float64Array.from(data), n: data.length / dim, dim };
}
