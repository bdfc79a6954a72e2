export { BENCH_DCGAN, createDcganTrainer, type DcganStepConfig, type DcganTrainer, dcganStepFlops, type StepLosses } from './dcganStep.js';
export { runDiracStudyBench } from './diracStudyBench.js';
export {
  type BenchOptions,
  type BenchRow,
  defaultBenchBackends,
  findTorchPython,
  formatTable,
  type KernelTime,
  median,
  nominalPeakGflops,
  profileDcganStep,
  runDcganBench,
} from './runBench.js';
export { findNumpyPython, type PrecisionRecallBenchOptions, runPrecisionRecallBench } from './metricsBench.js';
export { FID_BENCH_DIMS, FID_BENCH_SAMPLES, type FidBenchOptions, findScipyPython, runFidBench } from './fidBench.js';
