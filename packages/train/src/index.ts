/** @ganbench/train — one training loop for every loss × regularizer. */
export { type AdamSettings, createGanTrainer, type GanModel, type GanTrainer, type GanTrainerConfig, type StepLosses } from './ganTrainer.js';
