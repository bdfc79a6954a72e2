/**
 * A stand-in for trialWorker.ts that writes a trial's run log as runTrial does (run.json with the
 * sweep's tags, a d_loss point per step in metrics.jsonl, config.json, checkpoints; on resume the
 * log rewinds to the checkpoint), without TensorFlow.js: for tests of what reaches MLflow. Per
 * seed, RUN_LOG_WORKER (JSON, e.g. {"1": {"stepMs": 5, "stallAt": 90}}) sets stepMs (sleep per
 * step, default 2), checkpointEvery (default the study's) and stallAt (the trial stops moving at
 * that step until it is aborted or killed).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { trialParams } from '@ganbench/study-folder';
import { RUN_JSON, RunLog } from '@ganbench/tracking';
import { serveTrials } from '../protocol.js';

interface Behaviour {
  stepMs?: number;
  checkpointEvery?: number;
  stallAt?: number;
}

serveTrials(async ({ config, dir, tags }, { signal, onProgress }) => {
  const all = JSON.parse(process.env.RUN_LOG_WORKER ?? '{}') as Record<string, Behaviour>;
  const behaviour = all[String(config.seed)] ?? {};
  const checkpointEvery = behaviour.checkpointEvery ?? config.training.checkpointEvery ?? config.training.steps;
  const checkpoint = join(dir, 'checkpoint', 'step.json');
  let step = 0;
  try {
    step = (JSON.parse(readFileSync(checkpoint, 'utf8')) as { step: number }).step;
  } catch {
    // No checkpoint: the trial starts over.
  }
  const save = () => {
    mkdirSync(join(dir, 'checkpoint'), { recursive: true });
    writeFileSync(`${checkpoint}.tmp`, JSON.stringify({ step }));
    renameSync(`${checkpoint}.tmp`, checkpoint);
  };
  let log: RunLog;
  try {
    readFileSync(join(dir, RUN_JSON));
    log = await RunLog.open(dir, { resumeFromStep: step });
  } catch {
    log = await RunLog.create(dir, { name: `${config.loss.name} seed ${config.seed}`, params: trialParams(config), tags });
  }
  await log.setTags(tags);
  await log.addArtifact('config.json', `${JSON.stringify(config)}\n`);
  const started = Date.now();
  const steps = config.training.steps;
  while (step < steps) {
    if (signal.aborted) {
      save();
      await log.finish('KILLED');
      return { status: 'interrupted', final: {}, best: {}, steps: step, seconds: (Date.now() - started) / 1000 };
    }
    if (step + 1 === behaviour.stallAt) {
      await sleep(50);
      continue;
    }
    await sleep(behaviour.stepMs ?? 2);
    step++;
    await log.logMetrics(step, { d_loss: 1 / step });
    if (step % checkpointEvery === 0) save();
    onProgress({ step, steps });
  }
  const final = { frechet_2d: 1 / (1 + config.seed), modes_covered: 8 };
  await log.logMetrics(step, final);
  await log.setTag('ganbench.status', 'finished');
  await log.finish('FINISHED');
  return { status: 'finished', final, best: final, steps, seconds: (Date.now() - started) / 1000 };
});
