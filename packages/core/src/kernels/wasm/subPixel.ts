/** Which filter taps and which dy offset produce the output rows h ≡ phase (mod stride). */
export interface SubPixelPhase {
  /** first tap: k0 ≡ phase + padBefore (mod stride) */
  firstTap: number;
  /** taps k0, k0 + s, …: ⌈(K − k0)/s⌉ of them */
  taps: number;
  /** dy padding before (negative: crop) so that output row q reads dy[q − padBefore + t] */
  padBefore: number;
  padAfter: number;
}

/**
 * Sub-pixel decomposition of one spatial axis of a stride-s transposed convolution
 * (Shi et al. 2016): dx[s·q + r] = Σ_j dy[q + c − j] · W[k0 + s·j], a stride-1 correlation.
 */
export function subPixelPhases(dySize: number, kernel: number, stride: number, padBefore: number, rowsPerPhase: number): SubPixelPhase[] {
  const phases: SubPixelPhase[] = [];
  for (let r = 0; r < stride; r++) {
    const firstTap = (r + padBefore) % stride;
    const taps = firstTap < kernel ? Math.ceil((kernel - firstTap) / stride) : 0;
    const offset = (r + padBefore - firstTap) / stride;
    const before = taps - 1 - offset;
    phases.push({ firstTap, taps, padBefore: before, padAfter: rowsPerPhase + taps - 1 - before - dySize });
  }
  return phases;
}
