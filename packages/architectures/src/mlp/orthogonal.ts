import type { Rng } from '@ganbench/core';

/**
 * A [rows, cols] matrix with orthonormal columns (rows ≥ cols) or rows (rows < cols), times `gain`:
 * the orthogonal initialization of Saxe, McClelland, Ganguli 2014, which Metz et al. 2017 use for
 * the mixture MLPs. Gram–Schmidt on Gaussian vectors from the seeded Rng, run twice per vector
 * ("twice is enough", Giraud et al. 2005) so orthogonality holds to round-off; the result is
 * Haar-distributed because Gram–Schmidt keeps the positive-diagonal QR factor.
 */
export function orthogonalMatrix(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const long = Math.max(rows, cols);
  const short = Math.min(rows, cols);
  const basis: Float64Array[] = [];
  while (basis.length < short) {
    const v = Float64Array.from({ length: long }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        let dot = 0;
        for (let i = 0; i < long; i++) dot += (v[i] as number) * (b[i] as number);
        for (let i = 0; i < long; i++) v[i] = (v[i] as number) - dot * (b[i] as number);
      }
    }
    let norm = 0;
    for (let i = 0; i < long; i++) norm += (v[i] as number) ** 2;
    norm = Math.sqrt(norm);
    // a draw (numerically) in the span of the previous ones has probability 0; draw again rather than divide by ~0
    if (norm < 1e-6) continue;
    basis.push(v.map((x) => x / norm));
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // basis vectors are the columns when rows ≥ cols, the rows otherwise
      const value = rows >= cols ? (basis[c] as Float64Array)[r] : (basis[r] as Float64Array)[c];
      out[r * cols + c] = gain * (value as number);
    }
  }
  return out;
}
