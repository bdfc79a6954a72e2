import { fileURLToPath } from 'node:url';

/** @ganbench/sweep/testing — study texts and a stand-in trial worker for tests; not part of the runtime API. */
export { BASE_STUDY, studyProblems, withSearch } from './studies.js';

/** Path of the stand-in for trialWorker.ts that "trains" by sleeping (see fakeTrialWorker.ts), for `runTrials`' workerModule. */
export const FAKE_TRIAL_WORKER = fileURLToPath(new URL('./fakeTrialWorker.ts', import.meta.url));

/** Path of the stand-in for trialWorker.ts that writes run logs as runTrial does (see runLogTrialWorker.ts), for tests of what reaches MLflow. */
export const RUN_LOG_TRIAL_WORKER = fileURLToPath(new URL('./runLogTrialWorker.ts', import.meta.url));
