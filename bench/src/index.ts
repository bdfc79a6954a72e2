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
