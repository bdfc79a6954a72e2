export { ARCHITECTURE_BENCH, BENCHED_ARCHITECTURES, createArchitectureStep, runArchitectureBench } from './architectureBench.js';
export { BENCH_DCGAN, createDcganTrainer, type DcganStepConfig, type DcganTrainer, dcganStepFlops, type StepLosses } from './dcganStep.js';
export { runDiracStudyBench } from './diracStudyBench.js';
export { FID_BENCH_DIMS, FID_BENCH_SAMPLES, type FidBenchOptions, runFidBench } from './fidBench.js';
export { kernelFlops } from './kernelFlops.js';
export { type PrecisionRecallBenchOptions, runPrecisionRecallBench } from './metricsBench.js';
export { createMlpStep, MLP_BENCH, runMlpBench } from './mlpStep.js';
export {
  type BenchOptions,
  type BenchRow,
  defaultBenchBackends,
  findPython,
  formatTable,
  type KernelTime,
  median,
  nominalPeakGflops,
  profileDcganStep,
  profileStep,
  runDcganBench,
  type StepProfile,
} from './runBench.js';
