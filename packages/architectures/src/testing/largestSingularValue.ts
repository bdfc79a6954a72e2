import type { tf } from '@ganbench/core';

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan, Alg. 8.5.3), in float64. */
function symmetricEigenvalues(a: number[][]): number[] {
  const n = a.length;
  const m = a.map((row) => [...row]);
  const at = (i: number, j: number) => (m[i] as number[])[j] as number;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += at(i, j) ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(at(p, q)) < 1e-300) continue;
        const theta = (at(q, q) - at(p, p)) / (2 * at(p, q));
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [kp, kq] = [at(k, p), at(k, q)];
          (m[k] as number[])[p] = c * kp - s * kq;
          (m[k] as number[])[q] = s * kp + c * kq;
        }
        for (let k = 0; k < n; k++) {
          const [pk, qk] = [at(p, k), at(q, k)];
          (m[p] as number[])[k] = c * pk - s * qk;
          (m[q] as number[])[k] = s * pk + c * qk;
        }
      }
    }
  }
  return m.map((_, i) => at(i, i));
}

/** σ_max of a weight reshaped to [K, out] (the matrix spectral norm divides by), as √λ_max of the smaller Gram matrix. */
export function largestSingularValue(weight: tf.Tensor): number {
  const cols = weight.shape[weight.rank - 1] as number;
  const data = Float64Array.from(weight.dataSync());
  const rows = data.length / cols;
  const entry = (r: number, c: number) => data[r * cols + c] as number;
  const small = Math.min(rows, cols);
  const gram = Array.from({ length: small }, (_, i) =>
    Array.from({ length: small }, (_, j) => {
      let s = 0;
      if (cols <= rows) for (let r = 0; r < rows; r++) s += entry(r, i) * entry(r, j);
      else for (let c = 0; c < cols; c++) s += entry(i, c) * entry(j, c);
      return s;
    }),
  );
  return Math.sqrt(Math.max(...symmetricEigenvalues(gram)));
}
